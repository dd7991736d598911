namespace PostFleet.Storage;

/// <summary>
/// Versioned schema changes, applied in order inside one transaction each. Never edit a shipped step: add one.
/// </summary>
internal static class Migrations
{
    public static readonly string[] Steps =
    [
        """
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            service TEXT NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX decisions_service_at ON decisions (service, at);
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            service TEXT NOT NULL,
            action TEXT NOT NULL,
            reason TEXT NOT NULL,
            outcome TEXT NOT NULL
        );
        CREATE INDEX actions_service_at ON actions (service, at);
        CREATE TABLE node_events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            smesher TEXT,
            detail TEXT NOT NULL
        );
        CREATE INDEX node_events_at ON node_events (at);
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            service TEXT NOT NULL,
            publish_epoch INTEGER NOT NULL,
            challenge TEXT NOT NULL
        );
        CREATE INDEX deliveries_service ON deliveries (service, publish_epoch);
        """,

        // 2: one row per post-service run (what it did and how it ended), the daemon's own events (config
        // reloads, shutdowns) and what users asked for.
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            service TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            publish_epoch INTEGER,
            k2pow_at TEXT,
            read_at TEXT,
            delivered_at TEXT,
            challenge TEXT,
            ended_at TEXT,
            exit_code INTEGER,
            outcome TEXT,
            stderr_tail TEXT
        );
        CREATE UNIQUE INDEX runs_instance ON runs (service, instance_id);
        CREATE INDEX runs_started ON runs (started_at);
        CREATE TABLE daemon_events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX daemon_events_at ON daemon_events (at);
        CREATE TABLE user_actions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX user_actions_at ON user_actions (at);
        """,

        // 3: what the planner learned about proving durations (k2pow seconds per service, read bytes/s per
        // disk), so a restarted daemon schedules with them instead of starting over from assumptions.
        """
        CREATE TABLE estimates (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (kind, name)
        );
        """,

        // The pass that wrote each decision, action, node event and delivery (the loop's pass id, also in its log
        // lines and its event-stream message), so one pass can be read back across all of them. Ordered after the
        // history's connection step when the branches meet (see issue 15).
        """
        ALTER TABLE decisions ADD COLUMN pass INTEGER;
        ALTER TABLE actions ADD COLUMN pass INTEGER;
        ALTER TABLE node_events ADD COLUMN pass INTEGER;
        ALTER TABLE deliveries ADD COLUMN pass INTEGER;
        """,

        // 5: each run's phases (k2pow and read per pass, with times, bytes and rate), as the run model draws them
        // from the planner's memory; served by GET /api/v1/services/{name}/runs.
        """
        CREATE TABLE run_phases (
            service TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            nonce_start INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            bytes INTEGER NOT NULL,
            rate REAL,
            PRIMARY KEY (service, instance_id, seq)
        );
        CREATE INDEX run_phases_started ON run_phases (started_at);
        """,
    ];
}
