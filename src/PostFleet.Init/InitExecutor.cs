using PostFleet.Core.Init;
using PostFleet.Init.Inspection;
using PostFleet.Init.Keys;
using PostFleet.Init.Postcli;

namespace PostFleet.Init;

/// <summary>
/// Runs the plan: postcli runs under the per-disk and global caps, a progress snapshot every interval, and each
/// identity's key installed as soon as its data is verified (so an interrupted init still leaves finished
/// identities usable). All reporting happens on this one loop.
/// </summary>
internal sealed class InitExecutor(InitDependencies dependencies, IInitReporter reporter)
{
    public async Task<(List<IdentityResult> Results, string? LocalKeyBackup)> ExecuteAsync(InitPreparation preparation, CancellationToken cancellationToken)
    {
        var plan = preparation.Plan!;
        var keys = new KeySteps(plan, new NodeKeyInstaller(preparation.IdentitiesDirectory, dependencies.Time), reporter);
        var run = new IdentityRun(new PostcliProcess(dependencies.Time, dependencies.InterruptGrace), plan.PostcliBinary, preparation.LogDirectory);
        var tracker = new ProgressTracker(plan.Identities);
        var results = new List<IdentityResult>();

        foreach (var complete in plan.Identities.Where(i => i.Action == IdentityInitAction.AlreadyComplete))
        {
            reporter.Info($"{complete.Name}: already complete and verified; no postcli run.");
            results.Add(keys.Install(new IdentityResult(complete.Name, IdentityInitState.Done, [], null), complete));
        }

        var byName = plan.Identities.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var scheduler = new InitScheduler(plan.ToRun.Select(i => i.Job), plan.Caps);
        var running = new Dictionary<Task<IdentityResult>, IdentityPlan>();
        var started = new HashSet<string>(StringComparer.Ordinal);
        while (!scheduler.IsFinished)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                scheduler.CancelPending();
            }

            foreach (var job in scheduler.TakeStartable())
            {
                var identity = byName[job.Name];
                started.Add(job.Name);
                tracker.SetState(job.Name, IdentityInitState.Running);
                reporter.Info($"{job.Name}: postcli started on {job.Disk} ({(identity.Action == IdentityInitAction.Resume ? "resuming at " + ProgressMath.Bytes(identity.BytesWritten) : "new")}, {ProgressMath.Bytes(identity.Layout.TotalBytes)} in total).");
                running.Add(Task.Run(() => run.RunAsync(identity, plan.Commitment, cancellationToken), CancellationToken.None), identity);
            }

            if (running.Count == 0)
            {
                continue;
            }

            // Not cancellable: after Ctrl-C the loop keeps turning until every postcli has flushed and exited.
            var tick = Task.Delay(dependencies.ProgressInterval, dependencies.Time, CancellationToken.None);
            await Task.WhenAny(running.Keys.Append(tick));

            foreach (var finished in running.Keys.Where(t => t.IsCompleted).ToList())
            {
                var identity = running[finished];
                running.Remove(finished);
                scheduler.Finished(identity.Job);
                var result = await finished;
                if (result.State == IdentityInitState.Done)
                {
                    reporter.Info($"{identity.Name}: verified complete ({ProgressMath.Bytes(identity.Layout.TotalBytes)}, metadata matches identity.key and commitment).");
                    result = keys.Install(result, identity);
                }

                tracker.SetState(identity.Name, result.State, result.Problems.FirstOrDefault()?.Message);
                foreach (var problem in result.Problems)
                {
                    reporter.Problem(problem);
                }

                results.Add(result);
            }

            var now = dependencies.Time.GetUtcNow();
            foreach (var identity in tracker.Running)
            {
                tracker.Sample(identity.Name, now, PostDataInspector.BinFileSizes(identity.Service.DataDir).Values.Aggregate(0UL, (s, v) => s + v));
            }

            reporter.Progress(tracker.Snapshot(now));
        }

        foreach (var skipped in plan.ToRun.Where(i => !started.Contains(i.Name)))
        {
            tracker.SetState(skipped.Name, IdentityInitState.Cancelled);
            results.Add(new IdentityResult(skipped.Name, IdentityInitState.Cancelled, [], null));
        }

        reporter.Progress(tracker.Snapshot(dependencies.Time.GetUtcNow()));
        return (results, keys.LocalKeyBackup);
    }
}
