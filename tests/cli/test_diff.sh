# gpuvplan diff OLD NEW: plans and states compared GPU by GPU and tenant by tenant

"$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/diff-p1.json"
cp docs/examples/tenants.yaml "$WORK/diff-t2.yaml"
printf '  - {name: ds-erin, memory: 20GB, isolation: hard, workload: dev}\n' >>"$WORK/diff-t2.yaml"
"$GPUVPLAN" recommend "$WORK/diff-t2.yaml" -f json -o "$WORK/diff-p2.json"

t "diff of a plan with itself: no change, exit 0"
run diff "$WORK/diff-p1.json" "$WORK/diff-p1.json"
expect_rc 0
expect_out 'Summary: 7 same, 0 in place, 0 reconfigured, 0 added, 0 removed; 0 GPUs to drain, 0 tenants disrupted; GPUs 7 -> 7; cost/h 16.10 -> 16.10'
expect_no_out 'hgx-01'
expect_err_empty

t "diff of a plan with its YAML form: no change"
"$GPUVPLAN" recommend docs/examples/tenants.yaml -f yaml -o "$WORK/diff-p1.yaml"
run diff "$WORK/diff-p1.json" "$WORK/diff-p1.yaml" -q
expect_rc 0

t "one tenant added: a free slot taken in place, the tenant new, exit 1"
run diff "$WORK/diff-p1.json" "$WORK/diff-p2.json"
expect_rc 1
expect_out_line '^~ hgx-01/0 +in-place +h100-80gb +mig .* -> mig .* 1g\.20gb@6$'
expect_out_line '^\+ ds-erin +new +hgx-01/0 1g\.20gb@6$'
expect_out '0 GPUs to drain, 0 tenants disrupted'

t "the reverse: the slot released, the tenant removed"
run diff "$WORK/diff-p2.json" "$WORK/diff-p1.json" -f json
expect_rc 1
expect_json 'j["schema"]' gpuvplan.diff/1
expect_json '[(g["gpu"], g["change"], g["instances_destroyed"]) for g in j["gpus"] if g["change"] != "same"]' "[('hgx-01/0', 'in-place', 1)]"
expect_json '[(t["name"], t["change"], t["disrupted"]) for t in j["tenants"] if t["change"] != "stays"]' "[('ds-erin', 'removed', True)]"
expect_json 'j["summary"]["gpus_to_drain"]' 0
expect_json 'j["changes"]' 2

t "--all lists what stays"
run diff "$WORK/diff-p1.json" "$WORK/diff-p2.json" --all
expect_out_line '^  hgx-01/1 +same +h100-80gb +mig 1g\.20gb@0 1g\.20gb@2 1g\.20gb@4 1g\.20gb@6$'
expect_out_line '^  ds-alice +stays +hgx-01/1 1g\.20gb@0$'

# A plan whose tenant changed: notebooks need more memory, so their GPU is laid out again.
sed 's/    memory: 9GB/    memory: 30GB/' docs/examples/tenants.yaml >"$WORK/diff-t3.yaml"
"$GPUVPLAN" recommend "$WORK/diff-t3.yaml" -f json -o "$WORK/diff-p3.json"
t "a tenant whose profile changes moves, and a repartitioned GPU is drained"
run diff "$WORK/diff-p1.json" "$WORK/diff-p3.json" -f json
expect_rc 1
expect_json '[t["change"] for t in j["tenants"] if t["name"] == "notebooks"]' "['moves']"
expect_json 'j["summary"]["gpus_to_drain"] >= 1' True
expect_json 'all(g["instances_destroyed"] > 0 for g in j["gpus"] if g["change"] == "reconfigured")' True

t "a state against itself, and against a changed state"
"$GPUVPLAN" state tests/data/smi/h100-node.txt -f json -o "$WORK/diff-s1.json"
run diff "$WORK/diff-s1.json" "$WORK/diff-s1.json"
expect_rc 0
sed -e 's/^|   2  MIG 1g.10gb         19       13          6:1     |$//' \
    -e 's/^|   1  MIG 7g.80gb          0        0          0:8     |$/|   1  MIG 3g.40gb          9        1          0:4     |/' \
    tests/data/smi/h100-node.txt >"$WORK/diff-node.txt"
"$GPUVPLAN" state "$WORK/diff-node.txt" --node gpu-node-07 -f json -o "$WORK/diff-s2.json"
run diff "$WORK/diff-s1.json" "$WORK/diff-s2.json"
expect_rc 1
expect_out_line '^! gpu-node-07/1 +reconfigured +h100-80gb +mig 7g\.80gb@0 -> mig 3g\.40gb@0  \(1 instance destroyed\)$'
expect_out_line '^~ gpu-node-07/2 +in-place +h100-80gb .*  \(1 instance destroyed\)$'
expect_out '1 GPU to drain, 2 instances disrupted'
expect_out 'note: a state has no tenants'

t "a plan against a state of other nodes: GPUs added and removed"
run diff "$WORK/diff-s1.json" "$WORK/diff-p1.json"
expect_rc 1
expect_out_line '^\+ hgx-01/3 +added +h100-80gb +passthrough llm-finetune$'
expect_out_line '^- gpu-node-07/0 +removed '

t "usage errors exit 2"
run diff "$WORK/diff-p1.json"
expect_rc 2
expect_err 'expected two documents, OLD and NEW'
run diff - -
expect_rc 2
expect_err 'only one of OLD and NEW may be standard input'

t "hostile inputs exit 3 with the file and what is wrong"
run diff "$WORK/diff-p1.json" "$WORK/nope.json"
expect_rc 3
expect_err "nope.json"
printf '{"schema": "gpuvplan.plan/1", "gpus": [\n' >"$WORK/diff-trunc.json"
run diff "$WORK/diff-trunc.json" "$WORK/diff-p1.json"
expect_rc 3
expect_err "diff-trunc.json:1:40: error: invalid JSON"
run diff tests/data/diff/bad-schema.json "$WORK/diff-p1.json"
expect_rc 3
expect_err "error: not a plan or a state (schema 'gpuvplan.plan/9'"
run diff "$WORK/diff-p1.json" tests/data/diff/bad-overlap-state.json
expect_rc 3
expect_err "bad-overlap-state.json: error: gpu 'n1/0': invalid MIG layout:"
/usr/bin/python3 - "$WORK/diff-p1.json" "$WORK/diff-bad-plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["gpus"][1]["instances"][1]["start"] = 1  # 1g.20gb may not start at 1; it overlaps too
json.dump(p, open(sys.argv[2], "w"))
PY
run diff "$WORK/diff-bad-plan.json" "$WORK/diff-p1.json"
expect_rc 3
expect_err "diff-bad-plan.json: error: not a valid plan: gpu 'hgx-01/1':"
printf '\0\1\2' >"$WORK/diff-bin.json"
run diff "$WORK/diff-bin.json" "$WORK/diff-p1.json"
expect_rc 3
: >"$WORK/diff-empty.json"
run diff "$WORK/diff-empty.json" "$WORK/diff-p1.json"
expect_rc 3
run diff tests/data/diff/bad-twice-state.json tests/data/diff/bad-twice-state.json
expect_rc 3
expect_err "gpu 'n1/0' is listed twice"

t "control bytes in a document never reach the terminal"
/usr/bin/python3 - "$WORK/diff-p1.json" "$WORK/diff-esc.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
new = "ds-\u001b]0;pwned\u0007alice"
for t in p["tenants"]:
    if t["name"] == "ds-alice":
        t["name"] = new
for g in p["gpus"]:
    for i in g["instances"]:
        if i["tenant"] == "ds-alice":
            i["tenant"] = new
json.dump(p, open(sys.argv[2], "w"))
PY
run diff "$WORK/diff-p1.json" "$WORK/diff-esc.json"
expect_rc 1
expect_out_line '^\+ ds-\?\]0;pwned\?alice +new '
if od -c "$WORK/out" | grep -q '033'; then bad "an escape byte reached stdout"; else ok; fi
printf '{"schema": "gpuvplan.state/1", "gpus": [{"id": "n1/0\\u001b[31m", "node": "n1", "index": 0, "model": "h100-80gb", "mode": "whole", "instances_known": "exact", "instances": []}]}' >"$WORK/diff-esc-state.json"
run diff "$WORK/diff-esc-state.json" "$WORK/diff-p1.json"
expect_rc 3
expect_err "gpus[0]: 'id' and 'node' must be printable names without blanks"
