namespace PostFleet.Storage;

/// <summary>The pass id on the rows a reconcile pass writes (decisions, actions, node events, deliveries).</summary>
public sealed partial class FleetHistory
{
    /// <summary>The pass writing now, stamped on its rows; null outside a pass (e.g. in tools that seed a history).</summary>
    public long? CurrentPass { get; set; }

    /// <summary>The highest pass id in the file (0 in a new one), so a restarted daemon's ids go on from it.</summary>
    public long LastPass()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT MAX(m) FROM (SELECT MAX(pass) AS m FROM decisions UNION ALL SELECT MAX(pass) FROM actions UNION ALL SELECT MAX(pass) FROM node_events UNION ALL SELECT MAX(pass) FROM deliveries)";
        return command.ExecuteScalar() is long last ? last : 0;
    }
}
