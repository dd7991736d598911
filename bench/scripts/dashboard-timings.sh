#!/bin/sh
# The dashboard at 1,000 identities (200 disks, 4 hosts) in headless Chromium: runs LargeFleetDashboardTests, which
# records Chromium's performance timings (first paint of the overview, update = fleet-changes message to the next
# frame, render) into artifacts/bench/dashboard-1000.json, and prints them with the load average.
set -e
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
dotnet build tests/PostFleet.Daemon.Tests -v q --nologo
dotnet test tests/PostFleet.Daemon.Tests --no-build --filter "FullyQualifiedName~LargeFleetDashboardTests"
python3 - <<'PY'
import json
d = json.load(open("artifacts/bench/dashboard-1000.json")); t = d["timings"]
u = sorted(t["updateMs"]); r = sorted(t["renderMs"])
print(f"load {d['loadAverage']}: first paint {t['firstPaintMs']:.0f} ms (first contentful paint {t['firstContentfulPaintMs']:.0f} ms); "
      f"update p50 {u[len(u)//2]:.0f} ms, max {u[-1]:.0f} ms; render p50 {r[len(r)//2]:.0f} ms, max {r[-1]:.0f} ms")
PY
