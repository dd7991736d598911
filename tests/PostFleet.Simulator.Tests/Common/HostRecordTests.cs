using System.Text.Json;
using PostFleet.Simulator.Common;
using PostFleet.Simulator.K2PowService;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Common;

/// <summary>
/// The record's lines are written by a source-generated serializer (so the native post-service writes them too):
/// every field type a simulated program records must be known to it, or that program fails where it records.
/// </summary>
public sealed class HostRecordTests
{
    [Fact]
    public void Every_field_type_the_simulators_record_is_written_as_a_json_number_or_string()
    {
        using var dir = new TempDirectory("pf-record");
        var record = new HostRecord(dir.Combine("record.jsonl"), TimeProvider.System);
        var job = new K2PowJob("ab", 7, "0011223344556677", "ff");
        var fields = new Dictionary<string, object?>
        {
            ["group"] = job.NonceGroup,
            ["short"] = (short)-3,
            ["ushort"] = (ushort)3,
            ["pass"] = 2,
            ["units"] = 4u,
            ["offset"] = -5L,
            ["nonce"] = ulong.MaxValue,
            ["rate"] = 1.5f,
            ["share"] = 0.25,
            ["ok"] = true,
            ["reason"] = "why",
            ["none"] = null,
        };

        record.Append("k2pow-job-end", job.Miner, "", "", fields);

        var line = JsonDocument.Parse(File.ReadAllLines(record.Path).Single()).RootElement;
        Assert.Equal(7, line.GetProperty("group").GetInt32());
        Assert.Equal(-3, line.GetProperty("short").GetInt32());
        Assert.Equal(ulong.MaxValue, line.GetProperty("nonce").GetUInt64());
        Assert.Equal(1.5, line.GetProperty("rate").GetDouble());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("none").ValueKind);
        Assert.Equal("k2pow-job-end", line.GetProperty("event").GetString());
    }
}
