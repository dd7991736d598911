using Google.Protobuf;
using PostFleet.Simulator.Common;
using Spacemesh.V1;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// One proof at a time: Idle → Running → Done, exactly the post-rs state machine (fact sheet 2.4) with its quirks.
/// The state lives here, not in a connection, so a proof survives reconnects.
/// </summary>
public sealed class ProvingService(ServiceContext context)
{
    private readonly Lock _gate = new();
    private State _state = new Idle();

    /// <summary>Set while GenProof builds the RandomX prover holding <see cref="_gate"/>: /status waits on it.</summary>
    private volatile TaskCompletionSource? _building;

    private abstract record State;

    private sealed record Idle : State;

    private sealed record Running(byte[] Challenge, Task<Proof> Proving, ProvingProgress Progress) : State;

    private sealed record Done(byte[] Challenge, Proof? Proof, string? Error) : State;

    /// <summary>
    /// The proving thread panicked (<see cref="ProvingPanicException"/>). post-rs service/src/service.rs
    /// <c>ProofGenProcess::check_finished</c> re-raises that panic in whichever request looks next, holding the
    /// proof-generation mutex, so the mutex is poisoned and every later request panics on its <c>lock().unwrap()</c>.
    /// </summary>
    private sealed record Panicked : State;

    public SimPlaces Places => context.Places;

    public TimeProvider Time => context.Time;

    public string MetadataDebug() => context.Metadata.ToRustDebug();

    public Metadata Metadata()
    {
        var meta = context.Metadata;
        var metadata = new Metadata
        {
            NodeId = ByteString.CopyFrom(meta.NodeId),
            CommitmentAtxId = ByteString.CopyFrom(meta.CommitmentAtxId),
            NumUnits = meta.NumUnits,
            LabelsPerUnit = meta.LabelsPerUnit,
        };
        if (meta.Nonce is { } nonce)
        {
            metadata.Nonce = nonce;
        }

        return metadata;
    }

    public GenProofResponse GenProof(byte[] challenge)
    {
        lock (_gate)
        {
            Settle();
            if (_state is Panicked)
            {
                // The client task panics; service/src/main.rs unwraps its JoinHandle's result, so the process ends
                // as a Rust panic in main does: the message on stderr and exit code 101.
                Panic("main", "service/src/main.rs", "called `Result::unwrap()` on an `Err` value: JoinError::Panic(Id(9), ...)");
                Environment.Exit(RustPanicExitCode);
            }

            switch (_state)
            {
                case Idle:
                    return Start(challenge);
                case Running running when running.Challenge.AsSpan().SequenceEqual(challenge):
                    return InProgress();
                case Running running:
                    return Failed($"proof generation is in progress for a different challenge (current: {Hex(running.Challenge)}, requested: {Hex(challenge)})");
                case Done { Proof: { } proof } done:
                    return HandOver(done, proof, challenge);
                case Done failed:
                    // Sticky: the real service never leaves Done(Err) until it is restarted.
                    context.Log.Info("post_service::service", "proof generation is finished");
                    return Failed($"proof generation failed: {failed.Error}");
                default:
                    throw new InvalidOperationException("unknown proving state");
            }
        }
    }

    /// <summary>What a Rust process exits with when its main thread panics.</summary>
    public const int RustPanicExitCode = 101;

    /// <summary>
    /// <see cref="StatusJson"/> as the operator handler gets it: while a GenProof builds the RandomX prover the real
    /// handler blocks on the mutex it holds, so the answer comes only after the build. Waited here without holding a
    /// thread, and given up when the caller hangs up (a real tokio worker would stay blocked).
    /// </summary>
    public async Task<string?> StatusJsonAsync(CancellationToken cancellationToken)
    {
        if (_building is { } building)
        {
            await building.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return StatusJson();
    }

    /// <summary>
    /// The operator API body, compact JSON as serde writes the externally tagged enum; null once the service is
    /// poisoned: the real handler panics and axum drops the connection without an answer.
    /// </summary>
    public string? StatusJson()
    {
        lock (_gate)
        {
            Settle();
            if (_state is Panicked)
            {
                Panic("tokio-runtime-worker", "service/src/service.rs", "called `Result::unwrap()` on an `Err` value: PoisonError { .. }");
                return null;
            }

            return _state switch
            {
                Running { Progress.Current: var p } => $"{{\"Proving\":{{\"nonces\":{{\"start\":{p.NoncesStart},\"end\":{p.NoncesEnd}}},\"position\":{p.Position}}}}}",
                Done => "\"DoneProving\"",
                _ => "\"Idle\"",
            };
        }
    }

    private GenProofResponse Start(byte[] challenge)
    {
        if (challenge.Length != 32)
        {
            return Failed("invalid challenge format");
        }

        context.Log.Info("post_service::service", $"starting proof generation for challenge {Hex(challenge)}");
        if (RandomXSetup.Of(context.Options, context.Host) is { } setup)
        {
            BuildProver(setup, challenge);
        }

        var progress = new ProvingProgress();
        var generator = new ProofGenerator(context, challenge, progress);
        // A background thread, as in post-rs: it outlives the request and the connection.
        var proving = Task.Run(async () =>
        {
            try
            {
                return await generator.RunAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                if (ex is ProvingPanicException)
                {
                    Panic("<unnamed>", "src/prove.rs", ex.Message);
                }

                context.Record("proof-failed", new Dictionary<string, object?> { ["challenge"] = Convert.ToHexStringLower(challenge), ["reason"] = ex.Message });
                throw;
            }
        });
        _state = new Running(challenge, proving, progress);
        return InProgress();
    }

    /// <summary>
    /// Called holding <see cref="_gate"/>, as post-rs builds its prover inside the locked GenProof: this reply and
    /// every /status wait for it. post-rs logs the build only at debug level, so only the record shows it.
    /// </summary>
    private void BuildProver(RandomXSetup setup, byte[] challenge)
    {
        var building = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _building = building;
        var fields = new Dictionary<string, object?> { ["challenge"] = Convert.ToHexStringLower(challenge), ["mode"] = setup.Mode };
        context.Record("randomx-setup-start", fields);
        try
        {
            // Blocking on purpose: the GenProof thread is held for the build, as in the real service.
            Task.Delay(setup.Duration, context.Time).Wait();
        }
        finally
        {
            context.Record("randomx-setup-end", fields);
            _building = null;
            building.SetResult();
        }
    }

    private GenProofResponse HandOver(Done done, Proof proof, byte[] challenge)
    {
        // The service says it is finished; the client (another module in post-rs) says so again before verifying.
        context.Log.Info("post_service::service", "proof generation is finished");
        context.Log.Info("post_service::client", "proof generation finished");
        context.Log.Info("post_service::client", "verifying proof");
        var started = context.Time.GetTimestamp();
        // The proof is forgotten whether or not it verifies: the next GenProof starts from scratch.
        _state = new Idle();
        if (!done.Challenge.AsSpan().SequenceEqual(challenge))
        {
            // The challenge is not compared before verifying; the proof was made for another one, so it fails.
            context.Log.Error("post_service::client", $"failed proof verification: invalid proof: proof was generated for a different challenge (verification took: {Seconds(context.Time.GetElapsedTime(started))}s)");
            context.Record("proof-failed", new Dictionary<string, object?> { ["challenge"] = Convert.ToHexStringLower(challenge), ["reason"] = "verification failed: proof was generated for a different challenge" });
            return Error();
        }

        context.Log.Info("post_service::client", $"proof is valid (verification took: {Seconds(context.Time.GetElapsedTime(started))}s)");
        context.Record("proof-handed-over", new Dictionary<string, object?> { ["challenge"] = Convert.ToHexStringLower(challenge) });
        return new GenProofResponse
        {
            Status = GenProofStatus.Ok,
            Proof = proof,
            Metadata = new ProofMetadata { Challenge = ByteString.CopyFrom(challenge), Meta = Metadata() },
        };
    }

    /// <summary>Running becomes Done as soon as the proving thread has finished, checked on every request.</summary>
    private void Settle()
    {
        if (_state is not Running { Proving.IsCompleted: true } running)
        {
            return;
        }

        if (running.Proving.IsCompletedSuccessfully)
        {
            _state = new Done(running.Challenge, running.Proving.Result, null);
            return;
        }

        if (running.Proving.Exception?.InnerException is ProvingPanicException)
        {
            _state = new Panicked();
            return;
        }

        var error = running.Proving.Exception?.InnerException?.Message ?? "proving was cancelled";
        _state = new Done(running.Challenge, null, error);
    }

    /// <summary>Rust's default panic hook: the thread, where, and the message, on stderr.</summary>
    private static void Panic(string thread, string file, string message) =>
        Console.Error.WriteLine($"\nthread '{thread}' panicked at {file}:\n{message}\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace");

    private static GenProofResponse InProgress() => new() { Status = GenProofStatus.Ok };

    private static GenProofResponse Error() => new() { Status = GenProofStatus.Error };

    /// <summary>post-rs returns the error to its client module, which logs it and answers ERROR.</summary>
    private GenProofResponse Failed(string error)
    {
        context.Log.Error("post_service::client", $"failed to generate proof: {error}");
        return Error();
    }

    /// <summary>Rust's Display of an f64: the shortest form that reads back, never an exponent.</summary>
    private static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.#################", System.Globalization.CultureInfo.InvariantCulture);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
