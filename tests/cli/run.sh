#!/bin/sh
# End-to-end tests of the command line: runs every tests/cli/test_*.sh against one binary.
# usage: tests/cli/run.sh PATH/TO/gpuvplan
# CLI_ONLY="test_a.sh test_b.sh" runs just those files (make tsan).
set -u
bin=${1:?usage: run.sh PATH/TO/gpuvplan}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gpuvplan-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
total_pass=0
total_fail=0
for t in "$here"/test_*.sh; do
    [ -e "$t" ] || continue
    case " ${CLI_ONLY:-$(basename "$t")} " in *" $(basename "$t") "*) ;; *) continue ;; esac
    res=$(cd "$root" && GPUVPLAN="$bin" WORK="$work" NO_COLOR=1 COLUMNS=80 GPUVPLAN_PROFILES= \
        sh -c '. tests/cli/lib.sh; . "$1"; finish' sh "$t")
    status=$?
    printf '%s\n' "$res" | grep -v '^RESULT ' || true
    line=$(printf '%s\n' "$res" | grep '^RESULT ' | tail -n 1)
    if [ -z "$line" ] || [ $status -gt 1 ]; then
        echo "FAIL $(basename "$t"): did not finish (exit $status)"
        total_fail=$((total_fail + 1))
        continue
    fi
    set -- $line
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
done
echo "cli: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
