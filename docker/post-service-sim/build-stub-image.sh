#!/usr/bin/env bash
# Builds the post-service stand-in image for the container-runtime tests WITHOUT any registry: `docker import`
# of a tiny root filesystem made of this host's /bin/sh and a few coreutils plus exactly the libraries ldd
# names for them. ENTRYPOINT is the stub "post-service" with no CMD, like spacemeshos/post-service.
# Usage: build-stub-image.sh [IMAGE]   (default postfleet/post-service-stub:test); idempotent, ~1 s.
set -euo pipefail
image="${1:-postfleet/post-service-stub:test}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

copy_with_libs() {
  local target="$1" real
  real="$(readlink -f "$(command -v "$target")")"
  install -D -m 0755 "$real" "$rootfs/bin/$(basename "$target")"
  # ldd prints "name => /path (addr)" or "/path (addr)"; copy each library to the same path (symlinks resolved).
  for lib in $(ldd "$real" | grep -o '/[^ ]*'); do
    [ -e "$rootfs$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

for tool in sh sleep touch rm cat ls; do
  copy_with_libs "$tool"
done
install -D -m 0755 "$here/stub-entrypoint.sh" "$rootfs/usr/local/bin/post-service"
mkdir -p "$rootfs/service" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc"

tar -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/post-service"]' \
  --change 'WORKDIR /service' \
  --message 'postfleet post-service stub (tests only)' \
  - "$image" >/dev/null
echo "$image"
