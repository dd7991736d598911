using System.CommandLine;
using PostFleet.Bench.ApiLoad;

namespace PostFleet.Cli.Commands;

/// <summary>`postfleet bench api-load`: the command line of <see cref="ApiLoadRun"/> (bench/), which does the work.</summary>
internal static class ApiLoadCommand
{
    public static Command Create()
    {
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (1-2000)", DefaultValueFactory = _ => 200 };
        var seconds = new Option<int>("--seconds") { Description = "How long the load lasts (1-3600)", DefaultValueFactory = _ => 60 };
        var streams = new Option<double>("--sse-share") { Description = "Share of the clients that hold an event stream instead of polling (0-1)", DefaultValueFactory = _ => 0.25 };
        var command = new Command("api-load", "The API and SSE under concurrent clients against a daemon proving a simulated fleet: p99 per endpoint, memory, missed passes")
        {
            clients, seconds, streams,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (n, s, share) = (parse.GetValue(clients), parse.GetValue(seconds), parse.GetValue(streams));
            if (ApiLoadRun.Problem(n, s, share) is { } problem)
            {
                Console.Error.WriteLine(problem);
                return 2;
            }

            var postfleet = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where postfleet is");
            return await ApiLoadRun.RunAsync(postfleet, n, TimeSpan.FromSeconds(s), share, cancellationToken);
        });
        return command;
    }
}
