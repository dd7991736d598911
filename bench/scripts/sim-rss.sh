#!/bin/sh
# Memory of every running simulated post-service (`postfleet sim post-service`, the native `postfleet-sim
# post-service`, also under a wrapper): per build (jit or native), the processes (times samples), mean and max
# RSS, mean PSS and mean private memory (RssAnon + RssShmem) in MiB, from /proc/PID/status and smaps_rollup.
# Usage: bench/scripts/sim-rss.sh [samples] [interval-s] [MATCH: only command lines containing it, e.g. a fleet's folder]
samples=${1:-1}; interval=${2:-2}; match=${3:-}
i=0
while [ "$i" -lt "$samples" ]; do
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case "$cmd" in
      *"sim post-service"*|*"postfleet-sim post-service"*)
        case "$cmd" in /bin/sh*) continue;; esac
        case "$cmd" in *"$match"*) ;; *) continue;; esac
        case "$(readlink "$p/exe" 2>/dev/null)" in */postfleet-sim) build=native;; *) build=jit;; esac
        rss=$(awk '/^VmRSS/ {print $2}' "$p/status" 2>/dev/null)
        private=$(awk '/^RssAnon|^RssShmem/ {s += $2} END {print s}' "$p/status" 2>/dev/null)
        pss=$(awk '/^Pss:/ {print $2}' "$p/smaps_rollup" 2>/dev/null)
        [ -n "$rss" ] && echo "$build $rss ${pss:-0} ${private:-0}";;
    esac
  done
  i=$((i + 1)); [ "$i" -lt "$samples" ] && sleep "$interval"
done | awk '{ n[$1]++; r[$1] += $2; p[$1] += $3; v[$1] += $4; if ($2 > m[$1]) m[$1] = $2 }
  END { for (b in n) printf "%s: processes(samples)=%d mean_rss_mib=%.1f max_rss_mib=%.1f mean_pss_mib=%.1f mean_private_mib=%.1f\n", b, n[b], r[b]/n[b]/1024, m[b]/1024, p[b]/n[b]/1024, v[b]/n[b]/1024; if (!length(n)) print "no simulated post-service running" }'
