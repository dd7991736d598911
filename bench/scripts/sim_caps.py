#!/usr/bin/env python3
"""Caps held, from the simulated programs' own records (every host's .postfleet-sim/record.jsonl under a fleet's
disks/): the most readers a disk ever had at once (per-disk) and the most k2pow at once over the fleet (max-pow).
A phase ends at its process' next record (a killed process writes no end). Processes alive at once (max-running)
are not in the records: bench/scripts/thousand.sh samples them.

    bench/scripts/sim_caps.py FLEET_ROOT [--per-disk 1] [--max-pow 16]   (exit 1 if a cap broke)
"""
import argparse, glob, json, os, sys

ap = argparse.ArgumentParser()
ap.add_argument("root")
ap.add_argument("--per-disk", type=int, default=1)
ap.add_argument("--max-pow", type=int, default=16)
a = ap.parse_args()

records = []
for path in glob.glob(os.path.join(a.root, "disks", "**", ".postfleet-sim", "record.jsonl"), recursive=True):
    with open(path) as f:
        records += [json.loads(line) for line in f if line.strip()]
records.sort(key=lambda r: r["time"])

def peak(begin, key):
    """Most phases open at once per key (None: over all); a phase closes at its process' next record."""
    open_by_pid, count, best = {}, {}, {}
    for r in records:
        pid = (r.get("pid"), r.get("dir"))
        k = key(r)
        if pid in open_by_pid and r["event"] != begin:
            ok = open_by_pid.pop(pid)
            count[ok] -= 1
        if r["event"] == begin:
            if pid in open_by_pid:
                count[open_by_pid[pid]] -= 1
            open_by_pid[pid] = k
            count[k] = count.get(k, 0) + 1
            best[k] = max(best.get(k, 0), count[k])
    return max(best.values()) if best else 0

readers = peak("read-start", lambda r: r["disk"])
pow_ = peak("k2pow-start", lambda r: None)
delivered = sum(1 for r in records if r["event"] == "proof-handed-over")
print(json.dumps({"records": len(records), "proofs_handed_over": delivered, "peak_readers_per_disk": readers, "peak_k2pow": pow_}))
broken = readers > a.per_disk or pow_ > a.max_pow
sys.exit(1 if broken else 0)
