using System.Text;
using System.Text.Json.Nodes;
using PostFleet.Runtime.Docker;

namespace PostFleet.Runtime.Tests;

/// <summary>
/// Garbage run records (fixed seeds) beside one real running service: records with keys deleted, nulled, retyped or
/// given odd values, filed under another name, cut short or damaged, or a folder where a file should be. Listing
/// never throws, a record is only ever reported under the name it is filed as, only the real run counts as
/// running, and stopping or forgetting what was listed never touches the real process.
/// </summary>
public sealed class RunRecordFuzzTests : IDisposable
{
    public const int Cases = 1500;

    private static readonly string[] Keys = ["service", "pid", "startTimeTicks", "bootId", "executable", "arguments", "startedAt", "logPath", "version"];

    private readonly RuntimeHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Garbage_records_are_ignored_or_listed_as_ended_and_the_real_run_is_never_touched()
    {
        using var runtime = _harness.NewRuntime();
        var real = await runtime.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(real);
        var original = _harness.ReadRecord("diskA_post1");
        var random = new Random(2026);
        var ignored = 0;
        for (var i = 0; i < Cases; i++)
        {
            var (file, how) = WriteGarbage(original, random);
            using var fresh = _harness.NewRuntime();
            IReadOnlyList<PostFleet.Core.Model.RuntimeInstance> listed;
            try
            {
                listed = await fresh.ListAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i} ({how} in {file}): ListAsync threw {ex}");
                throw;
            }

            var where = $"case {i} ({how} in {file}): {string.Join(", ", listed)}";
            ignored += listed.Any(r => r.ServiceName == file) ? 0 : 1;
            foreach (var run in listed)
            {
                Assert.True(run.ServiceName is "diskA_post1" || run.ServiceName == file, $"listed under another name: {where}");
                Assert.True(!run.Running || (run.InstanceId == real.InstanceId && run.ServiceName == "diskA_post1"), $"garbage counted as running: {where}");
                if (!run.Running)
                {
                    await fresh.StopAsync(run, TimeSpan.FromMilliseconds(100), CancellationToken.None);
                    await fresh.ForgetAsync(run, CancellationToken.None);
                }
            }

            Assert.True(RuntimeHarness.IsAlive(RuntimeHarness.Pid(real)), $"the real run was stopped: {where}");
            Clean(file);
            _harness.WriteRecord("diskA_post1", original);
        }

        Assert.InRange(ignored, Cases / 10, Cases);
        using var last = _harness.NewRuntime();
        Assert.True(Assert.Single(await last.ListAsync(CancellationToken.None)).Running);
    }

    [Fact]
    public async Task Regression_a_record_copied_under_another_service_is_not_that_services_run()
    {
        using var runtime = _harness.NewRuntime();
        var real = await runtime.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(real);
        var copy = _harness.ReadRecord("diskA_post1");
        copy["service"] = "diskB_post1";
        _harness.WriteRecord("diskB_post1", copy);

        using var fresh = _harness.NewRuntime();
        var run = Assert.Single(await fresh.ListAsync(CancellationToken.None));
        Assert.Equal(("diskA_post1", real.InstanceId, true), (run.ServiceName, run.InstanceId, run.Running));
    }

    [Fact]
    public void Labels_that_cannot_name_a_service_are_refused_with_a_reason()
    {
        var random = new Random(16);
        const string alphabet = "aZ09_-./\\ \t\n\0é名";
        for (var i = 0; i < 3000; i++)
        {
            var value = random.Next(20) == 0 ? null : new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var service = FleetLabels.AdoptedService(value, out var problem);
            if (service is null)
            {
                Assert.False(string.IsNullOrEmpty(problem), $"case {i}: '{value}' refused without a reason");
            }
            else
            {
                Assert.Equal(value, service);
                Assert.True(service.Length > 0 && !service.Any(c => char.IsControl(c) || c is '/' or '\\') && service.Trim() == service && service is not ("." or ".."), $"case {i}: '{value}' adopted");
            }
        }

        Assert.Equal("diskA_post1", FleetLabels.AdoptedService("diskA_post1", out _));
        Assert.Null(FleetLabels.AdoptedService(null, out var missing));
        Assert.Contains("no io.postfleet.service label", missing, StringComparison.Ordinal);
    }

    private (string File, string How) WriteGarbage(JsonObject original, Random random)
    {
        var file = random.Next(3) switch { 0 => "diskA_post1", 1 => "diskB_post1", _ => "stray" };
        var record = (JsonObject)original.DeepClone();
        var key = Keys[random.Next(Keys.Length)];
        string how;
        switch (random.Next(8))
        {
            case 0:
                record.Remove(key);
                how = $"deleted {key}";
                break;
            case 1:
                record[key] = null;
                how = $"null {key}";
                break;
            case 2:
                JsonNode?[] odd = [JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(long.MaxValue), JsonValue.Create(""), JsonValue.Create("../x"),
                    JsonValue.Create(true), new JsonArray(), new JsonObject(), JsonValue.Create(Environment.ProcessId), JsonValue.Create(99), JsonValue.Create("diskB_post1")];
                record[key] = odd[random.Next(odd.Length)]?.DeepClone();
                how = $"odd {key} = {record[key]?.ToJsonString() ?? "null"}";
                break;
            case 3:
                record["service"] = random.Next(2) == 0 ? "diskB_post1" : "../../etc";
                how = $"service {record["service"]}";
                break;
            case 4:
                var text = record.ToJsonString();
                var cut = random.Next(text.Length);
                Write(file, Encoding.UTF8.GetBytes(text[..cut]));
                return (file, $"cut at {cut}");
            case 5:
                var bytes = Encoding.UTF8.GetBytes(record.ToJsonString());
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                Write(file, bytes);
                return (file, "a byte changed");
            case 6:
                Clean(file);
                File.Delete(_harness.RecordPath(file));
                Directory.CreateDirectory(_harness.RecordPath(file));
                return (file, "a folder");
            default:
                record["arguments"] = new JsonArray(JsonValue.Create("300"), null);
                how = "a null argument";
                break;
        }

        if (file != "diskA_post1" && record["service"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && (string?)record["service"] == "diskA_post1")
        {
            how += " (a copy of the real record filed as " + file + ")";
        }

        Write(file, Encoding.UTF8.GetBytes(record.ToJsonString()));
        return (file, how);
    }

    private void Write(string file, byte[] bytes)
    {
        Clean(file);
        File.WriteAllBytes(_harness.RecordPath(file), bytes);
    }

    private void Clean(string file)
    {
        var path = _harness.RecordPath(file);
        if (Directory.Exists(path))
        {
            Directory.Delete(path);
        }
        else if (file != "diskA_post1")
        {
            File.Delete(path);
        }
    }
}
