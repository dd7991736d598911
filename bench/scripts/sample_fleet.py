#!/usr/bin/env python3
"""Samples, every 5 s while PID lives, the simulated post-services of the fleet in DIR (alive at once, mean RSS,
native or JIT build), PID's RSS and the load average; one line a sample, appended to SAMPLES (thousand.sh reads it).
One process reading /proc: the shell loop it replaces forked tr, awk and readlink for every process on the machine
every 5 s, a tenth of a 2-core machine in an open gap at 1,000 identities, which the daemon under test paid for.

    bench/scripts/sample_fleet.py DIR PID SAMPLES
"""
import os, sys, time

def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def main():
    folder, pid, samples = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = time.monotonic()
    with open(samples, "a") as out:
        while os.path.exists(f"/proc/{pid}"):
            live = total = native = jit = 0
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if "sim post-service" not in cmd or folder + "/" not in cmd or "/bin/sh" in cmd:
                    continue
                live += 1
                total += rss_kib(entry)
                try:
                    exe = os.readlink(f"/proc/{entry}/exe")
                except OSError:
                    exe = ""
                native += exe.endswith("/postfleet-sim")
                jit += exe.endswith("/postfleet")
            load = open("/proc/loadavg").read().split()[0]
            out.write(f"{int(time.monotonic() - start)} live={live} sim_rss_mean_kib={total // live if live else 0} "
                      f"daemon_rss_kib={rss_kib(pid)} load={load} native={native} jit={jit}\n")
            out.flush()
            time.sleep(5)

if __name__ == "__main__":
    main()
