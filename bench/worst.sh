#!/bin/sh
# Worst cases of hostile input (issue 17, `make bench`): small accepted-looking inputs that once
# took minutes or gigabytes. Each line: the case, the exit code, wall seconds and peak memory
# (from /usr/bin/time when it exists). Refusals are exit 3; answers 0 or 1.
set -u
bin=${BIN:-./gpuvplan}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/gpuvplan-worst.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
lab=tests/data/hostile/max-zero/lab.yaml

# A MIG model of u units with n size-1 profiles, every start allowed, max m each.
grid() {
    u=$1 n=$2 m=$3
    printf 'id: wide%s\nname: Wide %s\narchitecture: hopper\nmemory_mib: 81920\n' "$u" "$u"
    printf 'sources:\n  - {id: me, title: worst case}\nmig:\n  units: %s\n' "$u"
    printf '  compute_slices: %s\n  source: me\n  profiles:\n' "$u"
    starts=$(seq -s ', ' 0 $((u - 1)))
    i=1
    while [ "$i" -le "$n" ]; do
        printf '    - { name: 1g.%sgb, id: %s, compute_slices: 1, size: 1, max: %s, memory_gib: %s,\n' \
            "$i" "$i" "$m" "$i"
        printf '        starts: [%s], sms: 4, engines: { ce: 1, nvdec: 0, nvenc: 0, jpeg: 0, ofa: 0 } }\n' \
            "$starts"
        i=$((i + 1))
    done
}

mkdir -p "$work/wide32" "$work/wide16" "$work/many" "$work/maxzero"
grid 32 8 32 >"$work/wide32/w.yaml"
grid 16 4 16 >"$work/wide16/w.yaml"
cp tests/data/hostile/max-zero/lab.yaml "$work/maxzero/"
i=1
while [ $i -le 1000 ]; do
    sed -e "s/^id: lab-grid/id: lab-$i/" -e "s/^name: Lab Grid 24GB/name: Lab $i/" \
        -e '/^  constraints:/,$d' "$lab" >"$work/many/m$i.yaml"
    i=$((i + 1))
done
printf 'version: 1\ntenants:\n  - {name: a, memory: 2GB, isolation: hard}\n' >"$work/one.yaml"
printf 'version: 1\ntenants:\n  - {name: a, memory: 10GB, replicas: 1000000}\n' >"$work/million.yaml"
awk 'BEGIN { print "version: 1"; print "tenants:";
             for (i = 0; i < 100000; i++) printf "  - {name: t%d, memory: %dGB}\n", i, 1 + i % 70 }' \
    >"$work/distinct.yaml"
{
    echo "version: 1"
    echo "tenants:"
    for p in 1 2 3 4; do
        for r in 1 8 15 22 29; do
            echo "  - {name: t$p-$r, memory: ${p}GB, isolation: hard, replicas: $r}"
        done
    done
} >"$work/wide16.yaml"

timer=
[ -x /usr/bin/time ] && timer="/usr/bin/time -f %e_%M -o $work/time"
row() {
    label=$1
    shift
    rm -f "$work/time"
    # shellcheck disable=SC2086
    $timer "$bin" "$@" >/dev/null 2>"$work/err"
    rc=$?
    if [ -s "$work/time" ]; then
        t=$(tail -n 1 "$work/time")
        printf '%-58s %4s %8s %9s\n' "$label" "$rc" "${t%_*}" "$(( ${t#*_} / 1024 ))"
    else
        printf '%-58s %4s %8s %9s\n' "$label" "$rc" - -
    fi
}

echo "worst cases (issue 17): exit code, wall seconds, peak MiB"
printf '%-58s %4s %8s %9s\n' case exit seconds peak_MiB
row "32-unit grid, 8 size-1 profiles: recommend (refused)" --profiles "$work/wide32" recommend "$work/one.yaml" --gpu wide32
row "32-unit grid, 8 size-1 profiles: mig layouts (refused)" --profiles "$work/wide32" mig layouts wide32
row "16-unit grid, 9,694 layouts: recommend 20 tenants" --profiles "$work/wide16" recommend "$work/wide16.yaml" --gpu wide16
row "16-unit grid, 9,694 layouts: mig layouts" --profiles "$work/wide16" mig layouts wide16
row "constraint max 0 on the only large profile (refused)" --profiles "$work/maxzero" recommend "$work/one.yaml"
row "1,000 profile files (refused past 256 models)" --profiles "$work/many" recommend "$work/one.yaml"
row "replicas: 1000000, no fleet, every model" recommend "$work/million.yaml"
row "100,000 distinct tenants, no fleet, every model" recommend "$work/distinct.yaml"
row "explain /dev/zero (refused at 256 MiB)" explain /dev/zero
