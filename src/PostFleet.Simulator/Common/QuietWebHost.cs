using Microsoft.AspNetCore.Builder;

namespace PostFleet.Simulator.Common;

/// <summary>
/// A web host that watches no files. The default builder reloads appsettings.json on change, which watches its content
/// root (the working directory) recursively with inotify: a post-service's is the fleet's log folder, which a hundred
/// running services write to, and each of them woke on every other's log line (a third of a simulated fleet's CPU at
/// 1,000 identities); the node's is the fleet folder. None reads an appsettings file.
/// </summary>
internal static class QuietWebHost
{
    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    });
}
