using PostFleet.Core.Init;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

public class SchedulerTests
{
    private static List<InitJob> DemoJobs() =>
        [.. Fleets.Demo.SelectMany(d => d.Services.Select(s => new InitJob(s.Name, d.Disk)))];

    [Fact]
    public void Global_cap_1_runs_the_demo_one_at_a_time_in_config_order()
    {
        var scheduler = new InitScheduler(DemoJobs(), InitCaps.Default);
        var order = new List<string>();
        while (!scheduler.IsFinished)
        {
            var started = scheduler.TakeStartable();
            Assert.Single(started);
            order.Add(started[0].Name);
            scheduler.Finished(started[0]);
        }

        Assert.Equal(DemoJobs().Select(j => j.Name), order);
    }

    [Fact]
    public void Unlimited_global_cap_starts_the_first_identity_of_every_disk()
    {
        var scheduler = new InitScheduler(DemoJobs(), new InitCaps(1, 100));

        Assert.Equal(["diskE_post1", "diskD_post1", "diskC_post3", "diskB_post3", "diskA_post2"], scheduler.TakeStartable().Select(j => j.Name));
        Assert.Empty(scheduler.TakeStartable());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 10)]
    public void Caps_and_per_disk_order_hold_whatever_order_runs_finish_in(int perDisk, int global)
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var scheduler = new InitScheduler(DemoJobs(), new InitCaps(perDisk, global));
            var running = new List<InitJob>();
            var startedPerDisk = new Dictionary<string, List<string>>();
            while (!scheduler.IsFinished)
            {
                foreach (var job in scheduler.TakeStartable())
                {
                    running.Add(job);
                    startedPerDisk.TryAdd(job.Disk, []);
                    startedPerDisk[job.Disk].Add(job.Name);
                }

                Assert.True(running.Count <= global, $"seed {seed}: {running.Count} running > global {global}");
                Assert.All(running.GroupBy(j => j.Disk), g => Assert.True(g.Count() <= perDisk, $"seed {seed}: {g.Count()} on {g.Key}"));
                Assert.NotEmpty(running);

                var done = running[random.Next(running.Count)];
                running.Remove(done);
                scheduler.Finished(done);
            }

            foreach (var (disk, services) in Fleets.Demo)
            {
                Assert.Equal(services.Select(s => s.Name), startedPerDisk[disk]);
            }
        }
    }

    [Fact]
    public void Cancelling_drops_jobs_not_started_but_waits_for_running_ones()
    {
        var scheduler = new InitScheduler(DemoJobs(), new InitCaps(1, 2));
        var started = scheduler.TakeStartable();

        scheduler.CancelPending();

        Assert.False(scheduler.IsFinished);
        Assert.Empty(scheduler.TakeStartable());
        foreach (var job in started)
        {
            scheduler.Finished(job);
        }

        Assert.True(scheduler.IsFinished);
    }
}
