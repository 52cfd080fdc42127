#!/bin/sh
# The rows of issue 15's table, each against the floor measured in the same run: bench/floor
# runs libyaml's event parser over the same tenants file and discards the events. Every row is
# the median of BENCH_RUNS runs (default 5; 1 for the 1M-tenant row) of CPU time (user +
# system) and peak resident memory, through bench/measure. Start-up rows are in milliseconds
# against /bin/true. Writes $BUILD/bench/results.txt and results.json and prints the text.
# BENCH_EXPLAIN_N sets the explain row's size (default 20000: about 1 GB of JSON written to a
# file per run; 0 skips it). Called by bench/run.sh (`make bench`).
set -u
build=${BUILD:-build}
bin=${BIN:-./gpuvplan}
runs=${BENCH_RUNS:-5}
explain_n=${BENCH_EXPLAIN_N:-20000}
dir=$build/bench
data=$dir/data
txt=$dir/results.txt
json=$dir/results.json
tmp=$dir/table.tmp
m=$dir/measure
mkdir -p "$data" "$tmp" || exit 1

tenants() { # N [fleet]: the tenants file of N tenants, generated once
    f=$data/tenants-$1.yaml
    if [ ! -s "$f" ]; then
        "$dir/gen_tenants" "$1" 1 >"$f.tmp" && mv "$f.tmp" "$f" || exit 1
    fi
    if [ "${2:-}" = fleet ]; then
        # The same tenants on a fleet of a tenth of the GPUs they need: most stay unplaced.
        g=$data/tenants-$1-fleet.yaml
        if [ ! -s "$g" ]; then
            awk -v n="$1" '{ print } /^licenses:/ {
                    print "fleet:"
                    printf "  - {gpu: h100-80gb, count: %d}\n", n / 20
                    printf "  - {gpu: l40s, count: %d}\n", n / 40 }' "$f" >"$g.tmp" &&
                mv "$g.tmp" "$g" || exit 1
        fi
        f=$g
    fi
    echo "$f"
}

# run NAME RUNS -- COMMAND...: "cpu_s peak_kib status" of the command, its output dropped
run() {
    name=$1 n=$2
    shift 3
    "$m" "$n" /dev/null -- "$@" >"$tmp/$name" 2>"$tmp/$name.err" || exit 1
    cut -d ' ' -f 2- "$tmp/$name"
}

: >"$tmp/rows"
# row WHAT CPU KIB STATUS FLOOR_CPU TARGET: one line of the table
row() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$tmp/rows"
}

t100k=$(tenants 100000)
t1m=$(tenants 1000000)
set -- $(run floor100k "$runs" -- "$dir/floor" "$t100k")
floor100k=$1
row "floor: libyaml events, 100k tenants" "$1" "$2" "$3" "$1" "-"
set -- $(run json100k "$runs" -- "$bin" recommend "$t100k" --gpu h100-80gb --gpu l40s \
    -f json -o "$tmp/plan.json")
row "recommend 100k, -f json -o FILE" "$1" "$2" "$3" "$floor100k" "<= 2.5x, <= 64 MiB"
set -- $(run table100k "$runs" -- "$bin" recommend "$t100k" --gpu h100-80gb --gpu l40s \
    -o "$tmp/plan.txt")
row "recommend 100k, table" "$1" "$2" "$3" "$floor100k" "<= 2x, <= 48 MiB"
set -- $(run floor1m 1 -- "$dir/floor" "$t1m")
floor1m=$1
row "floor: libyaml events, 1M tenants" "$1" "$2" "$3" "$1" "-"
set -- $(run json1m 1 -- "$bin" recommend "$t1m" --gpu h100-80gb --gpu l40s -f json \
    -o "$tmp/plan1m.json")
row "recommend 1M, -f json -o FILE" "$1" "$2" "$3" "$floor1m" "<= 3x, <= 600 MiB"
rm -f "$tmp/plan.json" "$tmp/plan.txt" "$tmp/plan1m.json"
if [ "$explain_n" -gt 0 ]; then
    te=$(tenants "$explain_n")
    set -- $(run floorx "$runs" -- "$dir/floor" "$te")
    floorx=$1
    set -- $(run explain "$runs" -- "$bin" explain "$te" -f json -o "$tmp/explain.json")
    row "explain -f json, $explain_n tenants, every model" "$1" "$2" "$3" "$floorx" \
        "<= 2 s, <= 100 MiB"
    rm -f "$tmp/explain.json"
fi
set -- $(run true "$runs" -- /bin/true)
true_cpu=$1
for c in "mig check h100-80gb 1g.10gb 3g.40gb" "show h100-80gb" "gpus"; do
    set -- $(run start "$runs" -- "$bin" $c)
    row "start-up: $c" "$1" "$2" "$3" "$true_cpu" "<= 2 ms"
done
# Cost growth: the slope of log(CPU) against log(tenants) from 10k to 160k (1 is linear), and
# the cost per tenant of a fleet-limited site against the unlimited one at 100k.
: >"$tmp/growth"
for n in 10000 20000 40000 80000 160000; do
    set -- $(run grow "$runs" -- "$bin" recommend "$(tenants "$n")" --gpu h100-80gb \
        --gpu l40s -f json -o "$tmp/grow.json")
    echo "$n $1 $2" >>"$tmp/growth"
done
rm -f "$tmp/grow.json"
set -- $(run fleet100k "$runs" -- "$bin" recommend "$(tenants 100000 fleet)" -f json \
    -o "$tmp/fleet.json")
fleet_cpu=$1 fleet_kib=$2 fleet_rc=$3
rm -f "$tmp/fleet.json"
set -- $(run nofleet100k "$runs" -- "$bin" recommend "$t100k" -f json -o "$tmp/fleet.json")
nofleet_cpu=$1
rm -f "$tmp/fleet.json"

awk -F '\t' -v growth="$tmp/growth" -v fc="$fleet_cpu" -v fk="$fleet_kib" -v frc="$fleet_rc" \
    -v nc="$nofleet_cpu" -v txt="$txt" -v json="$json" '
function emit(what, cpu, ratio, mib, status, target, unit,    key) {
    key = unit
    sub(/ +$/, "", key)
    printf "%-46s %9.3f %s %8.2fx %9.1f %4s  %s\n", what, cpu, unit, ratio, mib, status,
        target >txt
    printf "%s    {\"what\": \"%s\", \"cpu_%s\": %.6f, \"ratio\": %.3f, \"peak_mib\": %.1f, " \
        "\"status\": %s, \"target\": \"%s\"}", (nrow++ ? ",\n" : ""), what, key, cpu, ratio,
        mib, status, target >json
}
BEGIN {
    printf "%-46s %11s %9s %9s %4s  %s\n", "what (median CPU: user + system)", "cpu",
        "x floor", "peak_MiB", "exit", "target" >txt
    printf "{\n  \"schema\": \"gpuvplan.bench/1\",\n  \"rows\": [\n" >json
}
{
    if ($1 ~ /^start-up/)
        emit($1, $2 * 1000, $5 > 0 ? $2 / $5 : 0, $3 / 1024, $4, $6 " (x is /bin/true)", "ms")
    else
        emit($1, $2, $5 > 0 ? $2 / $5 : 0, $3 / 1024, $4, $6, "s ")
}
END {
    n = 0
    while ((getline line < growth) > 0) {
        split(line, f, " ")
        size[n] = f[1]; cpu[n] = f[2]; n++
    }
    slope = n > 1 && cpu[0] > 0 ? log(cpu[n - 1] / cpu[0]) / log(size[n - 1] / size[0]) : 0
    printf "%-46s %9.2f    %s\n", "cost growth: slope of CPU, 10k to 160k", slope,
        "(1 is linear; target: stays linear)" >txt
    for (i = 0; i < n; i++)
        printf "%46s %9.3f s  %6.2f us per tenant\n", size[i] " tenants", cpu[i],
            cpu[i] / size[i] * 1e6 >txt
    fr = nc > 0 ? fc / nc : 0
    printf "%-46s %9.2fx    %s\n", "fleet-limited 100k per tenant vs unlimited", fr,
        "(target: <= 1.5x; exit " frc ")" >txt
    printf ",\n    {\"what\": \"cost growth slope 10k-160k\", \"slope\": %.3f},\n", slope >json
    printf "    {\"what\": \"fleet-limited vs unlimited, 100k\", \"ratio\": %.3f, " \
        "\"peak_mib\": %.1f, \"status\": %s}\n  ]\n}\n", fr, fk / 1024,
        frc >json
}' "$tmp/rows"
cat "$txt"
rm -rf "$tmp"
