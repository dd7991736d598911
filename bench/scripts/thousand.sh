#!/bin/sh
# The large-fleet end-to-end bench: `postfleet demo` generates, inits and proves a fleet of IDENTITIES identities
# on DISKS disks over HOSTS hosts for EPOCHS complete epochs (every proof delivered), while this samples every
# 5 s the post-services alive at once (max-running), their RSS, the daemon's RSS and the load average; at the end
# the caps from the programs' own records (bench/scripts/sim_caps.py). A long run: start it with nohup.
#
#   bench/scripts/thousand.sh [IDENTITIES=1000] [DISKS=200] [HOSTS=4] [TIME_SCALE=1] [EPOCHS=2] [DIR=/tmp/postfleet-thousand]
#   ATTACH_PID=PID bench/scripts/thousand.sh ... DIR   (sample a demo already running in DIR)
set -u
n=${1:-1000}; disks=${2:-200}; hosts=${3:-4}; scale=${4:-1}; epochs=${5:-2}; dir=${6:-/tmp/postfleet-thousand}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
if [ -z "${ATTACH_PID:-}" ]; then
  [ -x "$repo/artifacts/bin/PostFleet.Cli/release/postfleet" ] || (cd "$repo" && dotnet build src/PostFleet.Cli -c Release -v q --nologo) || exit 1
  # The native post-service (or one line saying the fleet runs the JIT one); POSTFLEET_SIM_POST_SERVICE=jit compares.
  bash "$repo/scripts/build-sim-aot.sh"
  # A copy, so that building the repository meanwhile cannot change the programs under a long run; the native
  # post-service beside postfleet, where the demo looks first.
  bin=$(mktemp -d /tmp/postfleet-bin-XXXXXX); cp -r "$repo/artifacts/bin/PostFleet.Cli/release/." "$bin/"
  [ ! -x "$repo/artifacts/sim-aot/postfleet-sim" ] || cp "$repo/artifacts/sim-aot/postfleet-sim" "$bin/"
  rm -rf "$dir"
  "$bin/postfleet" demo --dir "$dir" --identities "$n" --disks "$disks" --hosts "$hosts" --time-scale "$scale" \
    --epochs "$epochs" --max-running 100 --listen http://127.0.0.1:0 > "$dir.log" 2>&1 &
  pid=$!
else
  pid=$ATTACH_PID
fi
samples="$dir.samples"; : > "$samples"
python3 "$here/sample_fleet.py" "$dir" "$pid" "$samples"
if [ -z "${ATTACH_PID:-}" ]; then
  wait "$pid"; echo "demo exit code: $? (0: $epochs complete epoch(s), every proof delivered)"
fi
grep -E "all [0-9]+ proofs delivered|demo finished|simulated post-services:" "$dir.log"
awk '{ split($6, b, "="); nat += b[2]; split($7, j, "="); jt += j[2]; split($2, a, "="); if (a[2] > m) m = a[2]; lv += a[2]; split($4, d, "="); if (d[2] > dm) dm = d[2]; split($3, s, "="); if (s[2] > sm) sm = s[2]; split($5, l, "="); ls += l[2]; n++ }
  END { printf "peak post-services alive at once: %d; peak mean RSS of the alive ones: %.1f MiB; daemon (demo process) peak RSS: %.1f MiB; mean load average: %.1f over %d samples; post-service build of the %d sampled processes: %d native, %d JIT (the rest ended while sampled)\n", m, sm / 1024, dm / 1024, ls / n, n, lv, nat, jt }' "$samples"
python3 "$here/sim_caps.py" "$dir" --per-disk 1 --max-pow 16
