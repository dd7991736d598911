using PostFleet.Core.Init;

namespace PostFleet.Init.Keys;

/// <summary>
/// The key part of finishing an identity: local.key goes aside (only if asked, and only once a key is really about to
/// be added, so a failed init leaves the node exactly as it was), then the identity's key is installed.
/// </summary>
internal sealed class KeySteps(InitPlan plan, NodeKeyInstaller installer, IInitReporter reporter)
{
    private bool _localKeyHandled;

    public string? LocalKeyBackup { get; private set; }

    public IdentityResult Install(IdentityResult verified, IdentityPlan identity)
    {
        if (plan.MoveLocalKey && !_localKeyHandled)
        {
            try
            {
                LocalKeyBackup = installer.MoveLocalKeyAside();
                _localKeyHandled = true;
                if (LocalKeyBackup is not null)
                {
                    reporter.Info($"moved local.key to {LocalKeyBackup}: the node cannot run its supervised identity beside remote ones.");
                }
            }
            catch (IOException ex)
            {
                return verified with
                {
                    State = IdentityInitState.Failed,
                    Problems = [new InitProblem(InitProblemKind.KeyInstallFailed, "local.key", $"could not be moved aside ({ex.Message}); no key installed.")],
                };
            }
        }

        if (installer.Install(identity.Name, identity.Service.DataDir) is { } problem)
        {
            return verified with { State = IdentityInitState.Failed, Problems = [problem] };
        }

        reporter.Info($"{identity.Name}: key in place as identities/{NodeIdentitiesObservation.KeyFileName(identity.Name)} (0600).");
        return verified;
    }
}
