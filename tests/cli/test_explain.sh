# gpuvplan explain / rules: decisions on the example site and on every scenario, bad inputs

t "explain gives every tenant of the example site a method, with all four methods used"
run explain docs/examples/tenants.yaml
expect_rc 0
expect_out "13 tenants: 13 with a method, 0 without"
run explain docs/examples/tenants.yaml -f json
expect_rc 0
expect_json 'len(j["tenants"])' 13
expect_json '[t["name"] for t in j["tenants"] if t["method"] is None]' '[]'
expect_json 'sorted(set(t["method"] for t in j["tenants"]))' "['mig', 'mig-vgpu', 'passthrough', 'vgpu']"
expect_json 'all(t["decided_by"] for t in j["tenants"])' True
expect_json 'all(any(s["step"] == "select" and s["matched"] for s in t["trace"]) for t in j["tenants"])' True

t "four 20GB tenants with hard isolation get 1g.20gb on the H100, never 2g.20gb"
expect_json '[t["profile"] for t in j["tenants"] if t["name"].startswith("ds-")]' \
    "['1g.20gb', '1g.20gb', '1g.20gb', '1g.20gb']"
expect_json '[t["gpu"] for t in j["tenants"] if t["name"] == "ds-alice"][0]' h100-80gb
expect_json '[t for t in j["tenants"] if t["name"] == "ds-alice"][0]["rejected"]["vgpu"][0]["rule"]' \
    containers-exclude-hypervisor-vgpu

t "the trace says why 20GiB does not fit 1g.20gb and 20GB does"
printf 'version: 1\nfleet: [{gpu: h100-80gb, count: 1}]\ntenants:\n  - {name: bin, memory: 20GiB, isolation: hard}\n  - {name: dec, memory: 20GB, isolation: hard}\n' >"$WORK/t.yaml"
run explain "$WORK/t.yaml"
expect_rc 0
expect_out_line '^bin: mig 3g\.40gb on h100-80gb$'
expect_out_line '^dec: mig 1g\.20gb on h100-80gb$'
expect_out_line '^  instance  mig          20GiB needs 20480 MiB: 1g\.20gb offers 19\.62 GiB'
run explain "$WORK/t.yaml" -f json
expect_rc 0
expect_out "20GiB needs 20480 MiB: 1g.20gb offers 19.62 GiB (20091 MiB): too small; 2g.20gb offers 19.62 GiB (20091 MiB): too small; 3g.40gb fits"
expect_out "20GB needs 19074 MiB: 1g.10gb offers 9.75 GiB (9984 MiB): too small; 1g.20gb fits"

t "explain's table fits 80 columns"
run explain docs/examples/tenants.yaml
expect_rc 0
if awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$WORK/out"; then ok; else bad "a line is wider than 80 columns"; fi

t "every scenario of the decision guide gets its expected method, profile, model and reasons"
for f in tests/data/scenarios/*.yaml; do
    run explain "$f" -f json
    if grep -q '^# expect: [^ ]* none' "$f"; then expect_rc 1; else expect_rc 0; fi
    problems=$("$PY" - "$f" "$WORK/out" <<'EOF'
import json, sys
src, out = sys.argv[1], sys.argv[2]
tenants = {t["name"]: t for t in json.load(open(out))["tenants"]}
bad = []
checked = 0
for line in open(src):
    w = line.split()
    if line.startswith("# expect: "):
        name, want = w[2], w[3:]
        t = tenants.get(name)
        got = [t["method"] or "none", t["profile"] or "-", t["gpu"] or "-"] if t else ["missing"]
        if got[:len(want)] != want:
            bad.append("%s: expected %s, got %s" % (name, " ".join(want), " ".join(got)))
        checked += 1
    elif line.startswith("# rejected: "):
        name, method, rule = w[2], w[3], w[4]
        rules = [r["rule"] for r in tenants[name]["rejected"].get(method, [])]
        if rule not in rules:
            bad.append("%s: %s not rejected by %s (%s)" % (name, method, rule, rules))
        checked += 1
if checked == 0:
    bad.append("no expectations")
print("; ".join(bad))
EOF
)
    if [ -z "$problems" ]; then ok; else bad "$f: $problems"; fi
done

t "a tenant with no method is reported with every reason and exit 1"
run explain tests/data/scenarios/conflicts.yaml --tenant stuck-vm
expect_rc 1
expect_out "stuck-vm: no method"
expect_out "passthrough  a passed-through GPU is bound to its host"
expect_out "excluded C by 'c-series-needs-ai-enterprise'"
expect_out "[live-migration-excludes-bare-mig]"
expect_out "[mig-backed-vgpu-needs-ai-enterprise]"
expect_out "1 tenant: 0 with a method, 1 without"
run explain tests/data/scenarios/conflicts.yaml --tenant stuck-vm -f json
expect_rc 1
expect_json 'j["tenants"][0]["method"]' None
expect_json 'sorted(j["tenants"][0]["rejected"])' "['mig', 'mig-vgpu', 'mps', 'passthrough', 'time-slicing', 'vgpu']"

t "every bad tenants file gets its exact error and exit 3"
for f in tests/data/bad/tenants-*.yaml; do
    want=$(sed -n '1s/^# expect: //p' "$f")
    run explain "$f"
    expect_rc 3
    expect_err "$want"
    if [ -s "$WORK/out" ]; then bad "$f: partial output on stdout"; else ok; fi
done

t "a tenants file with several errors gets each one, in file order, and nothing else"
for f in tests/data/bad/tenants-several-*.yaml; do
    sed -n 's|^# expect: |gpuvplan: tests/data/bad/|p' "$f" >"$WORK/want"
    for cmd in explain recommend; do
        run "$cmd" "$f"
        expect_rc 3
        if cmp -s "$WORK/want" "$WORK/err"; then ok; else bad "$cmd $f: stderr is not the expected list"; fi
    done
done

t "a tenants file with more than 20 errors shows the first 20 and says more follow"
{
    printf 'version: 1\ntenants:\n'
    for i in $(seq 1 25); do echo "  - {name: t$i, memory: $i}"; done
} >"$WORK/many.yaml"
run explain "$WORK/many.yaml"
expect_rc 3
if [ "$(wc -l <"$WORK/err")" -eq 21 ]; then ok; else bad "expected 20 errors and one more line"; fi
expect_err "many.yaml:22:25: error: 'memory' of tenant 't20' is '20'"
if grep -q "'t21'" "$WORK/err"; then bad "error 21 shown"; else ok; fi
expect_err "many.yaml: error: more errors follow: only the first 20 are shown"

t "a tenants file names GPUs as --gpu does: nvidia-smi names and PCI ids resolve"
cat >"$WORK/names.yaml" <<'EOF2'
version: 1
fleet:
  - {gpu: "NVIDIA H100 80GB HBM3", count: 1}
  - {gpu: "0x233710DE", count: 1}
tenants:
  - {name: web, memory: 4GiB, gpu: NVIDIA-H100-80GB-HBM3}
EOF2
run explain "$WORK/names.yaml" -f json
expect_rc 0
expect_json '[t["gpu"] for t in j["tenants"]]' "['h100-80gb']"

t "tenants of one kind get the explanation a tenant alone gets, kept or decided again"
# 500 kinds (distinct memory): singles.yaml has one tenant of each, a0..a499, so each is decided
# and written straight out; twins.yaml has them twice, a0..a499 then b0..b499, so a kind's text
# is kept for its second tenant, until kept texts reach 16 MiB (EXPLAIN_KEEP_BYTES: about 350
# kinds with every model) and the last kinds are decided again. Names aside, both halves of
# twins.yaml's output are singles.yaml's.
n=500
for p in a b; do
    i=0
    while [ $i -lt $n ]; do
        echo "  - {name: $p$i, memory: $((1000 + i * 7))MiB, environment: vm}"
        i=$((i + 1))
    done >"$WORK/$p.part"
done
head='version: 1\nlicenses: {ai_enterprise: true, vws: true}\ntenants:\n'
{ printf "$head"; cat "$WORK/a.part"; } >"$WORK/singles.yaml"
{ printf "$head"; cat "$WORK/a.part" "$WORK/b.part"; } >"$WORK/twins.yaml"
# halves START NAME END: splits stdout into $WORK/a and $WORK/b, the lines of tenants 1..n and
# n+1..2n (a tenant's lines start at the regex START, END marks the lines after the last), with
# the name replaced on lines matching NAME and trailing commas dropped.
halves() {
    : >"$WORK/b"
    awk -v n=$n -v start="$1" -v name="$2" -v end="$3" -v a="$WORK/a" -v b="$WORK/b" '
        $0 ~ start { k++ }
        k == 0 || $0 ~ end { next }
        $0 ~ name { sub(/[ab][0-9]+/, "@NAME@") }
        { sub(/,$/, ""); print > (k <= n ? a : b) }' "$WORK/out"
}
for fmt in json yaml table; do
    case $fmt in
    json) set -- '^    [{]' '^      "name": ' '^  []]|^[}]' ;;
    yaml) set -- '^  - name: ' '^  - name: ' '^$' ;;
    table) set -- '^[ab][0-9]+: ' '^[ab][0-9]+: ' '^[0-9]+ tenants: ' ;;
    esac
    run explain "$WORK/singles.yaml" -f $fmt
    expect_rc 0
    halves "$@"
    mv "$WORK/a" "$WORK/single"
    run explain "$WORK/twins.yaml" -f $fmt
    expect_rc 0
    halves "$@"
    if [ "$(grep -c @NAME@ "$WORK/single")" -eq $n ] && cmp -s "$WORK/single" "$WORK/a" &&
        cmp -s "$WORK/a" "$WORK/b"; then ok; else
        bad "-f $fmt: the halves differ from each other or from the tenants alone"
    fi
done

t "every bad rules file gets its exact error and exit 3, in rules and in explain"
for f in tests/data/bad/rules-*.yaml; do
    want=$(sed -n '1s/^# expect: //p' "$f")
    run rules --rules "$f"
    expect_rc 3
    expect_err "$want"
    run explain docs/examples/tenants.yaml --rules "$f"
    expect_rc 3
    expect_err "$want"
done

t "--tenant picks tenants, and an unknown one suggests the closest"
run explain docs/examples/tenants.yaml --tenant chatbot --tenant claims-vm -f json
expect_rc 0
expect_json '[t["name"] for t in j["tenants"]]' "['claims-vm', 'chatbot']"
run explain docs/examples/tenants.yaml --tenant chatbott
expect_rc 3
expect_err "no tenant 'chatbott' in this file (did you mean 'chatbot'?)"

t "--gpu judges on other models than the fleet; an unknown model is an error"
run explain docs/examples/tenants.yaml --tenant ds-alice --gpu l40s -f json
expect_rc 0
expect_json 'j["tenants"][0]["method"]' passthrough
expect_json 'j["tenants"][0]["gpu"]' l40s
expect_json 'j["tenants"][0]["gpus"]' 1
run explain docs/examples/tenants.yaml --gpu h100-8gb
expect_rc 3
expect_err "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?)"

t "without a fleet every model is a candidate, best first"
printf 'version: 1\ntenants:\n  - {name: dec, memory: 20GB, isolation: hard}\n' >"$WORK/t.yaml"
run explain "$WORK/t.yaml" -f json
expect_rc 0
expect_json 'len(j["tenants"][0]["choices"]) >= 20' True
expect_json 'j["tenants"][0]["method"]' mig
expect_json 'j["tenants"][0]["choices"][0]["rank"] <= j["tenants"][0]["choices"][-1]["rank"]' True

t "a pinned tenant is judged on its model only"
run explain docs/examples/tenants.yaml --tenant notebooks -f json
expect_json '[c["gpu"] for c in j["tenants"][0]["choices"]]' "['h100-80gb']"

t "-v shows the rules that did not hold; yaml output and standard input work"
run explain docs/examples/tenants.yaml --tenant chatbot -v
expect_rc 0
expect_out "- hard-isolation: does not hold"
run explain docs/examples/tenants.yaml --tenant chatbot -f yaml
expect_rc 0
expect_out_line '^tenants:'
run_in docs/examples/tenants.yaml explain - --tenant chatbot
expect_rc 0
expect_out_line '^chatbot: vgpu L40S-12C on l40s$'

t "explain usage errors exit 2, help exits 0"
run explain
expect_rc 2
run explain a.yaml b.yaml
expect_rc 2
run explain docs/examples/tenants.yaml -f xml
expect_rc 2
run explain docs/examples/tenants.yaml --frobnicate
expect_rc 2
run explain --help
expect_rc 0
expect_out "usage: gpuvplan explain"
run explain "$WORK/does-not-exist.yaml"
expect_rc 3

t "rules lists both phases with reasons and sources"
run rules
expect_rc 0
expect_out "Phase 1: requirements exclude methods"
expect_out "Phase 2: preferences order what is left"
expect_out "live-migration-excludes-passthrough"
expect_out "when     gpu.mig and tenant.memory_mib > gpu.mig_max_memory_mib"
expect_out "prefer   mig-vgpu > passthrough > mig > vgpu"
run rules -f json
expect_rc 0
expect_json 'len([r for r in j["rules"] if r["phase"] == "prefer"]) >= 5' True
expect_json '[r["exclude"] for r in j["rules"] if r["id"] == "live-migration-excludes-bare-mig"][0]' "['mig']"
expect_json 'all(r["sources"] and r["reason"] for r in j["rules"])' True
expect_json 'set(s for r in j["rules"] for s in r["sources"]) <= set(s["id"] for s in j["sources"])' True
run rules extra
expect_rc 2

t "--rules replaces the built-in rules"
cat >"$WORK/r.yaml" <<'EOF'
version: 1
sources: [{id: me, title: "house policy"}]
rules:
  - id: never-share
    phase: prefer
    prefer: [passthrough]
    reason: "house policy: whole GPUs only"
    source: me
EOF
run rules --rules "$WORK/r.yaml"
expect_rc 0
expect_out "never-share"
run explain docs/examples/tenants.yaml --rules "$WORK/r.yaml" --tenant ds-alice
expect_rc 0
expect_out_line '^ds-alice: passthrough 1 GPU on '
rm -f "$WORK/t.yaml" "$WORK/r.yaml"

t "explain lists each tenant's ranked choices, the ones the packer may use (issue 11 §3)"
run explain docs/examples/tenants.yaml --tenant ds-alice
expect_rc 0
expect_out_line '^  choices   h100-80gb    1\. mig 1g\.20gb \(rank 0, '
expect_out_line '^            l40s         2\. passthrough 1 GPU \(rank 2, '
run explain docs/examples/tenants.yaml --tenant ds-alice -f json
expect_json '[(c["gpu"], c["method"], c["rank"]) for c in j["tenants"][0]["choices"]]' \
    "[('h100-80gb', 'mig', 0), ('l40s', 'passthrough', 2)]"
printf 'version: 1\ntenants:\n  - {name: a, memory: 20GB, isolation: hard}\n' >"$WORK/nofleet.yaml"
run explain "$WORK/nofleet.yaml"
expect_rc 0
expect_out_line '^  choices   a100-40gb    1\. mig 3g\.20gb \(rank 0, 20\.0 GiB of GPU memory\)$'
expect_out_line '^            and [0-9]+ more \(-f json lists every choice\)$'
