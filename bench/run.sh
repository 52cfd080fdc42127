#!/bin/sh
# Benchmarks the planner (`make bench`): synthetic tenant sets of 1k, 10k, 100k and 1M tenants
# (bench/gen.h, seed 1), each planned with the optimal strategy and with first fit.
#   engine  bench/pack_bench through the library: load the YAML (or build the tenants in memory
#           past 200k tenants: the YAML loader takes documents up to 16 MiB), decide + pack,
#           write the JSON plan to memory; seconds per phase and the process's peak memory;
#           bound, gap and opt for the methods and models chosen, any: the lower bound over
#           every allowed choice (docs/plan.md, "Optimality and lower bounds")
#   cli     `gpuvplan recommend FILE --gpu h100-80gb --gpu l40s -f json -o PLAN` end to end,
#           wall time and peak memory from /usr/bin/time when it exists
#   table   issue 15's table against the floor (bench/table.sh; BENCH_TABLE=0 skips it)
#   plans   the 100k-tenant plan in every format and strategy compared by sha256 with the plans
#           main wrote at fe5fd2b (the tables as recorded before the planner was split into
#           modules, issue 9; JSON and YAML re-recorded for issue 15); a mismatch fails the
#           run (exit 1). Skipped when BENCH_SIZES leaves out 100000. A deliberate change of
#           the plan or of the profile data means recording new sums here.
# BENCH_SIZES="1000 10000" narrows the sizes; BUILD and BIN are the Makefile's.
set -u
build=${BUILD:-build}
bin=${BIN:-./gpuvplan}
sizes=${BENCH_SIZES:-"1000 10000 100000 1000000"}
dir=$build/bench
data=$dir/data
yaml_max=200000
mkdir -p "$data" || exit 1
for tool in gen_tenants pack_bench floor measure; do
    if [ ! -x "$dir/$tool" ]; then
        echo "bench: $dir/$tool is missing; run 'make bench'" >&2
        exit 1
    fi
done
for n in $sizes; do
    f=$data/tenants-$n.yaml
    if [ "$n" -le "$yaml_max" ] && [ ! -s "$f" ]; then
        "$dir/gen_tenants" "$n" 1 >"$f.tmp" && mv "$f.tmp" "$f" || exit 1
    fi
done

if [ "${BENCH_TABLE:-1}" != 0 ]; then
    BUILD=$build BIN=$bin sh bench/table.sh || exit 1
    echo
fi

echo "engine (library): seconds per phase, peak memory of the process"
printf '%9s %-9s %6s %6s %6s %6s %8s %7s %7s %5s %4s %8s %7s\n' tenants strategy load plan json \
    total peak_MiB gpus bound gap opt json_MiB any
for n in $sizes; do
    src=$data/tenants-$n.yaml
    [ "$n" -le "$yaml_max" ] || src=--generate=$n
    for s in optimal first-fit; do
        "$dir/pack_bench" "$src" "$s" | awk -F '\t' \
            '{ printf "%9s %-9s %6.2f %6.2f %6.2f %6.2f %8.1f %7d %7d %5d %4s %8.1f %7d\n",
               $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14 }'
    done
done

echo
echo "cli (gpuvplan recommend -f json -o FILE): wall seconds, peak memory"
printf '%9s %-9s %7s %8s %5s\n' tenants strategy wall peak_MiB exit
for n in $sizes; do
    if [ "$n" -gt "$yaml_max" ]; then
        printf '%9s %-9s %s\n' "$n" "-" "skipped: the tenants file would pass the 16 MiB YAML limit"
        continue
    fi
    for s in optimal first-fit; do
        out=$dir/plan-$n-$s.json
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$bin" recommend "$data/tenants-$n.yaml" \
                --gpu h100-80gb --gpu l40s --strategy "$s" -f json -o "$out" 2>"$dir/err.txt"
            rc=$?
            read -r wall kib <"$dir/time.txt"
            printf '%9s %-9s %7.2f %8.1f %5d\n' "$n" "$s" "$wall" \
                "$(echo "$kib" | awk '{ print $1 / 1024 }')" "$rc"
        else
            start=$(date +%s)
            "$bin" recommend "$data/tenants-$n.yaml" --gpu h100-80gb --gpu l40s --strategy "$s" \
                -f json -o "$out" 2>"$dir/err.txt"
            rc=$?
            printf '%9s %-9s %7s %8s %5d\n' "$n" "$s" "$(($(date +%s) - start))" "-" "$rc"
        fi
        if [ "$rc" -gt 1 ]; then
            sed 's/^/          /' "$dir/err.txt"
        fi
        rm -f "$out"
    done
done

status=0
# Incremental planning (issue 13): CURRENT is the plan of N synthetic tenants (BENCH_INCR, default
# 18000: about 10,000 GPUs); the site then gains 1% more tenants (the same generator draws the
# same first N). `recommend --from CURRENT` is timed against a fresh `recommend` of the larger
# site, beside `check CURRENT` (validating CURRENT is part of --from), with the GPUs each one
# reconfigures as `diff` counts them.
incr_n=${BENCH_INCR:-18000}
incr_more=$((incr_n + incr_n / 100))
# seconds of wall time of a command, from /usr/bin/time when it exists: the median of 3 runs
# (the build machine is shared)
wall1() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e' -o "$dir/time.txt" "$@" 2>"$dir/err.txt" >/dev/null
        rc=$?
        cat "$dir/time.txt"
    else
        start=$(date +%s)
        "$@" 2>"$dir/err.txt" >/dev/null
        rc=$?
        echo $(($(date +%s) - start))
    fi
    return $rc
}
wall() {
    { wall1 "$@"; wall1 "$@"; wall1 "$@"; } | sort -n | sed -n 2p
}
# the integer after "KEY": in a JSON document written by gpuvplan (first occurrence)
json_int() { sed -n "s/^ *\"$1\": \([0-9][0-9]*\),*$/\1/p" "$2" | head -n 1; }
echo
echo "incremental (recommend --from): $incr_n tenants planned, then $incr_more"
"$dir/gen_tenants" "$incr_n" 1 >"$data/incr-base.yaml" &&
    "$dir/gen_tenants" "$incr_more" 1 >"$data/incr-more.yaml" &&
    "$bin" recommend "$data/incr-base.yaml" --gpu h100-80gb --gpu l40s -f json \
        -o "$data/incr-current.json" 2>"$dir/err.txt"
if [ $? -gt 1 ]; then
    echo "failed to make CURRENT:" && cat "$dir/err.txt"
    status=1
else
    t_check=$(wall "$bin" check -q "$data/incr-current.json")
    t_fresh=$(wall "$bin" recommend "$data/incr-more.yaml" --gpu h100-80gb --gpu l40s -f json \
        -o "$data/incr-fresh.json")
    t_incr=$(wall "$bin" recommend "$data/incr-more.yaml" --gpu h100-80gb --gpu l40s \
        --from "$data/incr-current.json" -f json -o "$data/incr-next.json")
    "$bin" diff "$data/incr-current.json" "$data/incr-fresh.json" -f json -o "$dir/d1.json"
    "$bin" diff "$data/incr-current.json" "$data/incr-next.json" -f json -o "$dir/d2.json"
    printf '%-26s %8s %7s %8s %7s\n' run wall_s gpus drained in_place
    printf '%-26s %8s %7s\n' "check CURRENT" "$t_check" "$(json_int gpus_used "$data/incr-current.json")"
    printf '%-26s %8s %7s %8s %7s\n' "fresh recommend" "$t_fresh" \
        "$(json_int gpus_used "$data/incr-fresh.json")" "$(json_int gpus_to_drain "$dir/d1.json")" \
        "$(json_int in_place "$dir/d1.json")"
    printf '%-26s %8s %7s %8s %7s\n' "recommend --from CURRENT" "$t_incr" \
        "$(json_int gpus_used "$data/incr-next.json")" "$(json_int gpus_to_drain "$dir/d2.json")" \
        "$(json_int in_place "$dir/d2.json")"
    echo "  (--from takes $(echo "$t_incr $t_fresh" | awk '{ printf "%.2f", ($2 > 0 ? $1 / $2 : 0) }')" \
        "times a fresh recommend; issue 13 asks for at most 2)"
    echo "  (--from reports $(json_int gpus_reconfigured "$data/incr-next.json") GPUs reconfigured," \
        "$(json_int kept "$data/incr-next.json") replicas kept," \
        "$(json_int added_in_place "$data/incr-next.json") added in place)"
    rm -f "$data/incr-fresh.json" "$data/incr-next.json" "$dir/d1.json" "$dir/d2.json"
fi

# The 100k plan byte for byte. The file name is part of the plan (input.tenants_file, the table's
# title), so the plans are made from $build/bench/data with the default BUILD=build; the table
# is 80 columns wide (COLUMNS), as in a file.
plan_sums='
f6ce02d5af2626b07dd69a51363adda46c2a714a07134a95c58a547deda91dad optimal json
7328939004b84f0b68ae987657ba45051f116a1bce3ffa972370d6a98f3f3a98 optimal yaml
c2dfce601c375e654120d70b3b70d0b0ec1557ef2fe7b246c51da5b5054189f4 optimal table
627637b55f9af3d1fec013020a9e6ad493f9f549fd3cc158627123654e0b415b first-fit json
0db0780e8223baffe5d20b227174c08633bc09fbd2f6f2af0a2c07b9f432951f first-fit yaml
5a840b4ffc714d0d18c502e88c9b18bf2267e2cd082db5c94af066ab392ff970 first-fit table
'
tenants100k=build/bench/data/tenants-100000.yaml
case " $sizes " in
*" 100000 "*)
    echo
    echo "plans (100000 tenants, sha256 against the recorded plans)"
    if [ "$build" != build ]; then
        echo "skipped: the recorded plans name $tenants100k; run with the default BUILD"
    elif ! command -v sha256sum >/dev/null 2>&1; then
        echo "skipped: sha256sum is missing"
    else
        rm -f "$dir/plans.failed"
        echo "$plan_sums" | while read -r sum s f; do
            [ -n "$sum" ] || continue
            out=$dir/plan-100000-$s.$f
            NO_COLOR=1 COLUMNS=80 "$bin" recommend "$tenants100k" --gpu h100-80gb --gpu l40s --strategy "$s" \
                -f "$f" -o "$out" 2>"$dir/err.txt"
            got=$(sha256sum "$out" | cut -d ' ' -f 1)
            rm -f "$out"
            if [ "$got" = "$sum" ]; then
                printf '%-9s %-5s identical\n' "$s" "$f"
            else
                printf '%-9s %-5s DIFFERS: sha256 %s\n' "$s" "$f" "$got"
                echo differs >>"$dir/plans.failed"
            fi
        done
        if [ -e "$dir/plans.failed" ]; then
            rm -f "$dir/plans.failed"
            status=1
        fi
    fi
    ;;
esac
exit $status
