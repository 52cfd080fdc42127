# recommend --from CURRENT: incremental plans, and the end-to-end loop of issue 13
# (plan -> export -> what nvidia-smi prints for it -> state -> diff -> one tenant more ->
# recommend --from)

ex=docs/examples/tenants.yaml
"$GPUVPLAN" recommend "$ex" -f json -o "$WORK/inc-plan.json"
cp "$ex" "$WORK/inc-more.yaml"
printf '  - {name: ds-erin, memory: 20GB, isolation: hard, workload: dev}\n' >>"$WORK/inc-more.yaml"

t "end to end: the state nvidia-smi reports for a plan shows no change against the plan"
mkdir -p "$WORK/inc-smi"
/usr/bin/python3 tests/cli/smi_from_plan.py "$GPUVPLAN" "$WORK/inc-plan.json" "$WORK/inc-smi" && ok || bad "generator failed"
run state "$WORK/inc-smi/gfx-1.txt" "$WORK/inc-smi/hgx-01.txt" -f json -o "$WORK/inc-state.json"
expect_rc 0
run diff "$WORK/inc-plan.json" "$WORK/inc-state.json"
expect_rc 0
expect_out 'Summary: 12 same, 0 in place, 0 reconfigured, 0 added, 0 removed; 0 GPUs to drain'

t "end to end: the exported mig-parted config and node labels give every GPU what nvidia-smi reports"
"$GPUVPLAN" export "$WORK/inc-plan.json" --to mig-parted -o "$WORK/inc-mig.yaml"
"$GPUVPLAN" export "$WORK/inc-plan.json" --to labels -f json -o "$WORK/inc-labels.json"
run lint "$WORK/inc-mig.yaml"
expect_rc 0
/usr/bin/python3 - "$WORK/inc-mig.yaml" "$WORK/inc-labels.json" "$WORK/inc-state.json" <<'PY' && ok || bad "export and state disagree"
import json, sys, yaml
mp = yaml.safe_load(open(sys.argv[1]))["mig-configs"]
labels = {n["name"]: n["labels"] for n in json.load(open(sys.argv[2]))["nodes"]}
checked = 0
for g in json.load(open(sys.argv[3]))["gpus"]:
    config = labels[g["node"]].get("nvidia.com/mig.config", "all-disabled")
    entries = [e for e in mp[config] if e["devices"] == "all" or g["index"] in e["devices"]]
    assert len(entries) == 1, (g["id"], entries)
    want = {k: v for k, v in (entries[0].get("mig-devices") or {}).items() if v}
    have = {}
    for i in g["instances"]:
        have[i["profile"]] = have.get(i["profile"], 0) + 1
    assert want == have, (g["id"], want, have)
    assert entries[0]["mig-enabled"] == (g["mode"] == "mig") or g["model"] == "l40s", g["id"]
    checked += 1
assert checked == 12, checked
PY

t "end to end: one tenant more, from the state: only the GPU that takes it changes, in place"
run recommend "$WORK/inc-more.yaml" --from "$WORK/inc-state.json" -f json -o "$WORK/inc-next.json"
expect_rc 0
run check "$WORK/inc-next.json"
expect_rc 0
run diff "$WORK/inc-state.json" "$WORK/inc-next.json" -f json
expect_rc 1
expect_json '[(g["gpu"], g["change"], g["instances_destroyed"]) for g in j["gpus"] if g["change"] != "same"]' \
    "[('hgx-01/0', 'in-place', 0)]"
expect_json 'j["summary"]["gpus_to_drain"]' 0
run diff "$WORK/inc-plan.json" "$WORK/inc-next.json" -f json
expect_json '[(t["name"], t["change"], t["to"]) for t in j["tenants"] if t["change"] != "stays"]' \
    "[('ds-erin', 'new', 'hgx-01/0 1g.20gb@6')]"
run recommend "$WORK/inc-next.json" 2>/dev/null
run recommend "$WORK/inc-more.yaml" --from "$WORK/inc-state.json" -f json
expect_json 'j["incremental"]["slots_taken"]' 12
expect_json 'j["incremental"]["added_in_place"]' 1
expect_json 'j["incremental"]["gpus_reconfigured"]' 0
expect_json 'j["incremental"]["fresh_plan_gpus"]' 7

t "--from the plan itself keeps everything: the plan is the fresh one plus 'incremental'"
run recommend "$ex" --from "$WORK/inc-plan.json" -f json
expect_rc 0
/usr/bin/python3 - "$WORK/inc-plan.json" "$WORK/out" <<'PY' && ok || bad "plans differ beyond 'incremental'"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
inc = b.pop("incremental")
assert a == b and inc["kept"] == 36 and inc["moved"] == [] and inc["gpus_reconfigured"] == 0, inc
PY

t "--from is deterministic: byte-identical output"
"$GPUVPLAN" recommend "$WORK/inc-more.yaml" --from "$WORK/inc-state.json" -f yaml >"$WORK/inc-a.yaml"
"$GPUVPLAN" recommend "$WORK/inc-more.yaml" --from "$WORK/inc-state.json" -f yaml >"$WORK/inc-b.yaml"
cmp -s "$WORK/inc-a.yaml" "$WORK/inc-b.yaml" && ok || bad "two runs differ"

t "a tenant whose needs changed moves, with the reason; nothing is drained (a fresh plan drains 4)"
sed 's/    memory: 9GB/    memory: 30GB/' "$ex" >"$WORK/inc-grow.yaml"
run recommend "$WORK/inc-grow.yaml" --from "$WORK/inc-plan.json"
expect_rc 0
expect_out "moved: notebooks: its mig 1g.10gb on 'hgx-01/0' no longer serves it (it now gets MIG 3g.40gb on h100-80gb)"
expect_out_line '^Incremental: 33 replicas kept where they were, 0 added in place, 3 on unused GPUs; 0 GPUs reconfigured; 9 GPUs used, a fresh plan would use 8$'
"$GPUVPLAN" recommend "$WORK/inc-grow.yaml" --from "$WORK/inc-plan.json" -f json -o "$WORK/inc-grow.json"
run diff "$WORK/inc-plan.json" "$WORK/inc-grow.json" -f json
expect_json 'j["summary"]["gpus_to_drain"]' 0
expect_json 'j["summary"]["tenants_disrupted"]' 1
"$GPUVPLAN" recommend "$WORK/inc-grow.yaml" -f json -o "$WORK/inc-fresh.json"
run diff "$WORK/inc-plan.json" "$WORK/inc-fresh.json" -f json
expect_json 'j["summary"]["gpus_to_drain"]' 4

t "a full fleet: the GPU with the fewest tenants is drained, and --max-reconfigure 0 refuses"
"$GPUVPLAN" recommend tests/data/incremental/full.yaml -f json -o "$WORK/inc-full.json"
run recommend tests/data/incremental/full-db-grows.yaml --from "$WORK/inc-full.json" -f json
expect_rc 0
expect_json 'j["incremental"]["gpus_reconfigured"]' 1
expect_json '[m["tenant"] for m in j["incremental"]["moved"]]' "['web', 'db']"
run recommend tests/data/incremental/full-db-grows.yaml --from "$WORK/inc-full.json" --max-reconfigure 0 -f json
expect_rc 1
expect_json 'j["unplaced"][0]["tenant"]' db
expect_json 'j["unplaced"][0]["reasons"][0]' 'no room without reconfiguring more than 0 GPUs (--max-reconfigure)'
expect_json 'j["incremental"]["gpus_reconfigured"]' 0

t "--from usage and hostile inputs"
run recommend "$ex" --max-reconfigure 2
expect_rc 2
expect_err '--max-reconfigure needs --from CURRENT'
run recommend "$ex" --from "$WORK/inc-plan.json" --max-reconfigure -1
expect_rc 2
run recommend "$ex" --from "$WORK/missing.json"
expect_rc 3
run recommend "$ex" --from tests/data/diff/bad-overlap-state.json
expect_rc 3
expect_err "bad-overlap-state.json: error: gpu 'n1/0': invalid MIG layout:"
run recommend "$ex" --from "$ex"
expect_rc 3
expect_err "not a plan or a state"
run recommend "$ex" --from "$WORK/inc-plan.json" -o "$WORK/inc-plan.json"
expect_rc 2

t "--from: CURRENT is read while the tenants are planned, but a bad tenants file is still reported first"
printf 'version: 1\ntenants:\n  - {name: a, memory: 8GB, workload: inference}\n  - {name: a, memory: 8GB}\n' \
    >"$WORK/inc-dup.yaml"
run recommend "$WORK/inc-dup.yaml" --from tests/data/diff/bad-overlap-state.json
expect_rc 3
expect_err "inc-dup.yaml:4:"
if grep -q "bad-overlap-state" "$WORK/err"; then bad "CURRENT's error reported too"; else ok; fi
run recommend "$ex" --from "$WORK/inc-plan.json" -f json -o "$WORK/inc-file.json"
expect_rc 0
run_in "$WORK/inc-plan.json" recommend "$ex" --from - -f json
expect_rc 0
expect_json 'j["incremental"]["from"]' '<stdin>'
/usr/bin/python3 - "$WORK/inc-file.json" "$WORK/out" <<'PY' && ok || bad "--from - and --from FILE differ"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a["incremental"].pop("from"), b["incremental"].pop("from")
assert a == b
PY
run_in "$ex" recommend - --from "$WORK/inc-plan.json" -f json
expect_rc 0
expect_json 'j["incremental"]["kept"]' 36

t "--from a state: a MIG GPU taken for MIG-backed vGPU gives no instance to a bare MIG tenant"
run recommend tests/data/incremental/state-kinds.yaml \
    --from tests/data/incremental/state-kinds-state.json -f json -o "$WORK/kinds.json"
expect_rc 0
run check "$WORK/kinds.json"
expect_rc 0
/usr/bin/python3 - "$WORK/kinds.json" <<'PY' && ok || bad "the two kinds share a GPU or a slot went untaken"
import json, sys
p = json.load(open(sys.argv[1]))
gpus = {t["name"]: t["gpus"] for t in p["tenants"]}
assert gpus == {"a": ["n1/0"], "b": ["n2/0"]} and p["incremental"]["slots_taken"] == 1, gpus
PY

t "CURRENT from another fleet: nothing kept, one note for the GPUs outside the fleet"
run recommend tests/data/incremental/full.yaml --from "$WORK/inc-plan.json"
expect_rc 0
expect_out "note: 7 GPUs of CURRENT in use (first 'hgx-01/0') are not in the fleet of the tenants file: what runs there moves"
expect_out_line '^Incremental: 0 replicas kept where they were, 0 added in place, 14 on unused GPUs; 0 GPUs reconfigured; 2 GPUs used, a fresh plan would use 2$'

t "mig_strategy single: new GPUs only on nodes of their profile, and the plan passes check"
"$GPUVPLAN" recommend tests/data/incremental/single.yaml -f json -o "$WORK/inc-single.json"
run recommend tests/data/incremental/single-more.yaml --from "$WORK/inc-single.json" -f json \
    -o "$WORK/inc-single-more.json"
expect_rc 0
run check "$WORK/inc-single-more.json"
expect_rc 0
run diff "$WORK/inc-single.json" "$WORK/inc-single-more.json" -f json
expect_json '[(g["gpu"], g["change"]) for g in j["gpus"] if g["change"] != "same"]' \
    "[('n1/0', 'in-place'), ('n1/1', 'added'), ('n3/0', 'added')]"
expect_json 'j["summary"]["gpus_to_drain"]' 0

t "spread: node holds for new GPUs: the second replica goes to another node"
"$GPUVPLAN" recommend tests/data/incremental/spread.yaml -f json -o "$WORK/inc-spread.json"
run recommend tests/data/incremental/spread-more.yaml --from "$WORK/inc-spread.json" -f json \
    -o "$WORK/inc-spread-more.json"
expect_rc 0
run check "$WORK/inc-spread-more.json"
expect_rc 0
run diff "$WORK/inc-spread.json" "$WORK/inc-spread-more.json" -f json
expect_json '[g["gpu"] for g in j["gpus"] if g["change"] == "added"]' "['n1/1', 'n2/0']"

t "a multi-GPU passthrough replica gets its GPUs on one node with room for all of them"
"$GPUVPLAN" recommend tests/data/incremental/multi-gpu.yaml -f json -o "$WORK/inc-mg.json"
run recommend tests/data/incremental/multi-gpu-more.yaml --from "$WORK/inc-mg.json" -f json
expect_rc 0
expect_json '[g["id"] for g in j["gpus"] if g["instances"][0]["tenant"] == "b"]' \
    "['n2/0', 'n2/1', 'n2/2', 'n2/3']"

# The summary counts each placed replica once, from the plan as it ends: kept, added in place or
# on unused GPUs, whatever was placed and taken back while planning (drains, retries).
# A tenant no GPU can take (db: hard isolation on L4s whose nodes state their sharing) made
# --from drain a GPU, pack its clients back as they were and report it reconfigured, with its
# tenants moved, while diff showed no GPU changed: a drain that places nothing more is undone.
t "--from: the GPUs it reports reconfigured are those diff shows reconfigured"
for f in sharing/k8s-nodes sharing/mps-limits; do
    "$GPUVPLAN" recommend "tests/data/$f.yaml" -f json -o "$WORK/inc-agree.json" 2>/dev/null
    run recommend "tests/data/$f.yaml" --from "$WORK/inc-agree.json" -f json -o "$WORK/inc-agree2.json"
    expect_rc 1
    cp "$WORK/inc-agree2.json" "$WORK/out"
    expect_json 'j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"], j["incremental"]["kept"] == j["summary"]["replicas_placed"]' \
        "(0, [], True)"
    n=$(json_get 'j["incremental"]["gpus_reconfigured"]')
    run diff "$WORK/inc-agree.json" "$WORK/inc-agree2.json" -f json
    expect_rc 0
    expect_json 'j["summary"]["reconfigured"], j["summary"]["gpus_to_drain"]' "($n, $n)"
done

# A drain is kept only when it leaves out no tenant that was placed: draining b's GPU placed c's
# nine replicas but left b out whole (--from reported 1 GPU reconfigured, diff 3 to drain and b
# removed). a, one replica fewer, gives back one GPU (diff: a moves, 1 GPU to drain).
t "--from: a drain never leaves out a tenant placed before it"
"$GPUVPLAN" recommend tests/data/incremental/keep-placed.yaml -f json -o "$WORK/inc-kp.json"
run recommend tests/data/incremental/keep-placed-more.yaml --from "$WORK/inc-kp.json" -f json -o "$WORK/inc-kp2.json"
expect_rc 1
cp "$WORK/inc-kp2.json" "$WORK/out"
expect_json '[u["tenant"] for u in j["unplaced"]], j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"]' \
    "(['c'], 0, [])"
run diff "$WORK/inc-kp.json" "$WORK/inc-kp2.json" -f json
expect_json 'j["summary"]["reconfigured"], j["summary"]["gpus_to_drain"], [(t["name"], t["change"]) for t in j["tenants"]]' \
    "(0, 1, [('a', 'moves'), ('b', 'stays')])"

t "--from: kept + added in place + on unused GPUs is the replicas placed"
for pair in "sharing/k8s-nodes sharing/k8s-nodes" "sharing/mps-limits sharing/mps-limits" \
    "sharing/k8s-nodes mix/fewer-left-out" "sharing/mixed-node mix/many-left-out"; do
    set -- $pair
    "$GPUVPLAN" recommend "tests/data/$1.yaml" -f json -o "$WORK/inc-count.json" 2>/dev/null
    run recommend "tests/data/$2.yaml" --from "$WORK/inc-count.json" -f json
    expect_json 'j["incremental"]["kept"] + j["incremental"]["added_in_place"] + j["incremental"]["on_unused_gpus"] == j["summary"]["replicas_placed"]' True
done
