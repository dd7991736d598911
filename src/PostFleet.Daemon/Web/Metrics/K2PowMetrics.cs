using PostFleet.Daemon.K2Pow;
using Prometheus;

namespace PostFleet.Daemon.Web.Metrics;

/// <summary>The k2pow pool's metrics, read from the router on every scrape (it changes between reconcile passes).</summary>
internal static class K2PowMetrics
{
    public static void Register(CollectorRegistry registry, Func<K2PowPoolView>? pool)
    {
        if (pool is null)
        {
            return;
        }

        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] worker = ["worker", "url"];
        var healthy = f.CreateGauge("postfleet_k2pow_worker_healthy", "1 when the worker answered its last health check or job request, 0 when not, absent before the first.", worker);
        var busy = f.CreateGauge("postfleet_k2pow_worker_busy", "1 while the worker runs a job for the router (or one the router did not give it).", worker);
        var rate = f.CreateGauge("postfleet_k2pow_worker_hash_rate", "Hashes per second learned from the jobs the worker finished (expected hashes / seconds).", worker);
        var done = f.CreateGauge("postfleet_k2pow_worker_jobs_done", "Jobs the worker returned (200 or 500) since the daemon started.", worker);
        var lost = f.CreateGauge("postfleet_k2pow_worker_jobs_lost", "Jobs the worker held and lost (it died or restarted); each went to another worker.", worker);
        var restarts = f.CreateGauge("postfleet_k2pow_worker_restarts", "Restarts of a managed worker since the daemon started.", worker);
        var queued = f.CreateGauge("postfleet_k2pow_jobs_queued", "Jobs waiting in the router for a free worker.");
        var running = f.CreateGauge("postfleet_k2pow_jobs_running", "Jobs a worker runs for the router.");
        var totals = f.CreateGauge("postfleet_k2pow_jobs_total", "Jobs since the daemon started, by outcome: accepted, dispatched, redispatched, completed, failed (500), lost.", ["outcome"]);
        var idle = f.CreateGauge("postfleet_k2pow_idle_while_waiting_rounds", "Router rounds that ended with a job queued while a worker was free (should stay 0).");
        registry.AddBeforeCollectCallback(() =>
        {
            var view = pool();
            foreach (var w in view.Router.Workers)
            {
                string[] labels = [w.Name, w.Url];
                if (w.Healthy is { } h)
                {
                    healthy.WithLabels(labels).Set(h ? 1 : 0);
                }

                busy.WithLabels(labels).Set(w.Job is not null || w.BusyElsewhere ? 1 : 0);
                if (w.LearnedHashRate is { } r)
                {
                    rate.WithLabels(labels).Set(r);
                }

                done.WithLabels(labels).Set(w.JobsDone);
                lost.WithLabels(labels).Set(w.JobsLost);
                if (w.Process is { } p)
                {
                    restarts.WithLabels(labels).Set(p.Restarts);
                }
            }

            var c = view.Router.Counters;
            queued.Set(view.Router.Queue.Count);
            running.Set(view.Router.Workers.Count(w => w.Job is { State: "running" }));
            totals.WithLabels("accepted").Set(c.Accepted);
            totals.WithLabels("dispatched").Set(c.Dispatched);
            totals.WithLabels("redispatched").Set(c.Redispatched);
            totals.WithLabels("completed").Set(c.Completed);
            totals.WithLabels("failed").Set(c.Failed);
            totals.WithLabels("lost").Set(c.Lost);
            idle.Set(c.IdleWhileWaiting);
        });
    }
}
