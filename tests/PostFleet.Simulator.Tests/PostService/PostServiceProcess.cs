using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>Starts <c>postfleet sim post-service</c> as a real process and reads its operator API.</summary>
internal static class PostServiceProcess
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static ChildProcess Start(SimHostFolder host, params string[] args) =>
        ChildProcess.StartPostfleet(["sim", "post-service", .. args], environment: host.Environment);

    /// <summary>Eventually.UntilAsync for an async condition, without the generic overload's ambiguity.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync<object>(async () => await condition() ? true : null, what, timeout);

    public static async Task<string> StatusAsync(int operatorPort)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{operatorPort}/status"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<System.Net.HttpStatusCode> StatusCodeAsync(HttpMethod method, int operatorPort, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://127.0.0.1:{operatorPort}{path}"));
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }
}
