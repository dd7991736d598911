#!/bin/bash
# What starting a simulated post-service costs, JIT (`postfleet sim post-service`) against native (`postfleet-sim
# post-service`): COUNT services of each build started one after the other (no node to reach, so they stay idle),
# each timed from its start to the first answer of its operator /status (wall time) and its CPU time (utime +
# stime) by then; then, with all COUNT of a build idle at once, their memory (bench/scripts/sim-rss.sh); and the load
# average. With the runtime settings a fleet's bin/post-service exports (SimulatedFleet.LeanRuntime) unless LEAN=0.
# Usage: bench/scripts/sim-start.sh [COUNT=10] [POSTFLEET_DIR=artifacts/bin/PostFleet.Cli/release]
set -u
count=${1:-10}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
bin=${2:-$repo/artifacts/bin/PostFleet.Cli/release}
native=$repo/artifacts/sim-aot/postfleet-sim
[ -x "$bin/postfleet" ] || { echo "no $bin/postfleet: build PostFleet.Cli first" >&2; exit 1; }
work=$(mktemp -d /tmp/pf-sim-start-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
# Metadata is all a post-service reads before it serves /status (the data files only while proving).
mkdir -p "$work/disk/post1"
id=$(head -c 32 /dev/urandom | base64 -w0); atx=$(head -c 32 /dev/urandom | base64 -w0)
printf '{"NodeId":"%s","CommitmentAtxId":"%s","LabelsPerUnit":1024,"NumUnits":4,"MaxFileSize":4294967296}' "$id" "$atx" > "$work/disk/post1/postdata_metadata.json"
export POSTFLEET_SIM_HOST_DIR=$work
if [ "${LEAN:-1}" != 0 ]; then
  export DOTNET_GCgen0size=0x200000 DOTNET_gcConcurrent=0 DOTNET_TieredPGO=0
fi
tick=$(getconf CLK_TCK)
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for build in jit native; do
  if [ "$build" = native ]; then
    [ -x "$native" ] || { echo "native: not built (scripts/build-sim-aot.sh)"; continue; }
    cmd=("$native" post-service)
  else
    cmd=("$bin/postfleet" sim post-service)
  fi
  pids=()
  for i in $(seq 1 "$count"); do
    port=$((20000 + RANDOM % 20000))
    start=$(date +%s%N)
    "${cmd[@]}" -d "$work/disk/post1" -a http://127.0.0.1:1 --reconnect-interval-s 3600 --operator-address "127.0.0.1:$port" 2>/dev/null &
    pid=$!; pids+=("$pid")
    until curl -sf "http://127.0.0.1:$port/status" >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || { echo "$build: service $pid exited (port $port taken?)"; break; }
      sleep 0.01
    done
    end=$(date +%s%N)
    cpu=$(awk -v t="$tick" '{ sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) * 1000 / t }' "/proc/$pid/stat")
    echo "$build $(((end - start) / 1000000)) $cpu" >> "$work/starts"
  done
  grep "^$build " "$work/starts" | awk -v b="$build" '{ w += $2; c += $3; if ($2 > mw) mw = $2; n++ } END { printf "%s: %d starts, wall to first /status mean %.0f ms (max %.0f), CPU by then mean %.0f ms\n", b, n, w/n, mw, c/n }'
  sleep 5
  sh "$here/sim-rss.sh" 3 1 "$work" | grep "^$build:"
  kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
