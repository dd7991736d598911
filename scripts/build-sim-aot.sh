#!/usr/bin/env bash
# Builds the natively compiled simulated post-service, artifacts/sim-aot/postfleet-sim (src/PostFleet.SimPost),
# when its sources changed since the last build (about 1-2 minutes; nothing when they did not). Simulated fleets
# (the demo, the tests, bench/scripts/thousand.sh) run it as bin/post-service wherever it exists.
# Never fails: without clang or zlib1g-dev (scripts/install-test-deps.sh installs both), or when the build fails,
# it says so in one line and leaves no binary, so every simulated fleet runs the JIT `postfleet sim post-service`.
# --install-deps: first install clang and zlib1g-dev where they are missing and this may (root, or sudo without a
# password), as `./postfleet demo` does on a fresh machine.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/artifacts/sim-aot"
exe="$out/postfleet-sim"
stamp="$out/.sources-stamp"
sources=("$root/src/PostFleet.SimPost" "$root/src/PostFleet.Simulator" "$root/src/PostFleet.Protos" "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/global.json")

fallback() {
  rm -f "$exe" "$stamp"
  echo "simulated post-service: no native build ($1); simulated fleets run the JIT \`postfleet sim post-service\`" >&2
  exit 0
}

if [ -x "$exe" ] && [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -type f ! -path '*/bin/*' ! -path '*/obj/*' -print -quit)" ]; then
  exit 0
fi
if [ "${1:-}" = --install-deps ] && { ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/zlib.h ]; }; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || { sudo -n true 2>/dev/null && sudo_cmd="sudo -n"; } || fallback "clang and zlib1g-dev are missing and installing them needs root"
  echo "installing clang and zlib1g-dev for the native simulated post-service..." >&2
  { $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev; } >/dev/null 2>&1 \
    || fallback "installing clang and zlib1g-dev failed"
fi
command -v clang >/dev/null 2>&1 || fallback "clang is not installed: apt-get install clang zlib1g-dev"
[ -e /usr/include/zlib.h ] || fallback "zlib1g-dev is not installed: apt-get install zlib1g-dev"

mkdir -p "$out"
log="$out/build.log"
touch "$out/.sources-stamp.new"
echo "building the native simulated post-service (artifacts/sim-aot/postfleet-sim)..." >&2
if dotnet publish "$root/src/PostFleet.SimPost/PostFleet.SimPost.csproj" -c Release --use-current-runtime --nologo -v q -o "$out" >"$log" 2>&1 && [ -x "$exe" ]; then
  mv "$out/.sources-stamp.new" "$stamp"
else
  rm -f "$out/.sources-stamp.new"
  tail -n 20 "$log" >&2
  fallback "its build failed, see $log"
fi
