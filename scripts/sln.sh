#!/usr/bin/env bash
# Rewrites PostFleet.slnx from every project under src/ and tests/ (resolves merge conflicts in it, too).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
{
  echo '<Solution>'
  for group in src tests bench; do
    projects=$(find "$group" -name "*.csproj" 2>/dev/null | sort || true)
    [ -n "$projects" ] || continue
    echo "  <Folder Name=\"/$group/\">"
    for p in $projects; do echo "    <Project Path=\"$p\" />"; done
    echo '  </Folder>'
  done
  echo '</Solution>'
} > PostFleet.slnx
