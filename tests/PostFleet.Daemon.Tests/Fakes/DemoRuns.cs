using PostFleet.Daemon.View;

namespace PostFleet.Daemon.Tests.Fakes;

/// <summary>The demo view's run journal (what GET /api/v1/services/{name}/runs serves), three hours into the gap.</summary>
public static class DemoRuns
{
    private const double Rate = 180.0 * 1024 * 1024;

    public static Dictionary<string, RunsView> Build(FleetView view)
    {
        var now = view.At;
        var reading = view.Services.Single(s => s.Name == "diskC_post2");
        var k2pow = view.Services.Single(s => s.Name == "diskB_post2");
        var delivered = view.Services.Single(s => s.Name == "diskC_post3");
        return new Dictionary<string, RunsView>(StringComparer.Ordinal)
        {
            // Delivered in its second pass: k2pow, a full read that found nothing, k2pow again, a read that found it.
            ["diskC_post3"] = new("diskC_post3", now, [new RunView("pid:3013", now.AddMinutes(-170), 14,
            [
                K2Pow(0, now.AddMinutes(-170), now.AddMinutes(-160), now),
                Read(0, now.AddMinutes(-160), now.AddMinutes(-100), delivered.DataBytes, now),
                K2Pow(16, now.AddMinutes(-100), now.AddMinutes(-92), now),
                Read(16, now.AddMinutes(-92), now.AddMinutes(-70), delivered.DataBytes / 3, now),
            ], now.AddMinutes(-70), now.AddMinutes(-69), 0, "delivered")]),
            ["diskC_post2"] = new("diskC_post2", now, [new RunView(reading.InstanceId!, reading.RunningSince!.Value, 14,
            [
                K2Pow(0, reading.RunningSince!.Value, now.AddMinutes(-80), now),
                Read(0, now.AddMinutes(-80), null, reading.Position!.Value, now),
            ], null, null, null, null)]),
            ["diskB_post2"] = new("diskB_post2", now, [new RunView(k2pow.InstanceId!, k2pow.RunningSince!.Value, 14, [K2Pow(0, k2pow.RunningSince!.Value, null, now)], null, null, null, null)]),
        };
    }

    public static RunPhaseView K2Pow(ulong nonceStart, DateTimeOffset start, DateTimeOffset? end, DateTimeOffset now) =>
        new("k2pow", nonceStart, start, end, ((end ?? now) - start).TotalSeconds, 0, null);

    public static RunPhaseView Read(ulong nonceStart, DateTimeOffset start, DateTimeOffset? end, ulong bytes, DateTimeOffset now) =>
        new("read", nonceStart, start, end, ((end ?? now) - start).TotalSeconds, bytes, Rate);
}
