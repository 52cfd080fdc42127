# gpuvplan recommend: plans, formats, fleets, exit codes, determinism

t "four guaranteed 20GB tenants get one H100 with four 1g.20gb, never 2g.20gb"
run recommend tests/data/recommend/four-20gb.yaml -f json
expect_rc 0
expect_json 'j["schema"]' gpuvplan.plan/1
expect_json 'j["summary"]["gpus_used"]' 1
expect_json 'j["summary"]["lower_bound"]' 1
expect_json 'j["summary"]["optimal"]' True
expect_json '[(i["profile"], i["start"], i["size"]) for i in j["gpus"][0]["instances"]]' \
    "[('1g.20gb', 0, 2), ('1g.20gb', 2, 2), ('1g.20gb', 4, 2), ('1g.20gb', 6, 2)]"
expect_json 'sorted(i["tenant"] for i in j["gpus"][0]["instances"])' "['ds-a', 'ds-b', 'ds-c', 'ds-d']"
expect_no_out "2g.20gb"
run recommend tests/data/recommend/four-20gb.yaml
expect_rc 0
expect_out_line '^ +\|1g\.20gb\|1g\.20gb\|1g\.20gb\|1g\.20gb\|$'
expect_out_line '^ +\|ds-a +\|ds-b +\|ds-c +\|ds-d +\|$'

t "the example site: every tenant placed, all four methods, and the plan passes check"
run recommend docs/examples/tenants.yaml -f json -o "$WORK/site.json"
expect_rc 0
run check "$WORK/site.json"
expect_rc 0
expect_out ": ok ("
cp "$WORK/site.json" "$WORK/out"
expect_json 'j["summary"]["unplaced"]' 0
expect_json 'j["summary"]["placed"]' 13
expect_json 'sorted(set(g["mode"] for g in j["gpus"]))' "['mig', 'mig-vgpu', 'passthrough', 'vgpu']"
expect_json 'j["summary"]["lower_bound"] <= j["summary"]["gpus_used"]' True
expect_json 'all(g["scheduler"] for g in j["gpus"] if g["mode"] == "vgpu")' True
expect_json 'all(g["scheduler"] is None for g in j["gpus"] if g["mode"] != "vgpu")' True
expect_json 'all(len(t["gpus"]) >= 1 for t in j["tenants"])' True
expect_json 'j["summary"]["cost"]["per_hour"] > 0' True

t "the table fits 80 columns and shows GPUs, tenants and the summary"
run recommend docs/examples/tenants.yaml
expect_rc 0
expect_out "GPUs ("
expect_out "Tenants (13 placed)"
expect_out "lower bound"
expect_out "per hour"
expect_out "scheduler"
widest=$(awk '{ if (length($0) > w) w = length($0) } END { print w }' "$WORK/out")
if [ "$widest" -le 80 ]; then ok; else bad "a line is $widest columns wide"; fi

t "identical input gives byte-identical output, in every format"
for f in json yaml table; do
    run recommend docs/examples/tenants.yaml -f $f
    cp "$WORK/out" "$WORK/first.$f"
    run recommend docs/examples/tenants.yaml -f $f
    if cmp -s "$WORK/out" "$WORK/first.$f"; then ok; else bad "two -f $f runs differ"; fi
done
run recommend docs/examples/tenants.yaml -f json --strategy first-fit
cp "$WORK/out" "$WORK/ff1"
run recommend docs/examples/tenants.yaml -f json --strategy first-fit
if cmp -s "$WORK/out" "$WORK/ff1"; then ok; else bad "two first-fit runs differ"; fi

t "YAML carries the same plan as JSON"
run recommend docs/examples/tenants.yaml -f yaml
expect_rc 0
expect_out_line '^schema: "?gpuvplan.plan/1"?$'
expect_out_line '^  gpus_used: [0-9]+$'
if "$PY" -c 'import yaml' 2>/dev/null; then
    "$PY" -c 'import json, sys, yaml
a = json.load(open(sys.argv[1])); b = yaml.safe_load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)' "$WORK/first.json" "$WORK/out" && ok || bad "YAML and JSON differ"
fi

t "-o writes the file atomically and refuses to overwrite the input"
cp tests/data/recommend/four-20gb.yaml "$WORK/in.yaml"
run recommend "$WORK/in.yaml" -o "$WORK/plan.txt"
expect_rc 0
if grep -q "1g.20gb" "$WORK/plan.txt"; then ok; else bad "-o did not write the plan"; fi
run recommend "$WORK/in.yaml" -f json -o "$WORK/in.yaml"
if [ "$RC" -ne 0 ]; then ok; else bad "overwrote its input"; fi
if cmp -s "$WORK/in.yaml" tests/data/recommend/four-20gb.yaml; then ok; else bad "input changed"; fi

t "a fleet too small leaves a tenant unplaced with its reason, exit 1"
run recommend tests/data/recommend/fleet-too-small.yaml -f json
expect_rc 1
expect_json 'j["summary"]["unplaced"]' 1
expect_json 'j["unplaced"][0]["tenant"]' second
expect_json '"fleet exhausted" in j["unplaced"][0]["reasons"][0]' True
expect_json 'j["summary"]["gpus_used"]' 1
run recommend tests/data/recommend/fleet-too-small.yaml
expect_rc 1
expect_out "Unplaced (1)"

t "a tenant no method serves is unplaced with every rule that excluded a method"
run recommend tests/data/recommend/no-method.yaml -f json
expect_rc 1
expect_json 'j["unplaced"][0]["tenant"]' stuck
expect_json 'len(j["unplaced"][0]["reasons"]) >= 4' True
expect_json 'any("live-migration-excludes-passthrough" in r for r in j["unplaced"][0]["reasons"])' True
expect_json '[t["name"] for t in j["tenants"]]' "['fine']"

t "spread puts each replica on its own GPU; packed replicas share"
run recommend tests/data/recommend/spread.yaml -f json
expect_rc 0
expect_json '[len(t["gpus"]) for t in j["tenants"] if t["name"] == "api"][0]' 3
expect_json '[len(t["gpus"]) for t in j["tenants"] if t["name"] == "notebooks"][0]' 1
expect_json 'j["summary"]["gpus_used"]' 3

t "a mixed-size fleet uses placement ids and packs sizes together"
run recommend tests/data/recommend/mixed.yaml -f json
expect_rc 0
expect_json 'j["summary"]["gpus_used"]' 1
expect_json 'j["gpus"][0]["vgpu_mode"]' mixed
expect_json '[(i["profile"], i["start"]) for i in j["gpus"][0]["instances"]]' \
    "[('L40S-24C', 0), ('L40S-12C', 24), ('L40S-12C', 36)]"
cp "$WORK/out" "$WORK/mixed.json"
run check "$WORK/mixed.json"
expect_rc 0

t "vGPU GPUs state the scheduler that keeps every compute guarantee"
printf 'version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: l40s, count: 1}]\ntenants:\n  - {name: bots, memory: 12GiB, compute: 0.25, environment: vm, replicas: 4}\n' >"$WORK/c.yaml"
run recommend "$WORK/c.yaml" -f json
expect_rc 0
expect_json '[(g["mode"], g["scheduler"], len(g["instances"])) for g in j["gpus"]]' \
    "[('vgpu', 'fixed-share', 4)]"

t "first fit is a valid baseline that never beats the optimal strategy"
run recommend docs/examples/tenants.yaml -f json --strategy first-fit -o "$WORK/ff.json"
expect_rc 0
run check "$WORK/ff.json"
expect_rc 0
ff=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["gpus_used"])' "$WORK/ff.json")
opt=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["gpus_used"])' "$WORK/site.json")
if [ "$ff" -ge "$opt" ]; then ok; else bad "first fit used $ff GPUs, optimal $opt"; fi

t "--gpu sizes a fleet from the named models only"
printf 'version: 1\nlicenses: {ai_enterprise: true}\ntenants:\n  - {name: inf, memory: 10GB, replicas: 9}\n' >"$WORK/g.yaml"
run recommend "$WORK/g.yaml" -f json --gpu l40s
expect_rc 0
expect_json 'sorted(set(g["model"] for g in j["gpus"]))' "['l40s']"
expect_json 'j["input"]["gpus"]' "['l40s']"
run recommend "$WORK/g.yaml" -f json --gpu h100-80gb
expect_rc 0
expect_json 'sorted(set(g["model"] for g in j["gpus"]))' "['h100-80gb']"

t "--explain adds each tenant's trace"
run recommend docs/examples/tenants.yaml -f json --explain
expect_rc 0
expect_json 'all(len(t["trace"]) > 0 for t in j["tenants"])' True
run recommend docs/examples/tenants.yaml --explain
expect_rc 0
expect_out "decided by"

t "usage errors exit 2, bad input exits 3"
run recommend
expect_rc 2
run recommend docs/examples/tenants.yaml --strategy best
expect_rc 2
expect_err "unknown strategy 'best'"
run recommend docs/examples/tenants.yaml -f xml
expect_rc 2
run recommend --help
expect_rc 0
expect_out "usage: gpuvplan recommend"
printf 'version: 1\ntenants:\n  - {name: x, memroy: 20GB}\n' >"$WORK/bad.yaml"
run recommend "$WORK/bad.yaml"
expect_rc 3
expect_err "bad.yaml:3:"
run recommend "$WORK/missing.yaml"
expect_rc 3

t "plans validate against docs/plan.schema.json"
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    bad "/usr/bin/python3 has no jsonschema module: make check installs python3-jsonschema (scripts/deps.sh --test)"
else
    for f in docs/examples/tenants.yaml tests/data/recommend/*.yaml; do
        run recommend "$f" -f json --explain
        "$PY" -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open("docs/plan.schema.json")))' \
            "$WORK/out" 2>"$WORK/schema.err" && ok || bad "$f: $(tail -n 1 "$WORK/schema.err")"
    done
fi

t "a --gpu model outside the fleet leaves tenants unplaced, saying why"
run recommend tests/data/recommend/four-20gb.yaml --gpu a100-80gb -f json
expect_rc 1
expect_json '"none of them is among the models planned" in j["unplaced"][0]["reasons"][0]' True

t "the table is deterministic and states what the JSON plan states"
for f in docs/examples/tenants.yaml tests/data/recommend/fleet-too-small.yaml tests/data/recommend/mixed.yaml; do
    run recommend "$f" -f json --explain
    cp "$WORK/out" "$WORK/tj.json"
    # Wide enough that no reason is wrapped: each must stand on one line, as in the JSON.
    run_env COLUMNS=400 recommend "$f" --explain
    cp "$WORK/out" "$WORK/tt1"
    run_env COLUMNS=400 recommend "$f" --explain
    if cmp -s "$WORK/out" "$WORK/tt1"; then ok; else bad "$f: two table runs differ"; fi
    "$PY" -c 'import json, sys
j = json.load(open(sys.argv[1])); lines = open(sys.argv[2]).read().split("\n")
s = j["summary"]
want = ["Plan for %s (strategy %s)" % (j["input"]["tenants_file"], s["strategy"]),
        "GPUs (%d)" % len(j["gpus"]), "Tenants (%d placed)" % len(j["tenants"]), "Summary",
        "  GPUs       %d used, lower bound %d%s" % (s["gpus_used"], s["lower_bound"],
            " (optimal)" if s["optimal"] and not s["gap"] else
            " (optimal: the lowest cost, below)" if s["optimal"] else " (gap %d; minimal for the choices made)" % s["gap"]
            if s["optimal_choices"] else " (gap %d; bound %d for the choices made)"
            % (s["gap"], s["lower_bound_choices"])),
        "  tenants    %d placed, %d unplaced" % (s["placed"], s["unplaced"])]
for g in j["gpus"]:
    want.append([l for l in lines if l.startswith(g["id"] + "  " + g["mode"])][0])
for t in j["tenants"]:
    name = t["name"] + (" x%d" % t["replicas"] if t["replicas"] > 1 else "")
    row = [l for l in lines if l.split()[:1] == [name.split()[0]] and t["method"] in l.split()]
    assert row and (t["profile"] or "whole GPU") in row[0] and t["gpus"][0] in row[0], t["name"]
    assert not t["decided_by"] or "    decided by " + t["decided_by"] in lines, t["name"]
for u in j["unplaced"]:
    want += ["Unplaced (%d)" % len(j["unplaced"])]
    want += ["  " + u["tenant"] + ("" if u["replicas"] == 1 else " (%d of %d replicas)"
             % (u["replicas"], [t for t in j["tenants"] if t["name"] == u["tenant"]][0]["replicas"]
                if any(t["name"] == u["tenant"] for t in j["tenants"]) else u["replicas"]))]
    want += ["    - " + r for r in u["reasons"]]
if s["cost"]["per_hour"] is not None:
    want.append("  cost       %.2f per hour (%.2f per month of 730 hours)"
                % (s["cost"]["per_hour"], s["cost"]["per_month"]))
missing = [w for w in want if w not in lines]
sys.exit("missing: %r" % missing if missing else 0)' "$WORK/tj.json" "$WORK/out" 2>"$WORK/tt.err" &&
        ok || bad "$f: $(tail -n 1 "$WORK/tt.err")"
done

t "a GPU's vGPU types are listed in grid order, runs counted"
printf 'version: 1\nlicenses: {ai_enterprise: true}\ntenants:\n  - {name: vm, memory: 10GiB, replicas: 3, environment: vm, live_migration: true, isolation: hard}\n' >"$WORK/runs.yaml"
run recommend "$WORK/runs.yaml" --gpu h100-80gb
expect_rc 0
expect_out "    vGPU types: 3 x H100-1-20C"
expect_no_out "H100-1-20C, H100-1-20C"

t "Kubernetes quantities: 9Gi fits a 1g.10gb on an H100, 10Gi needs a 1g.20gb (issue 11 §9)"
printf 'version: 1\ntenants:\n  - {name: a, memory: 9Gi, isolation: hard}\n  - {name: b, memory: 10Gi, isolation: hard}\n' >"$WORK/k8s.yaml"
run recommend "$WORK/k8s.yaml" --gpu h100-80gb -f json
expect_rc 0
expect_json '[(t["name"], t["profile"], t["memory_mib"]) for t in j["tenants"]]' \
    "[('a', '1g.10gb', 9216), ('b', '1g.20gb', 10240)]"

t "without a fleet the plan says how the models were chosen (issue 11 §5)"
printf 'version: 1\ntenants:\n  - {name: a, memory: 20GB, isolation: hard}\n' >"$WORK/nofleet.yaml"
run recommend "$WORK/nofleet.yaml" -f json
expect_rc 0
expect_json 'j["summary"]["sizing"]' "no fleet or costs: models chosen for the least GPU memory"
run recommend "$WORK/nofleet.yaml"
expect_out "  sizing     no fleet or costs: models chosen for the least GPU memory"
run recommend docs/examples/tenants.yaml -f json
expect_json '"sizing" in j["summary"]' False

t "without a fleet or costs the smallest adequate board is chosen, and the note says why (issue 11 §5)"
run recommend "$WORK/nofleet.yaml" -f json
expect_rc 0
expect_json '[(t["name"], t["method"], t["profile"]) for t in j["tenants"]]' "[('a', 'mig', '4g.24gb')]"
expect_json '[g["model"] for g in j["gpus"]]' "['a30']"
expect_json 'j["tenants"][0]["note"]' None
printf 'version: 1\ntenants:\n  - {name: s, memory: 8GiB, replicas: 3}\n  - {name: m, memory: 20GiB}\n' >"$WORK/nofleet2.yaml"
run recommend "$WORK/nofleet2.yaml" -f json
expect_rc 0
expect_json 'sorted(set(g["model"] for g in j["gpus"]))' "['a100-40gb', 'a30']"
cat >"$WORK/nofleet3.yaml" <<'EOF2'
version: 1
tenants:
  - {name: small, memory: 8GiB, replicas: 3}
  - {name: mid, memory: 20GiB}
  - {name: big2, gpus: 2, workload: training, memory: 120GiB}
  - {name: vdi, memory: 2GiB, workload: vdi, environment: vm, replicas: 4}
EOF2
run recommend "$WORK/nofleet3.yaml" -f json
expect_rc 1
expect_json '[(t["name"], t["gpus"][0].rsplit("-", 1)[0]) for t in j["tenants"] if t["gpus"]]' \
    "[('small', 'a100-40gb'), ('mid', 'a30'), ('big2', 'h100-64gb')]"
expect_json '[t["name"] for t in j["tenants"] if t.get("moved")]' "['mid']"
expect_json '(j["tenants"][1]["first_choice"], j["tenants"][1]["moved"])' \
    "('mig 1g.23gb on b200', 'it provisions 116 GiB less GPU memory than its first choice (no fleet or costs: the smallest adequate boards)')"

t "advise without a fleet picks the smallest adequate board and lists the runner-up models (issue 11 §5)"
run advise --isolation hard --memory 20GB
expect_rc 0
expect_out "Advice: mig 3g.20gb on a100-40gb"
expect_out "  runners-up  mig 1g.20gb on a100-80gb; mig 1g.20gb on h100-80gb; mig 1g.20gb"
run advise --isolation hard --memory 20GB --gpu h100-80gb
expect_rc 0
if grep -q "runners-up" "$WORK/out"; then bad "runners-up with one model"; else ok; fi


t "identical tenants placed differently: the moved one's note names an identical tenant (issue 11 §3)"
{
    printf 'version: 1\nfleet:\n  - {gpu: h100-80gb, count: 1}\n  - {gpu: l40s, count: 4}\ntenants:\n'
    for i in 1 2 3 4 5; do echo "  - {name: ds-$i, memory: 20GB, isolation: hard, workload: dev}"; done
} >"$WORK/twins.yaml"
run recommend "$WORK/twins.yaml" -f json
expect_rc 0
expect_json '[(t["name"], t["gpu"]) for t in j["tenants"]]' \
    "[('ds-1', 'h100-80gb'), ('ds-2', 'h100-80gb'), ('ds-3', 'h100-80gb'), ('ds-4', 'h100-80gb'), ('ds-5', 'l40s')]"
expect_json '[t["name"] for t in j["tenants"] if t.get("moved")]' "['ds-5']"
expect_json 'j["tenants"][4]["moved"]' \
    "the fleet's h100-80gb GPUs are all in use; identical tenant 'ds-1' has mig 1g.20gb on h100-80gb"
run recommend "$WORK/twins.yaml"
expect_out "identical tenant 'ds-1' has mig 1g.20gb on h100-80gb"

t "with --gpu and no fleet or costs the count of GPUs decides, as before (issue 11 §5)"
printf 'version: 1\ntenants:\n  - {name: a, memory: 20GB, isolation: hard}\n' >"$WORK/nofleet.yaml"
run recommend "$WORK/nofleet.yaml" --gpu l40s --gpu h100-80gb -f json
expect_rc 0
expect_json 'j["summary"]["sizing"]' "no fleet or costs: models chosen for the fewest GPUs"
expect_json '[(t["gpu"], t["profile"]) for t in j["tenants"]]' "[('h100-80gb', '1g.20gb')]"
