#!/usr/bin/env bash
# Publishes postfleet as one self-contained executable per runtime identifier:
#   packaging/publish.sh                  # linux-x64 linux-arm64 osx-x64 osx-arm64
#   packaging/publish.sh linux-x64        # only these
# Output: artifacts/packages/postfleet-<version>-<rid>/postfleet (+ a .tar.gz beside it).
# A RID whose runtime packs cannot be restored (offline machine, no NuGet feed) is reported and skipped; the
# script fails only when none could be published. The git commit is embedded (postfleet --version).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64 osx-x64 osx-arm64)
out_root=artifacts/packages
mkdir -p "$out_root"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown-commit)

published=() failed=()
for rid in "${rids[@]}"; do
  dir="$out_root/postfleet-$rid"
  echo "== $rid -> $dir"
  if dotnet publish src/PostFleet.Cli -c Release -r "$rid" --self-contained \
      -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
      -p:SourceRevisionId="$commit" -o "$dir" >"$out_root/publish-$rid.log" 2>&1; then
    version=$("$dir/postfleet" --version 2>/dev/null || echo "(not runnable here)")
    tar -C "$out_root" -czf "$out_root/postfleet-$rid.tar.gz" "postfleet-$rid"
    echo "   ok: $version"
    published+=("$rid")
  else
    echo "   FAILED (see $out_root/publish-$rid.log):"
    grep -E "error" "$out_root/publish-$rid.log" | sort -u | head -3 | sed 's/^/     /'
    failed+=("$rid")
  fi
done

echo
echo "published: ${published[*]:-none}"
[ ${#failed[@]} -eq 0 ] || echo "failed:    ${failed[*]}"
[ ${#published[@]} -gt 0 ]
