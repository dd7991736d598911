#!/bin/sh
# Stand-in for the post-service binary in the container-runtime tests: it reports what the runtime gave it
# (arguments, PID, whether --dir is writable) on stderr like post-service does, then idles until stopped.
# It installs no signal handler, exactly like post-service, so only an init process makes SIGTERM work.
echo "post-service-stub: pid $$ args: $*" >&2

dir=""
retries=""
prev=""
for arg in "$@"; do
  case "$prev" in
    --dir|-d) dir="$arg" ;;
    --max-retries) retries="$arg" ;;
  esac
  case "$arg" in
    --dir=*) dir="${arg#--dir=}" ;;
  esac
  prev="$arg"
done

if [ -n "$dir" ] && [ -f "$dir/postdata_metadata.json" ]; then
  echo "post-service-stub: found $dir/postdata_metadata.json" >&2
fi
if [ -n "$dir" ] && touch "$dir/.postfleet-write-probe" 2>/dev/null; then
  rm -f "$dir/.postfleet-write-probe"
  echo "post-service-stub: $dir is WRITABLE" >&2
else
  echo "post-service-stub: $dir is read-only" >&2
fi

# Like the real service when it cannot reach the node: `--max-retries 0` ends at once with exit code 1.
if [ "$retries" = "0" ]; then
  echo "Error: max retries (0) reached" >&2
  exit 1
fi

exec sleep 300
