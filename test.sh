#!/usr/bin/env bash
# Runs the whole test suite on a machine that has only the .NET SDK: installs what the tests need first.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

bash "$root/scripts/install-test-deps.sh" || { echo "installing test dependencies failed" >&2; exit 1; }

log="$(mktemp)"
dotnet test PostFleet.slnx --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One closing line over all test assemblies, in the plain "N passed, N failed" form.
awk '
  /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
    line = $0
    gsub(/[^0-9,]+/, " ", line)
    split(line, n, ",")
    failed += n[1]; passed += n[2]; skipped += n[3]; seen = 1
  }
  END {
    if (!seen) { print "Total: 0 passed, 0 failed"; exit }
    printf "Total: %d passed, %d failed, %d skipped\n", passed, failed, skipped
  }' "$log"
rm -f "$log"
exit "$status"
