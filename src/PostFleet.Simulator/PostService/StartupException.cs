namespace PostFleet.Simulator.PostService;

/// <summary>An error that ends post-service with <c>Error: …</c> on stderr and exit code 1 (anyhow's main).</summary>
public sealed class StartupException(string message) : Exception(message);
