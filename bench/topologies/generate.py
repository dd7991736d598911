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

# Over-subscribed fleets: not everything fits the 12 h gap (the window objective, docs/scheduling.md).
rng = random.Random(13)

# CPU-starved: k2pow of all identities needs more than the gap on one k2pow slot; fast SSDs.
disks = [dict(name=f"ssd{d}", mibs=550, ids=[(f"ssd{d}_{i}", u) for i, u in enumerate(rng.sample([32, 24, 16, 12, 8, 8, 4], 5))]) for d in range(6)]
write("cpu-starved.yaml", "# CPU-starved: 30 identities on 6 SSDs, nonces 288, 4 cores at 200 H/s as one k2pow slot: k2pow alone needs more than the gap.\nname: cpu-starved\ncycle-gap: 12h\nnonces: 288\n",
      [dict(name="weakcpu", cores=4, hpc=200, disks=disks)])

# One disk holds more than the window: 160 SU on a 180 MiB/s HDD (about 16 h of reading); the rest fits.
disks = [dict(name="full", mibs=180, ids=[(f"full_{i}", u) for i, u in enumerate([32, 32, 24, 24, 16, 16, 8, 8])])]
disks += [dict(name=f"hdd{d}", mibs=rng.choice([160, 200]), ids=[(f"hdd{d}_{i}", rng.choice([8, 16, 24])) for i in range(4)]) for d in range(5)]
write("disk-over-window.yaml", "# One disk holds more than the window: 160 SU on a 180 MiB/s HDD next to 5 disks that fit.\nname: disk-over-window\ncycle-gap: 12h\nnonces: 128\n",
      [dict(name="box", cores=32, hpc=500, pow=8, disks=disks)])

# One identity larger than the window: 200 SU (12.5 TiB, about 18 h at 200 MiB/s) sharing its disk with two small ones.
disks = [dict(name="big", mibs=200, ids=[("giant", 200), ("big_small1", 8), ("big_small2", 16)])]
disks += [dict(name=f"d{d}", mibs=rng.choice([180, 250]), ids=[(f"d{d}_{i}", rng.choice([8, 16])) for i in range(4)]) for d in range(4)]
write("giant-identity.yaml", "# One identity larger than the window (200 SU, about 18 h of reading) on a disk with two small ones.\nname: giant-identity\ncycle-gap: 12h\nnonces: 128\n",
      [dict(name="box", cores=32, hpc=500, pow=8, disks=disks)])

# 400 identities over 4 hosts; some disks hold more than the window and one host is short of CPU.
hosts = []
for h in range(4):
    disks = []
    for d in range(10):
        mibs = rng.choice([150, 180, 220, 300])
        disks.append(dict(name=f"f{h}d{d}", mibs=mibs, ids=[(f"f{h}d{d}_{i}", rng.choice([4, 8, 12, 16, 24])) for i in range(10)]))
    hosts.append(dict(name=f"fhost{h}", cores=16 if h == 3 else 32, hpc=300 if h == 3 else 600, pow=8, disks=disks))
write("fleet-400.yaml", "# 400 identities on 40 disks over 4 hosts; many disks hold more than the window, host 3 is short of CPU.\nname: fleet-400\ncycle-gap: 12h\nnonces: 128\n", hosts)

# HDDs with two-reader penalty 1.0, over-subscribed (a failed pass, 4.3% at 128 nonces, reads the disk again).
disks = [dict(name=f"hp{d}", mibs=rng.choice([140, 180]), penalty=1.0, ids=[(f"hp{d}_{i}", rng.choice([8, 12, 16, 24])) for i in range(5)]) for d in range(8)]
write("hdd-penalty.yaml", "# 40 identities on 8 HDDs with two-reader penalty 1.0, over-subscribed.\nname: hdd-penalty\ncycle-gap: 12h\nnonces: 128\n",
      [dict(name="hddbox", cores=32, hpc=600, pow=8, disks=disks)])
