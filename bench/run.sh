#!/bin/sh
# Benchmarks the planner (`make bench`): synthetic tenant sets of 1k, 10k, 100k and 1M tenants
# (bench/gen.h, seed 1), each planned with the optimal strategy and with first fit.
#   engine  bench/pack_bench through the library: load the YAML (or build the tenants in memory
#           past 200k tenants: the YAML loader takes documents up to 16 MiB), decide + pack,
#           write the JSON plan to memory; seconds per phase and the process's peak memory
#   cli     `gpuvplan recommend FILE --gpu h100-80gb --gpu l40s -f json -o PLAN` end to end,
#           wall time and peak memory from /usr/bin/time when it exists
# BENCH_SIZES="1000 10000" narrows the sizes; BUILD and BIN are the Makefile's.
set -u
build=${BUILD:-build}
bin=${BIN:-./gpuvplan}
sizes=${BENCH_SIZES:-"1000 10000 100000 1000000"}
dir=$build/bench
data=$dir/data
yaml_max=200000
mkdir -p "$data" || exit 1
for tool in gen_tenants pack_bench; do
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

echo "engine (library): seconds per phase, peak memory of the process"
printf '%9s %-9s %6s %6s %6s %6s %8s %7s %7s %5s %4s %8s\n' tenants strategy load plan json \
    total peak_MiB gpus bound gap opt json_MiB
for n in $sizes; do
    src=$data/tenants-$n.yaml
    [ "$n" -le "$yaml_max" ] || src=--generate=$n
    for s in optimal first-fit; do
        "$dir/pack_bench" "$src" "$s" | awk -F '\t' \
            '{ printf "%9s %-9s %6.2f %6.2f %6.2f %6.2f %8.1f %7d %7d %5d %4s %8.1f\n",
               $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }'
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
