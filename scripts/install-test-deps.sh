#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (idempotent, quiet). Runs as root here; uses sudo otherwise.
set -euo pipefail
need=()
# procps: `ps` for the process runtime's adoption checks in tests.
command -v ps >/dev/null 2>&1 || need+=(procps)
# chromium: the dashboard tests drive a real headless browser over the DevTools protocol.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >/dev/null
  $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
