#!/usr/bin/env bash
# Builds a PostFleet image WITHOUT any registry: `docker import` of a root filesystem made from this host's own
# libraries (the ones the self-contained binary links against) plus the published binary. For air-gapped hosts,
# or where packaging/Dockerfile's base image cannot be pulled.
#   packaging/publish.sh linux-x64 && packaging/docker-import.sh [TAG]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tag=${1:-postfleet:local}
bin=artifacts/packages/postfleet-linux-x64/postfleet
[ -x "$bin" ] || { echo "no $bin; run packaging/publish.sh linux-x64 first" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{usr/local/bin,etc/ssl/certs,tmp,var/lib/postfleet,etc/postfleet}
chmod 1777 "$root/tmp"
# Owned by root in the tarball; the state volume must be writable by the postfleet user (uid 999).
chmod 0777 "$root/var/lib/postfleet"
cp "$bin" "$root/usr/local/bin/postfleet"

# The binary's shared libraries (and the loader), plus what .NET opens at run time (libssl for TLS).
libs=$(ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }')
for extra in libssl.so.3 libcrypto.so.3 libgcc_s.so.1 libstdc++.so.6; do
  found=$(ldconfig -p | awk -v l="$extra" '$1 == l && /x86-64/ { print $NF; exit }')
  [ -n "$found" ] && libs="$libs $found"
done
for lib in $libs; do
  [ -e "$lib" ] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
[ -e /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'postfleet:x:999:999::/var/lib/postfleet:/usr/sbin/nologin' > "$root/etc/passwd"
echo 'postfleet:x:999:' > "$root/etc/group"

tar -C "$root" --numeric-owner --owner=0 --group=0 -c . | docker import \
  --change 'USER postfleet' --change 'WORKDIR /var/lib/postfleet' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' --change 'ENV DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/.net' --change 'ENV HOME=/var/lib/postfleet' \
  --change 'ENTRYPOINT ["/usr/local/bin/postfleet"]' --change 'CMD ["run", "-c", "/etc/postfleet/postfleet.yaml"]' \
  - "$tag"
echo "imported $tag"
