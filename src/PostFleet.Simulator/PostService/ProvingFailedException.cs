namespace PostFleet.Simulator.PostService;

/// <summary>The proving thread failed; the service stays in Done(Err) until it is restarted.</summary>
public sealed class ProvingFailedException(string message) : Exception(message);
