using System.Collections.Immutable;
using PostFleet.Core.Init;
using PostFleet.Init.Inspection;

namespace PostFleet.Init;

/// <summary>
/// `postfleet init`: from empty disks to identities the node carries. <see cref="PrepareAsync"/> looks at everything
/// and decides (touching nothing); <see cref="ExecuteAsync"/> runs postcli, verifies and installs keys;
/// <see cref="RunAsync"/> does both and reports as it goes. Re-running is always safe: verified identities are
/// skipped, interrupted ones resume from their files.
/// </summary>
public sealed class InitRunner(InitDependencies dependencies)
{
    private const string LogFolder = "init-logs";

    public async Task<InitPreparation> PrepareAsync(InitRequest request, CancellationToken cancellationToken)
    {
        var fleet = request.Fleet;
        var identitiesDir = NodeIdentitiesInspector.IdentitiesDirectory(fleet.Node.DataDir);
        var logDir = Path.Combine(fleet.StateDirectory, LogFolder);

        var selected = InitSelection.Select(fleet, request.Only, out var selectionProblems);
        var environment = new List<InitProblem>(selectionProblems);
        environment.AddRange(EnvironmentChecks.Postcli(fleet.Post.PostcliBinary));
        environment.AddRange(EnvironmentChecks.Writable(selected, identitiesDir, logDir));

        var (commitment, source, commitmentProblem) = await new CommitmentResolver(dependencies).ResolveAsync(request, cancellationToken);
        if (commitmentProblem is not null)
        {
            environment.Add(commitmentProblem);
        }

        if (commitment is not { } atx)
        {
            // Without the commitment the data folders cannot be judged; report what is known so far.
            return new InitPreparation(request, null, source, identitiesDir, logDir, [.. environment]);
        }

        var observations = new InitObservations(
            selected.ToDictionary(s => s.Name, s => PostDataInspector.Observe(s.DataDir), StringComparer.Ordinal),
            NodeIdentitiesInspector.Observe(identitiesDir),
            SpaceByService(selected),
            environment);
        var caps = InitCaps.Default with { Global = request.MaxParallel };
        var plan = InitPlanner.Plan(fleet, selected, atx, caps, request.RemoveLocalKey, observations);
        return new InitPreparation(request, plan, source, identitiesDir, logDir, plan.Problems);
    }

    public async Task<InitOutcome> ExecuteAsync(InitPreparation preparation, IInitReporter reporter, CancellationToken cancellationToken)
    {
        if (!preparation.CanRun)
        {
            throw new InvalidOperationException("the preparation has problems; report them instead of executing");
        }

        var (unordered, backup) = await new InitExecutor(dependencies, reporter).ExecuteAsync(preparation, cancellationToken);
        var results = OrderAsPlanned(preparation.Plan!, unordered).ToList();
        var installed = results.Where(r => r.State == IdentityInitState.Done).Select(r => r.Name).ToList();
        var restart = installed.Count == 0 ? [] : await new NodeRestartCheck(dependencies, reporter).NotCarriedAsync(preparation.Request.Fleet, installed);

        var status = results.Any(r => r.State == IdentityInitState.Failed) ? InitStatus.Failed
            : results.Any(r => r.State == IdentityInitState.Cancelled) || cancellationToken.IsCancellationRequested ? InitStatus.Cancelled
            : InitStatus.Completed;
        return new InitOutcome(status, preparation, [.. results], [.. restart], backup);
    }

    /// <summary>Prepare, report the problems or the plan, and execute unless refused or a dry run.</summary>
    public async Task<InitOutcome> RunAsync(InitRequest request, IInitReporter reporter, CancellationToken cancellationToken)
    {
        var preparation = await PrepareAsync(request, cancellationToken);
        if (preparation.Plan is not null)
        {
            foreach (var line in PlanText.Lines(preparation.Plan, preparation.CommitmentSource, preparation.IdentitiesDirectory))
            {
                reporter.Info(line);
            }
        }

        if (!preparation.CanRun)
        {
            foreach (var problem in preparation.Problems)
            {
                reporter.Problem(problem);
            }

            return new InitOutcome(InitStatus.Refused, preparation, [], [], null);
        }

        return request.DryRun
            ? new InitOutcome(InitStatus.DryRun, preparation, [], [], null)
            : await ExecuteAsync(preparation, reporter, cancellationToken);
    }

    private Dictionary<string, VolumeSpace> SpaceByService(IEnumerable<Core.Configuration.ServiceSpec> services)
    {
        var space = new Dictionary<string, VolumeSpace>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (dependencies.FreeSpace.Probe(service.DataDir) is { } volume)
            {
                space[service.Name] = volume;
            }
        }

        return space;
    }

    private static IEnumerable<IdentityResult> OrderAsPlanned(InitPlan plan, List<IdentityResult> results) =>
        plan.Identities.Select(i => results.FirstOrDefault(r => r.Name == i.Name)).OfType<IdentityResult>();
}
