#!/bin/sh
# RSS (MiB) of every running simulated post-service (`postfleet sim post-service`, also under a wrapper or as
# postfleet-sim): one line per process, then count, mean and max. Usage: bench/scripts/sim-rss.sh [samples] [interval-s]
samples=${1:-1}; interval=${2:-2}
i=0
while [ "$i" -lt "$samples" ]; do
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case "$cmd" in
      *"sim post-service"*|*"postfleet-sim post-service"*)
        case "$cmd" in /bin/sh*) continue;; esac
        awk '/^VmRSS/ {print $2}' "$p/status" 2>/dev/null;;
    esac
  done
  i=$((i + 1)); [ "$i" -lt "$samples" ] && sleep "$interval"
done | awk '{ n++; s += $1; if ($1 > m) m = $1 } END { if (n) printf "processes(samples)=%d mean_rss_mib=%.1f max_rss_mib=%.1f\n", n, s/n/1024, m/1024; else print "no simulated post-service running" }'
