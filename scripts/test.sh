#!/usr/bin/env bash
# Runs the whole test suite, the way CI does: installs the Debian packages the tests need (as root;
# otherwise prints the command), builds in Release, runs every test project, and ends with one line
# "N passed, N failed, N skipped" and whether the quick fault drills held (scripts/drills.sh --quick, a few
# minutes: README, "Reliability"). --blame makes a crashed test host name the test it was running.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/deps.sh test

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

status=0
dotnet build Ssd.sln -c Release -nologo -v q -clp:ErrorsOnly || exit 1
dotnet test Ssd.sln -c Release --no-build -nologo --blame --logger "trx" --results-directory "$results" \
  --logger "console;verbosity=normal" "$@" || status=$?

# Sum the counters of every test project's TRX file into one closing line.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
drills=0
# A run narrowed by arguments (a --filter) is a developer's, not CI's: the drills run with the whole suite.
if [ $# -eq 0 ]; then scripts/drills.sh --quick || drills=$?; fi
echo "$passed passed, $failed failed, $skipped skipped; quick drills $([ "$drills" -eq 0 ] && echo held || echo FAILED)"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$drills" -ne 0 ]; then exit 1; fi
