#!/bin/sh
# Runs the bundled examples under valgrind (`make memcheck`): any memory error or leak fails.
# usage: tests/memcheck.sh PATH/TO/gpuvplan
set -u
bin=${1:?usage: memcheck.sh PATH/TO/gpuvplan}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
if ! command -v valgrind >/dev/null 2>&1; then
    echo "memcheck: valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpuvplan-memcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
vg="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect"
vg="$vg --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
ex=docs/examples/tenants.yaml
pass=0
fail=0
check() {
    expect=$1
    shift
    $vg "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    if [ "$rc" -eq "$expect" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL (exit $rc, expected $expect): gpuvplan $*"
        grep '^==' "$tmp/err" | head -20
    fi
}
check 0 gpus
check 0 show h100-80gb
check 0 show rtx-pro-6000 -f json
check 1 mig check h100-80gb 4x2g.20gb 2g.10gb
check 0 mig layouts rtx-pro-6000
check 0 explain "$ex"
check 0 explain "$ex" -f json
check 0 rules
check 0 recommend "$ex"
check 0 recommend "$ex" -f yaml
check 0 recommend "$ex" -f json -o "$tmp/plan.json"
check 0 check "$tmp/plan.json" --max-gpus 8
check 0 recommend "$ex" --from "$tmp/plan.json" -f json
check 3 recommend "$ex" --from tests/data/diff/bad-overlap-state.json
check 0 diff "$tmp/plan.json" "$tmp/plan.json"
check 0 state tests/data/smi/h100-node.txt -f json
check 0 report "$tmp/plan.json" -o "$tmp/plan.html"
check 0 report --compact tests/data/report/nodes.json
check 0 recommend "$ex" -f html
check 0 show h100-80gb -f html
check 3 report tests/data/bad/plan-overlap.json
check 0 compare --gpu h100-80gb
check 0 quiz --list -f json --seed 3
check 0 advise --isolation hard --memory 20GB --gpu h100-80gb
$vg "$bin" recommend "$ex" --from - -f json <"$tmp/plan.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL (exit $rc, expected 0): gpuvplan recommend $ex --from - < plan.json"
    grep '^==' "$tmp/err" | head -20
fi
check 3 show nosuch
for f in tests/data/bad/*.yaml; do
    case $f in
    */rules-*) check 3 rules --rules "$f" ;;
    *) check 3 explain "$f" ;;
    esac
done
echo "memcheck: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
