#!/usr/bin/env bash
# Runs the whole test suite on a machine that has only the .NET SDK: installs what the tests need first.
# Extra arguments go to every `dotnet test` (e.g. --filter, --logger); -c/-f/-r/-a/-p: also choose what is built.
# POSTFLEET_TEST_LANES (default 3) is how many test assemblies run at once.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

bash "$root/scripts/install-test-deps.sh" || { echo "installing test dependencies failed" >&2; exit 1; }

lanes="${POSTFLEET_TEST_LANES:-3}"
[[ "$lanes" =~ ^[1-9][0-9]*$ ]] || { echo "POSTFLEET_TEST_LANES must be a whole number of at least 1, not '$lanes'" >&2; exit 2; }

args=("$@")
build_args=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -c | --configuration | -f | --framework | -r | --runtime | -a | --arch) build_args+=("${args[i]}" "${args[i + 1]:-}") ;;
    -c:* | --configuration:* | -p:* | --property:* | -property:* | /p:*) build_args+=("${args[i]}") ;;
  esac
done

# Test assemblies as groups, longest first, so the long ones start at once and the short ones fill the lanes
# around them (most of a fleet test's time is spent waiting on simulated clocks and other processes, not on the
# CPU; Bench and Core are the CPU-bound ones, so they run beside those waits rather than last). The two Docker
# assemblies share one engine, so they are one group and run one after the other. An assembly not named here (a
# new one) runs after these.
groups=("Faults" "EndToEnd" "Containers DockerEpoch" "Bench" "Daemon" "Simulator" "Core" "Doctor" "Init")
mapfile -t projects < <(grep -o 'tests/PostFleet\.[A-Za-z0-9]*\.Tests/PostFleet\.[A-Za-z0-9]*\.Tests\.csproj' PostFleet.slnx)
for project in "${projects[@]}"; do
  name="${project#tests/PostFleet.}"
  name="${name%%.Tests/*}"
  [[ " ${groups[*]} " == *" $name "* ]] || groups+=("$name")
done

# Background jobs of a script start with SIGINT and SIGQUIT ignored, and a .NET process keeps an inherited
# ignore: the tests that interrupt a child (postcli, init) need the default action back.
default_signals=(env --default-signal=INT,QUIT)
"${default_signals[@]}" true 2>/dev/null || default_signals=()

run_group() {
  local failed=0 name
  for name in $1; do
    "${default_signals[@]}" dotnet test "tests/PostFleet.$name.Tests/PostFleet.$name.Tests.csproj" --no-build --nologo "${args[@]}" || failed=1
  done
  return "$failed"
}

run_all() {
  # One build for every assembly, so the assemblies tested side by side never build the same project at once.
  dotnet build PostFleet.slnx --nologo -v q "${build_args[@]}" || return 1
  # The simulated fleets' native post-service (or one line saying they run the JIT one): never fails the run.
  bash scripts/build-sim-aot.sh
  local status=0 running=0 group
  for group in "${groups[@]}"; do
    if ((running >= lanes)); then
      wait -n || status=1
      running=$((running - 1))
    fi
    run_group "$group" &
    running=$((running + 1))
  done
  while ((running > 0)); do
    wait -n || status=1
    running=$((running - 1))
  done
  return "$status"
}

log="$(mktemp)"
run_all 2>&1 | tee "$log"
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
