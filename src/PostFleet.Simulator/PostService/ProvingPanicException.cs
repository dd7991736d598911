namespace PostFleet.Simulator.PostService;

/// <summary>
/// The proving thread panicked instead of returning an error: post-rs <c>Prover8_56::new</c> (src/prove.rs)
/// <c>unwrap</c>s the remote k2pow result, so a k2pow-service's 500 panics the thread. <see cref="ProvingService"/>
/// then behaves as the real service after <c>check_finished</c> re-raises that panic (see docs/k2pow-pool.md).
/// </summary>
public sealed class ProvingPanicException(string message) : Exception(message);
