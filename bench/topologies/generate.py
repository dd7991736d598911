#!/usr/bin/env python3
"""Writes the generated topologies of the suite (deterministic). Run from this folder: python3 generate.py"""
import random

def write(path, header, hosts):
    with open(path, "w") as f:
        f.write(header)
        f.write("hosts:\n")
        for h in hosts:
            f.write(f"  - name: {h['name']}\n    cores: {h['cores']}\n    hashrate-per-core: {h['hpc']}\n")
            if 'pow' in h: f.write(f"    pow-threads: {h['pow']}\n")
            f.write("    disks:\n")
            for d in h['disks']:
                f.write(f"      - name: {d['name']}\n        mib-s: {d['mibs']}\n")
                if 'penalty' in d: f.write(f"        penalty: {d['penalty']}\n")
                f.write("        identities:\n")
                for name, units in d['ids']:
                    f.write(f"          - {{ name: {name}, units: {units} }}\n")

rng = random.Random(8)

# 100 identities on 20 disks of mixed speeds, one host; CPU and disks both matter.
disks = []
for d in range(20):
    mibs = rng.choice([120, 160, 200, 250, 400, 550])
    ids = [(f"m{d:02d}_{i}", rng.choice([4, 8, 8, 12, 16])) for i in range(5)]
    disks.append(dict(name=f"m{d:02d}", mibs=mibs, ids=ids))
write("mixed-100.yaml", "# 100 identities on 20 disks of mixed speeds (120-550 MiB/s), one 32-core host, 4 k2pow slots.\nname: mixed-100\ncycle-gap: 12h\nnonces: 128\n",
      [dict(name="box", cores=32, hpc=250, pow=8, disks=disks)])

# CPU-bound: slow CPU, many nonces, fast NVMe.
disks = [dict(name=f"nvme{d}", mibs=2000, ids=[(f"nvme{d}_{i}", 8) for i in range(4)]) for d in range(8)]
write("cpu-bound.yaml", "# Bound by the CPU: 32 identities x 8 SU, nonces 288, 8 cores at 300 H/s, NVMe disks.\nname: cpu-bound\ncycle-gap: 12h\nnonces: 288\n",
      [dict(name="slowcpu", cores=8, hpc=300, disks=disks)])

# Disk-bound: HDDs with a high seek penalty, plenty of CPU.
disks = [dict(name=f"hdd{d:02d}", mibs=rng.choice([140, 160, 180]), penalty=1.0,
              ids=[(f"hdd{d:02d}_{i}", rng.choice([8, 12, 16])) for i in range(4)]) for d in range(12)]
write("disk-bound.yaml", "# Bound by the disks: 48 identities on 12 HDDs (140-180 MiB/s, seek penalty 1.0), a fast 64-core CPU.\nname: disk-bound\ncycle-gap: 12h\nnonces: 128\n",
      [dict(name="hddbox", cores=64, hpc=600, pow=16, disks=disks)])

# 2,000 identities on 200 disks over 10 hosts.
hosts = []
for h in range(10):
    disks = []
    for d in range(20):
        mibs = rng.choice([180, 220, 250, 300])
        disks.append(dict(name=f"h{h}d{d:02d}", mibs=mibs, ids=[(f"h{h}d{d:02d}_{i}", rng.choice([4, 6, 8])) for i in range(10)]))
    hosts.append(dict(name=f"host{h}", cores=32, hpc=600, pow=8, disks=disks))
write("large-2000.yaml", "# 2,000 identities on 200 disks over 10 hosts (one planner per host).\nname: large-2000\ncycle-gap: 12h\nnonces: 128\n", hosts)
