# gpuvplan check: re-validation of plans (tampered by hand here) and CI policies

# tamper SRC DST PYTHON: applies the Python statements to the plan `p` and writes DST.
tamper() {
    "$PY" -c 'import json, sys
p = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(p, open(sys.argv[2], "w"), indent=2)' "$1" "$2" "$3"
}

"$GPUVPLAN" recommend tests/data/recommend/four-20gb.yaml -f json -o "$WORK/four.json"
"$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/site.json"
"$GPUVPLAN" recommend tests/data/recommend/fleet-too-small.yaml -f json -o "$WORK/small.json"

t "a plan from recommend passes"
run check "$WORK/four.json"
expect_rc 0
expect_out ": ok (1 GPUs, 4 tenants"
run check "$WORK/site.json"
expect_rc 0
run check "$WORK/site.json" -f json
expect_rc 0
expect_json 'j["ok"]' True
expect_json 'j["failures"]' '[]'
run check -q "$WORK/site.json"
expect_rc 0
if [ -s "$WORK/out" ]; then bad "-q printed something"; else ok; fi

t "overlapping instances fail, naming the GPU and both instances"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][1]["start"] = 0'
run check "$WORK/t.json"
expect_rc 1
expect_out "gpu 'h100-80gb-1': instances 0 (1g.20gb at 0) and 1 (1g.20gb at 0) overlap"
expect_out "1 check failed"

t "a start the profile does not allow fails with the allowed starts"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][3]["start"] = 5'
run check "$WORK/t.json"
expect_rc 1
expect_out "1g.20gb may not start at 5 (allowed: 0, 2, 4, 6)"

t "more instances of a profile than its max fail: four 2g.20gb on one H100"
tamper "$WORK/four.json" "$WORK/t.json" '
for t in p["tenants"]: t["profile"] = t["mig_profile"] = "2g.20gb"
for i in p["gpus"][0]["instances"]: i["profile"] = "2g.20gb"'
run check "$WORK/t.json"
expect_rc 1
expect_out "4 x 2g.20gb asked, but a GPU holds at most 3 (2g.20gb may start at units 0, 2 or 4)"
expect_out "2g.20gb may not start at 6"

t "an instance size that does not match its profile fails"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][0]["size"] = 1'
run check "$WORK/t.json"
expect_rc 1
expect_out "size 1, but 1g.20gb takes 2 units"

t "a tenant missing from tenants fails"
tamper "$WORK/four.json" "$WORK/t.json" 'del p["tenants"][2]'
run check "$WORK/t.json"
expect_rc 1
expect_out "belongs to 'ds-c', who is not in tenants"
expect_out "summary: placed is 4 but tenants lists 3"

t "a tenant listed twice or placed twice fails"
tamper "$WORK/four.json" "$WORK/t.json" 'p["tenants"].append(dict(p["tenants"][0]))'
run check "$WORK/t.json"
expect_rc 1
expect_out "tenant 'ds-a': is listed more than once in tenants"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][1]["tenant"] = "ds-a"'
run check "$WORK/t.json"
expect_rc 1
expect_out "tenant 'ds-a': has 2 instances on GPUs but asks for 1"
expect_out "tenant 'ds-b': has 0 instances on GPUs but asks for 1"

t "a GPU missing from a tenant's list, or a wrong model, fails"
tamper "$WORK/four.json" "$WORK/t.json" 'p["tenants"][0]["gpus"] = ["h100-80gb-9"]'
run check "$WORK/t.json"
expect_rc 1
expect_out "tenant 'ds-a': lists gpus [h100-80gb-9] but its instances are on [h100-80gb-1]"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["model"] = "h100-8gb"'
run check "$WORK/t.json"
expect_rc 1
expect_out "GPU model 'h100-8gb' is not in the database"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["model"] = "h100"; p["tenants"][0]["gpu"] = "h100"'
run check "$WORK/t.json"
expect_rc 1
expect_out "gpu 'h100-80gb-1': GPU model: ambiguous GPU 'h100': it could be 'h100-64gb', 'h100-80gb', 'h100-94gb', 'h100-96gb' or 'h100-pcie'"
expect_out "tenant 'ds-a': GPU model: ambiguous GPU 'h100': it could be"

t "a vGPU GPU over its type's max fails"
tamper "$WORK/site.json" "$WORK/t.json" '
g = [g for g in p["gpus"] if g["mode"] == "vgpu" and g["instances"][0]["profile"] == "L40S-2B"][0]
t = [t for t in p["tenants"] if t["name"] == g["instances"][0]["tenant"]][0]
for r in range(t["replicas"], 25):
    g["instances"].append(dict(g["instances"][0], replica=r))
t["replicas"] = 25'
run check "$WORK/t.json"
expect_rc 1
expect_out "25 L40S-2B vGPUs, more than its max of 24"

t "a scheduler that cannot keep a compute guarantee fails"
printf 'version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: l40s, count: 1}]\ntenants:\n  - {name: bots, memory: 12GiB, compute: 0.25, environment: vm, replicas: 4}\n' >"$WORK/c.yaml"
"$GPUVPLAN" recommend "$WORK/c.yaml" -f json -o "$WORK/c.json"
run check "$WORK/c.json"
expect_rc 0
tamper "$WORK/c.json" "$WORK/t.json" 'p["gpus"][0]["scheduler"] = "best-effort"'
run check "$WORK/t.json"
expect_rc 1
expect_out "best-effort guarantees 0 of the GPU to L40S-12C, which needs 0.25 (fixed-share would do)"

t "mixed-size placement ids are checked"
"$GPUVPLAN" recommend tests/data/recommend/mixed.yaml -f json -o "$WORK/m.json"
tamper "$WORK/m.json" "$WORK/t.json" 'p["gpus"][0]["instances"][2]["start"] = 30'
run check "$WORK/t.json"
expect_rc 1
expect_out "placement id 30 is not one of the ids allowed for L40S-12C"
tamper "$WORK/m.json" "$WORK/t.json" 'p["gpus"][0]["scheduler"] = "fixed-share"'
run check "$WORK/t.json"
expect_rc 1
expect_out "fixed share is not available in mixed-size mode"

t "unplaced tenants fail unless --allow-unplaced"
run check "$WORK/small.json"
expect_rc 1
expect_out "tenant 'second': is unplaced: h100-80gb: fleet exhausted"
run check "$WORK/small.json" --allow-unplaced
expect_rc 0

t "policies: GPUs, cost, utilisation, models, gap, optimality, methods, density"
run check "$WORK/site.json" --max-gpus 2
expect_rc 1
expect_out "policy: the plan uses 7 GPUs, more than --max-gpus 2"
run check "$WORK/site.json" --max-gpus 7
expect_rc 0
run check "$WORK/site.json" --max-cost 1
expect_rc 1
expect_out "more than --max-cost 1.00"
run check "$WORK/four.json" --max-cost 1
expect_rc 1
expect_out "the cost is unknown"
run check "$WORK/site.json" --min-utilization 99%
expect_rc 1
expect_out "below --min-utilization 99.0%"
run check "$WORK/site.json" --min-utilization 0.5
expect_rc 0
run check "$WORK/site.json" --gpu-model l40s
expect_rc 1
expect_out "model h100-80gb is not among the allowed --gpu-model"
run check "$WORK/site.json" --gpu-model l40s --gpu-model "NVIDIA H100 80GB HBM3"
expect_rc 0
# The example site costs the least possible (the model mix's proof, issue 11 §8) one GPU above
# the bound on GPUs; first fit costs more and proves nothing.
run check "$WORK/site.json" --max-gap 1 --require-optimal
expect_rc 0
"$GPUVPLAN" recommend docs/examples/tenants.yaml --strategy first-fit -f json -o "$WORK/ff.json"
run check "$WORK/ff.json" --require-optimal
expect_rc 1
expect_out "the plan is not proven optimal (8 GPUs, lower bound 6)"
run check "$WORK/site.json" --max-gap 1
expect_rc 0
run check "$WORK/site.json" --method mig --method vgpu
expect_rc 1
expect_out "uses passthrough, which --method does not allow"
run check "$WORK/four.json" --max-per-gpu 3
expect_rc 1
expect_out "4 instances, more than --max-per-gpu 3"

t "a plan whose summary lies about the GPUs fails"
tamper "$WORK/four.json" "$WORK/t.json" 'p["summary"]["gpus_used"] = 0; p["summary"]["lower_bound"] = 2'
run check "$WORK/t.json"
expect_rc 1
expect_out "gpus_used is 0 but the plan has 1 GPUs"
expect_out "lower_bound 2 is above the 1 GPUs used"

t "not a plan exits 3: wrong schema, missing members, malformed JSON"
tamper "$WORK/four.json" "$WORK/t.json" 'p["schema"] = "gpuvplan.plan/9"'
run check "$WORK/t.json"
expect_rc 3
expect_err "not a plan: schema is 'gpuvplan.plan/9', expected 'gpuvplan.plan/1'"
tamper "$WORK/four.json" "$WORK/t.json" 'del p["gpus"]'
run check "$WORK/t.json"
expect_rc 3
expect_err "not a plan: 'gpus' is missing"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][0]["start"] = "zero"'
run check "$WORK/t.json"
expect_rc 3
expect_err "gpus[0].instances[0].start must be an integer or null"
# the same names as the instance before it (read through the positions found there)
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][2]["start"] = "zero"'
run check "$WORK/t.json"
expect_rc 3
expect_err "gpus[0].instances[2].start must be an integer or null"
tamper "$WORK/four.json" "$WORK/t.json" 'p["gpus"][0]["instances"][3]["profile"] = 7'
run check "$WORK/t.json"
expect_rc 3
expect_err "gpus[0].instances[3].profile must be a string or null"
# the schema is checked first now, but what the shape pass finds is still what is reported,
# though the schema refuses a member before it
tamper "$WORK/four.json" "$WORK/t.json" 'p["input"]["bogus"] = 1; p["gpus"][0]["instances"][1]["start"] = "zero"'
run check "$WORK/t.json"
expect_rc 3
expect_err "not a plan: gpus[0].instances[1].start must be an integer or null"
if grep -qF bogus "$WORK/err"; then bad "stderr has the schema's finding"; else ok; fi
tamper "$WORK/four.json" "$WORK/t.json" 'p["summary"]["gap"] = -1; del p["unplaced"]'
run check "$WORK/t.json"
expect_rc 3
expect_err "not a plan: 'unplaced' is missing"
tamper "$WORK/four.json" "$WORK/t.json" 'p["summary"]["gap"] = -1'
run check "$WORK/t.json"
expect_rc 3
expect_err "not a plan: summary.gap is -1, below the minimum 0"
printf '{\n  "schema": "gpuvplan.plan/1",\n  "gpus": [1, 2,,]\n}\n' >"$WORK/t.json"
run check "$WORK/t.json"
expect_rc 3
expect_err "t.json:3:"
expect_err "invalid JSON"
run check tests/data/recommend/four-20gb.yaml
expect_rc 3
run check "$WORK/nothing.json"
expect_rc 3

t "usage errors exit 2"
run check
expect_rc 2
run check "$WORK/four.json" --max-gpus lots
expect_rc 2
run check "$WORK/four.json" --method teleport
expect_rc 2
run check "$WORK/four.json" --gpu-model h100-8gb
expect_rc 2
expect_err "did you mean 'h100-80gb'?"
run check --help
expect_rc 0
expect_out "usage: gpuvplan check"

t "check reads YAML too: a tenants file given to check is not a plan"
run check docs/examples/tenants.yaml
expect_rc 3
expect_err "docs/examples/tenants.yaml: error: not a plan: no 'schema' (expected 'gpuvplan.plan/1')"

t "--require-optimal and --max-gap use the bound over every allowed choice (issue 11 §4)"
run recommend tests/data/recommend/four-20gb.yaml -f json -o "$WORK/four.json"
expect_rc 0
run check "$WORK/four.json" --max-gap 0 --require-optimal
expect_rc 0
run recommend docs/examples/tenants.yaml -f json -o "$WORK/opt.json"
run recommend docs/examples/tenants.yaml --strategy first-fit -f json -o "$WORK/ff.json"
expect_rc 0
cp "$WORK/ff.json" "$WORK/out"
expect_json 'j["summary"]["optimal"]' False
expect_json 'j["summary"]["gap"] == j["summary"]["gpus_used"] - j["summary"]["lower_bound"] > 0' True
"$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))["summary"]; f = json.load(open(sys.argv[2]))["summary"]
sys.exit(0 if f["lower_bound"] <= o["gpus_used"] < f["gpus_used"] else "bound %d, default %d, first fit %d"
         % (f["lower_bound"], o["gpus_used"], f["gpus_used"]))' "$WORK/opt.json" "$WORK/ff.json" &&
    ok || bad "first fit's bound is above a plan the default strategy finds"
run check "$WORK/ff.json" --max-gap 0
expect_rc 1
expect_out "above the lower bound of 6, more than --max-gap 0"
run check "$WORK/ff.json" --require-optimal
expect_rc 1
expect_out "the plan is not proven optimal (8 GPUs, lower bound 6)"
run recommend docs/examples/tenants.yaml --strategy first-fit
expect_out "  GPUs       8 used, lower bound 6 (gap 2; minimal for the choices made)"

t "a tenant's instances are checked in replica order whatever GPUs hold them, a replica twice fails"
# 20 replicas (more than the 16 check sorts by insertion) on four GPUs, one of them shared with
# another tenant: the replicas' order across GPUs does not matter, a repeat is found.
cat > "$WORK/many.yaml" <<'YAML'
version: 1
tenants:
  - name: many
    replicas: 20
    memory: 9GiB
    isolation: hard
    environment: container
  - name: other
    replicas: 3
    memory: 18GiB
    isolation: hard
    environment: container
YAML
"$GPUVPLAN" recommend "$WORK/many.yaml" --gpu h100-80gb -f json -o "$WORK/many.json"
tamper "$WORK/many.json" "$WORK/t.json" 'p["gpus"][3]["instances"][2]["tenant"] == "many" or sys.exit("layout changed")
p["gpus"][0]["instances"][0]["replica"], p["gpus"][3]["instances"][2]["replica"] = 18, 0'
run check "$WORK/t.json"
expect_rc 0
expect_out "ok (4 GPUs, 2 tenants"
tamper "$WORK/many.json" "$WORK/t.json" 'p["gpus"][3]["instances"][3]["replica"] = 0'
run check "$WORK/t.json"
expect_rc 1
expect_out "tenant 'many': a replica is placed more than once"
expect_out "1 check failed"
