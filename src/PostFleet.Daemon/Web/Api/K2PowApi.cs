using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PostFleet.Daemon.K2Pow;

namespace PostFleet.Daemon.Web.Api;

/// <summary>GET /api/v1/k2pow: the pool's workers (health, the job each runs and for which service, learned hash rate), its queue and recent results.</summary>
internal static class K2PowApi
{
    public static void Map(WebApplication app, Func<K2PowPoolView>? pool)
    {
        app.MapGet("/api/v1/k2pow", () => pool is null
                ? ApiResults.Error(404, "this fleet has no k2pow pool; add a k2pow: section to the config (docs/k2pow-pool.md)")
                : Results.Ok(pool()))
            .WithTags("k2pow")
            .WithName("GetK2PowPool").WithSummary("The remote k2pow pool: workers, what each runs for whom, hash rates learned, the router's queue and recent results.")
            .Produces<K2PowPoolView>().Produces<ApiError>(404);
    }
}
