#!/usr/bin/env bash
# Installs the Debian packages the test suite needs and starts the services it uses (idempotent, quiet).
# Runs as root here; uses sudo otherwise.
set -euo pipefail
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

need=()
# procps: `ps` for the process runtime's adoption checks in tests.
command -v ps >/dev/null 2>&1 || need+=(procps)
# chromium: the dashboard tests drive a real headless browser over the DevTools protocol.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# iproute2 (`ip netns`, veth) and util-linux (`nsenter`): the multi-host test makes two hosts as network namespaces.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
# docker.io: the Docker runtime's tests run against a real engine (dockerd, containerd, runc, docker-init).
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
# clang and zlib1g-dev: the native (AOT) build of the simulated post-service (scripts/build-sim-aot.sh). Wanted,
# not needed: without them the simulated fleets run the JIT post-service, so failing to install them fails nothing.
want=()
command -v clang >/dev/null 2>&1 || want+=(clang)
[ -e /usr/include/zlib.h ] || want+=(zlib1g-dev)
export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ] || [ ${#want[@]} -gt 0 ]; then
  $sudo_cmd apt-get update -qq >/dev/null || [ ${#need[@]} -eq 0 ]
fi
if [ ${#need[@]} -gt 0 ]; then
  $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#want[@]} -gt 0 ]; then
  $sudo_cmd apt-get install -y -qq "${want[@]}" >/dev/null 2>&1 || echo "could not install ${want[*]}: the simulated post-service runs as JIT" >&2
fi

# A Docker engine for the container-runtime tests. No bridge and no iptables: the tests' containers use host
# networking only, and this machine has no business rewriting its firewall. Left running for later runs.
if ! docker info >/dev/null 2>&1; then
  log=/var/log/postfleet-dockerd.log
  $sudo_cmd mkdir -p "$(dirname "$log")"
  $sudo_cmd setsid nohup dockerd --bridge=none --iptables=false >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "the Docker engine did not start; its log ($log) ends with:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
fi
