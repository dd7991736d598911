#!/usr/bin/env bash
# Builds an image of the SIMULATED post-service (`postfleet sim post-service`) WITHOUT any registry: `docker import`
# of a root filesystem holding postfleet plus exactly the host libraries it needs. Like spacemeshos/post-service the
# ENTRYPOINT runs the service and there is no CMD, so a runtime passes the real post-service flags as the command.
#
# Usage: build-sim-image.sh [IMAGE] [--from-build DIR] [--program post-service|k2pow-service] [--postfleet]
#   IMAGE              default postfleet/post-service-sim:test
#   --program NAME     the simulated program the ENTRYPOINT runs: post-service (default) or k2pow-service (a k2pow
#                      worker, like post-rs' k2pow-service; its flags -b/--cores/--randomx-mode become the CMD)
#   (default)          `dotnet publish src/PostFleet.Cli -r linux-x64 --self-contained -p:PublishSingleFile=true`
#                      (offline: the linux-x64 runtime packs must be in the NuGet cache; ~2 min)
#   --from-build DIR   copy a framework-dependent build of PostFleet.Cli (e.g. artifacts/bin/PostFleet.Cli/debug)
#                      and this host's .NET shared runtime instead (~5 s; what the tests use)
#   --postfleet        ENTRYPOINT is postfleet itself, as in packaging/Dockerfile (no shell, no tools): the image
#                      doctor's address probe runs as docker.probe-image / kubernetes.probe-image
set -euo pipefail
image="postfleet/post-service-sim:test"
from_build=""
program="post-service"
bare_postfleet=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from-build) from_build="$2"; shift 2 ;;
    --program) program="$2"; shift 2 ;;
    --postfleet) bare_postfleet=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) image="$1"; shift ;;
  esac
done
case "$program" in post-service|k2pow-service) ;; *) echo "--program $program: expected post-service or k2pow-service" >&2; exit 2 ;; esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs/opt/postfleet"

env_changes=()
if [ -n "$from_build" ]; then
  [ -x "$from_build/postfleet" ] || { echo "$from_build/postfleet not found; build PostFleet.Cli first" >&2; exit 1; }
  cp -a "$from_build/." "$rootfs/opt/postfleet/"
  # Native assets of other platforms are dead weight in a linux-x64 image.
  find "$rootfs/opt/postfleet/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} + 2>/dev/null || true
  # The shared runtime the apphost needs: host/fxr plus the two frameworks, from wherever `dotnet` lives.
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  mkdir -p "$rootfs/usr/share/dotnet"
  cp -a "$dotnet_root/host" "$rootfs/usr/share/dotnet/"
  mkdir -p "$rootfs/usr/share/dotnet/shared"
  for fw in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    cp -a "$dotnet_root/shared/$fw" "$rootfs/usr/share/dotnet/shared/"
  done
  env_changes+=(--change 'ENV DOTNET_ROOT=/usr/share/dotnet')
else
  dotnet publish "$repo/src/PostFleet.Cli" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:DebugType=none -o "$rootfs/opt/postfleet" >"$work/publish.log" 2>&1 \
    || { tail -n 30 "$work/publish.log" >&2; exit 1; }
fi

# Every ELF file in the tree, plus OpenSSL (dlopen'ed by the crypto shim, so ldd does not list it): copy the
# libraries ldd names, at the same paths, symlinks resolved.
copy_libs() {
  local lib
  for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' || true); do
    [ -e "$rootfs$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}
libdir="$(dirname "$(ldconfig -p | grep -m1 'libssl.so.3 ' | sed 's/.*=> //')")"
for ssl in libssl.so.3 libcrypto.so.3; do
  install -D -m 0755 "$(readlink -f "$libdir/$ssl")" "$rootfs$libdir/$ssl"
  copy_libs "$libdir/$ssl"
done
while IFS= read -r -d '' file; do
  if head -c 4 "$file" | grep -q 'ELF'; then copy_libs "$file"; fi
done < <(find "$rootfs/opt" "$rootfs/usr/share" -type f \( -name '*.so' -o -name postfleet \) -print0 2>/dev/null)

mkdir -p "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc" "$rootfs/service"
chmod 1777 "$rootfs/tmp"

if [ -n "$bare_postfleet" ]; then
  entrypoint='["/opt/postfleet/postfleet"]'
else
  entrypoint="[\"/opt/postfleet/postfleet\", \"sim\", \"$program\"]"
fi
tar -C "$rootfs" -c . | docker import \
  --change "ENTRYPOINT $entrypoint" \
  --change 'WORKDIR /service' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' \
  --change 'ENV DOTNET_EnableDiagnostics=0' \
  "${env_changes[@]}" \
  --message "postfleet simulated $program (tests and demos only)" \
  - "$image" >/dev/null
echo "$image"
