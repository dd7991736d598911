using System.Net;
using System.Text;
using System.Text.Json;
using PostFleet.Daemon.Tests.Fakes;
using PostFleet.Daemon.Web.Api;

namespace PostFleet.Daemon.Tests.Fuzz;

/// <summary>
/// Random names, paths, query values, methods and bodies on every route of the routing table (fixed seed): no
/// answer is a server error, every API refusal is the JSON error shape, the daemon keeps serving, and the loop is
/// only ever asked for a known intent on a service of the fleet.
/// </summary>
public sealed class ApiParameterFuzzTests
{
    public const int Cases = 2000;

    private static readonly string[] Values =
    [
        "", "diskB_post1", "diskC_post2", "ghost", "..", "%2e%2e", "a%2Fb", "%00", "%FF", "%", "名前", "a b", "-1", "0", "1", "5000", "5001",
        "99999999999999999999", "1e3", "0x10", " 7", "+7", "7.0", "true", "null", "prove-now", "force-stop", "FORCE-STOP", "pause", new string('x', 5000),
        "%0d%0aX-Injected:%20yes", "<script>", "'; DROP TABLE x; --", "\\",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

    [Fact]
    public async Task Random_parameters_on_every_route_never_cause_a_server_error_or_a_stray_action()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var routes = daemon.Host.Routes;
        var services = daemon.Fleet.Current!.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var random = new Random(16);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < Cases; i++)
        {
            var route = routes[random.Next(routes.Count)];
            var path = string.Concat(route.Pattern.Split('/').Select((part, n) => (n == 0 ? "" : "/") + (part.StartsWith('{') ? Pick(random) : part)));
            if (random.Next(2) == 0)
            {
                path += $"?lines={Pick(random)}&limit={Pick(random)}&service={Pick(random)}" + (random.Next(4) == 0 ? $"&lines={Pick(random)}" : "");
            }

            var method = random.Next(3) == 0 ? Methods[random.Next(Methods.Length)] : route.Method;
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (random.Next(2) == 0)
            {
                request.Headers.Add("Origin", daemon.Host.Url.GetLeftPart(UriPartial.Authority));
            }

            if (method is "POST" or "PUT" or "PATCH" && random.Next(2) == 0)
            {
                var body = new byte[random.Next(0, 4096)];
                random.NextBytes(body);
                request.Content = new ByteArrayContent(random.Next(2) == 0 ? body : Encoding.UTF8.GetBytes("{\"service\":\"diskB_post1\",\"intent\":\"force-stop\"}"));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(2) == 0 ? "application/json" : "application/x-www-form-urlencoded");
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            HttpResponseMessage sent;
            try
            {
                sent = await daemon.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"case {i}: {method} {path} got no answer in 20 s");
                throw;
            }

            using var response = sent;
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var where = $"case {i}: {method} {path} -> {status}";
            if (status >= 500)
            {
                Assert.Fail(where + " " + await response.Content.ReadAsStringAsync());
            }

            // Kestrel refuses some requests before the app sees them (a NUL in the path: 400; a request line over its
            // limit: 414; headers over it: 431): no body, none of our headers.
            var refusedByKestrel = status is 400 or 414 or 431 && !response.Headers.Contains("Content-Security-Policy");
            if (path.StartsWith("/api/", StringComparison.Ordinal) && status >= 400 && status != 405 && method != "HEAD" && !refusedByKestrel)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(text.StartsWith('{'), $"{where}: not the JSON error shape: '{text}'");
                using var json = JsonDocument.Parse(text);
                Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetString()), where);
            }

            Assert.False(response.Headers.Contains("X-Injected"), where);
        }

        Assert.All(daemon.Fleet.Applied, a => Assert.True(
            a.Service is null ? a.Intent is "pause" or "resume" : services.Contains(a.Service) && ServiceIntents.IsKnown(a.Intent),
            $"the loop was asked for {a}"));
        Assert.NotEmpty(daemon.Fleet.Applied); // valid actions were among the cases
        Assert.Equal(HttpStatusCode.OK, (await daemon.Http.GetAsync("/api/v1/fleet")).StatusCode);
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 4, string.Join(", ", statuses.Select(s => $"{s.Key} x{s.Value}")));
    }

    private static string Pick(Random random) => Values[random.Next(Values.Length)];
}
