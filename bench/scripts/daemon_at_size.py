#!/usr/bin/env python3
"""The daemon at a size: resident memory, CPU per reconcile pass, pass p50/p99, event-stream bytes per second and
API p99, measured side by side over one window against a running daemon (e.g. `postfleet demo --identities 1000`).

    bench/scripts/daemon_at_size.py --url http://127.0.0.1:PORT --pid PID [--seconds 60] [--dashboards 20]

--pid is the daemon's process (for `postfleet demo`, the demo process itself). The dashboards hold the event stream
as the dashboard does (?changes=1; --whole for whole views each pass), the API clients read what a dashboard reads.
Pass and stage percentiles are interpolated within the daemon's own histogram buckets (postfleet_reconcile_pass_duration_seconds,
postfleet_reconcile_pass_stage_seconds),
as Prometheus' histogram_quantile would. Only 127.0.0.1. Prints one JSON object.
"""
import argparse, json, os, re, threading, time, urllib.request, http.client
from urllib.parse import urlparse

def metrics(url):
    """Passes so far, the pass histogram's buckets, and each stage's (postfleet_reconcile_pass_stage_seconds)."""
    text = urllib.request.urlopen(url + "/metrics", timeout=30).read().decode()
    buckets, stages, passes = {}, {}, 0.0
    for line in text.splitlines():
        m = re.match(r'postfleet_reconcile_pass_duration_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        s = re.match(r'postfleet_reconcile_pass_stage_seconds_bucket\{stage="([^"]+)",le="([^"]+)"\} (\S+)', line)
        if m:
            buckets[edge(m.group(1))] = float(m.group(2))
        elif s:
            stages.setdefault(s.group(1), {})[edge(s.group(2))] = float(s.group(3))
        elif line.startswith("postfleet_reconcile_passes_total "):
            passes = float(line.split()[1])
    return passes, buckets, stages

def edge(le):
    return float("inf") if le == "+Inf" else float(le)

def quantile(q, before, after):
    edges = sorted(after)
    counts = [after[e] - before.get(e, 0) for e in edges]
    total = counts[-1]
    if total <= 0:
        return None
    rank, prev_edge, prev_count = q * total, 0.0, 0.0
    for edge, count in zip(edges, counts):
        if count >= rank:
            if edge == float("inf"):
                return prev_edge
            return prev_edge + (edge - prev_edge) * (rank - prev_count) / max(count - prev_count, 1e-9)
        prev_edge, prev_count = edge, count
    return edges[-2]

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def sched_ns(pid):
    """Each of the daemon's threads' time on a core and time runnable but waiting for one (schedstat, nanoseconds):
    how much of a pass's wall time is the machine's contention rather than the daemon's own work."""
    threads = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = open(f"/proc/{pid}/task/{task}/schedstat").read().split()
        except OSError:
            continue  # a thread that ended meanwhile
        threads[task] = (int(fields[0]), int(fields[1]))
    return threads

def sched_delta(before, after):
    """Run and wait time over the window: a thread's whole count if it started in it; one that ended is not counted."""
    run = sum(r - before.get(t, (0, 0))[0] for t, (r, _) in after.items())
    wait = sum(w - before.get(t, (0, 0))[1] for t, (_, w) in after.items())
    return run, wait

def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

def stream(url, path, stop, counter, lock):
    u = urlparse(url)
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            while not stop.is_set():
                chunk = response.read1(65536)
                if not chunk:
                    break
                with lock:
                    counter[0] += len(chunk)
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)

def poll(url, paths, stop, latencies, errors, lock):
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            (latencies if ok else errors).append(elapsed)
        time.sleep(0.05)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--dashboards", type=int, default=20)
    ap.add_argument("--api-clients", type=int, default=4)
    ap.add_argument("--whole", action="store_true", help="dashboards take whole views each pass (the old stream)")
    a = ap.parse_args()
    url = a.url.rstrip("/")
    if urlparse(url).hostname != "127.0.0.1":
        raise SystemExit("--url: only http://127.0.0.1:PORT")
    fleet = json.loads(urllib.request.urlopen(url + "/api/v1/fleet", timeout=30).read())
    names = [s["name"] for s in fleet["services"]]
    paths = ["/api/v1/fleet", "/api/v1/forecast", "/api/v1/alerts"] + [f"/api/v1/services/{n}" for n in names[:: max(1, len(names) // 20)]]

    stop, lock = threading.Event(), threading.Lock()
    sse_bytes, latencies, errors = [0], [], []
    threads = [threading.Thread(target=stream, args=(url, "/api/v1/events" + ("" if a.whole else "?changes=1"), stop, sse_bytes, lock), daemon=True) for _ in range(a.dashboards)]
    for t in threads:
        t.start()
    time.sleep(5)  # every stream has had its whole first view: measure the steady state
    with lock:
        sse_bytes[0] = 0
    passes0, buckets0, stages0 = metrics(url)
    cpu0, sched0, t0 = cpu_seconds(a.pid), sched_ns(a.pid), time.monotonic()
    pollers = [threading.Thread(target=poll, args=(url, paths, stop, latencies, errors, lock), daemon=True) for _ in range(a.api_clients)]
    for t in pollers:
        t.start()
    rss = []
    while time.monotonic() - t0 < a.seconds:
        rss.append(rss_mib(a.pid))
        time.sleep(1)
    elapsed = time.monotonic() - t0
    cpu1, sched1 = cpu_seconds(a.pid), sched_ns(a.pid)
    ran_ns, waited_ns = sched_delta(sched0, sched1)
    passes1, buckets1, stages1 = metrics(url)
    with lock:
        streamed = sse_bytes[0]
    stop.set()
    latencies.sort()
    passes = passes1 - passes0
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None
    print(json.dumps({
        "identities": len(names),
        "seconds": round(elapsed, 1),
        "load_average": os.getloadavg(),
        "rss_mib_max": round(max(rss), 1),
        "rss_mib_mean": round(sum(rss) / len(rss), 1),
        "passes": passes,
        "daemon_cpu_ms_per_pass": round((cpu1 - cpu0) * 1000 / passes, 1) if passes else None,
        "daemon_cpu_share": round((cpu1 - cpu0) / elapsed, 3),
        # Waiting for a core per unit of time on one, over the daemon's threads (schedstat).
        "daemon_runqueue_wait_per_run": round(waited_ns / max(ran_ns, 1), 2),
        "pass_p50_ms": round(quantile(0.5, buckets0, buckets1) * 1000, 1) if passes else None,
        "pass_p99_ms": round(quantile(0.99, buckets0, buckets1) * 1000, 1) if passes else None,
        "stage_p50_p99_ms": {name: [round((quantile(q, stages0.get(name, {}), b) or 0) * 1000, 1) for q in (0.5, 0.99)] for name, b in stages1.items()} if passes else None,
        "dashboards": a.dashboards,
        "sse_stream": "whole" if a.whole else "changes",
        "sse_bytes_per_s_per_dashboard": round(streamed / elapsed / max(a.dashboards, 1)),
        "sse_bytes_per_s_total": round(streamed / elapsed),
        "api_requests": len(latencies),
        "api_errors": len(errors),
        "api_p50_ms": round(p(0.5), 1) if latencies else None,
        "api_p99_ms": round(p(0.99), 1) if latencies else None,
    }))

if __name__ == "__main__":
    main()
