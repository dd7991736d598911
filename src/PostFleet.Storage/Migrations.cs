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
    ];
}
