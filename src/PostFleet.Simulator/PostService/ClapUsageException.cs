namespace PostFleet.Simulator.PostService;

/// <summary>A command-line error reported the way clap reports it (stderr, exit 2).</summary>
public sealed class ClapUsageException(string message) : Exception(message);
