#!/bin/sh
# `make check`: builds, then runs each test suite with its output in build/check/SUITE.log.
# Prints one line per suite and the totals; a failing suite's whole log follows its line.
# usage: scripts/check.sh MAKE
set -u
make=${1:-make}
logs=build/check
mkdir -p "$logs"
failed=""
pass=0
fail=0

# suite NAME TARGET: runs `make TARGET`, prints its summary line (the last line of its log).
suite() {
    name=$1
    log="$logs/$name.log"
    if $make --no-print-directory "$2" >"$log" 2>&1; then status=ok; else status=FAILED; fi
    last=$(tail -n 1 "$log")
    case $last in
    *" passed, "*" failed")
        p=${last%% passed*}
        p=${p##* }
        f=${last%% failed*}
        f=${f##*, }
        pass=$((pass + p))
        fail=$((fail + f))
        ;;
    esac
    if [ $status = ok ]; then
        case $name in
        build) echo "build: ok" ;;
        fuzz-replay) echo "fuzz-replay: $(grep -c replayed "$log") corpora replayed, ok" ;;
        *) echo "$last" ;;
        esac
    else
        echo "$name: FAILED (log: $log)"
        sed 's/^/  | /' "$log"
        failed="$failed $name"
    fi
}

suite build check-build
[ -z "$failed" ] || exit 1
suite unit unit
suite fuzz-replay fuzz-replay
suite cli cli
suite browser browser
echo "total: $pass passed, $fail failed${failed:+; failed suites:$failed}"
[ -z "$failed" ]
