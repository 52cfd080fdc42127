# Replicas placed one by one (issue 11 §1) and the reasons for the ones left out (§2).

t "6 passthrough VMs on 4 H100 + 4 L40S: 4 on the H100s, 2 on the L40S, all placed"
run recommend tests/data/split/passthrough-two-models.yaml -f json -o "$WORK/pt.json"
expect_rc 0
cp "$WORK/pt.json" "$WORK/out"
expect_json 'j["summary"]["unplaced"]' 0
expect_json 'j["summary"]["replicas_placed"]' 6
expect_json 'j["tenants"][0]["placed"]' 6
expect_json '[(p["gpu"], p["method"], p["replicas"]) for p in j["tenants"][0]["parts"]]' \
    "[('h100-80gb', 'passthrough', 4), ('l40s', 'passthrough', 2)]"
expect_json 'sorted(g["model"] for g in j["gpus"])' \
    "['h100-80gb', 'h100-80gb', 'h100-80gb', 'h100-80gb', 'l40s', 'l40s']"
expect_json 'sorted(i["replica"] for g in j["gpus"] for i in g["instances"])' "[0, 1, 2, 3, 4, 5]"
run check "$WORK/pt.json"
expect_rc 0
expect_out ": ok ("
run recommend tests/data/split/passthrough-two-models.yaml
expect_rc 0
expect_out "split: 4 on h100-80gb passthrough, 2 on l40s passthrough"

t "10 replicas of a 1g.10gb tenant on one A100-80GB + one H100-80GB: 7 + 3, all placed"
run recommend tests/data/split/mig-two-models.yaml -f json -o "$WORK/mig.json"
expect_rc 0
cp "$WORK/mig.json" "$WORK/out"
expect_json '[(p["gpu"], p["profile"], p["replicas"]) for p in j["tenants"][0]["parts"]]' \
    "[('a100-80gb', '1g.10gb', 7), ('h100-80gb', '1g.10gb', 3)]"
expect_json 'j["unplaced"]' "[]"
run check "$WORK/mig.json"
expect_rc 0

t "100 desktops on 2 A16 GPUs: the 32 that fit are placed, 68 left out with the fleet's numbers"
run recommend tests/data/split/desktops-partial.yaml -f json -o "$WORK/vdi.json"
expect_rc 1
cp "$WORK/vdi.json" "$WORK/out"
expect_json 'j["tenants"][0]["placed"]' 32
expect_json 'j["summary"]["replicas"], j["summary"]["replicas_placed"]' "(100, 32)"
expect_json 'j["summary"]["placed"], j["summary"]["unplaced"], j["summary"]["tenants"]' "(1, 1, 1)"
expect_json 'j["unplaced"][0]["replicas"]' 68
expect_json '[(c["code"], c["gpu"], c["profile"], c["in_use"], c["fleet"], c["available"]) for c in j["unplaced"][0]["causes"]]' \
    "[('exhausted', 'a16', 'A16-1B', 2, 2, 0)]"
expect_json 'j["unplaced"][0]["reasons"]' \
    "['a16: fleet exhausted: 2 of 2 GPUs in use; 68 replicas left, each needs one A16-1B vGPU']"
run check "$WORK/vdi.json"
expect_rc 1
expect_out "tenant 'desktops': is unplaced: a16: fleet exhausted"
run check "$WORK/vdi.json" --allow-unplaced
expect_rc 0
run recommend tests/data/split/desktops-partial.yaml
expect_rc 1
expect_out "desktops x32/100"
expect_out "note: 32 of 100 replicas placed; see Unplaced"
expect_out "desktops (68 of 100 replicas)"
expect_out "replicas   32 of 100 placed"
expect_out "NVIDIA Virtual PC (or RTX vWS) for 32 vGPUs"

t "a Q-series tenant beside C-series vGPUs: the reason is the sharing rule, not a full fleet"
run recommend tests/data/split/series-apart.yaml -f json
expect_rc 1
expect_json 'j["unplaced"][0]["tenant"]' cad
expect_json 'j["unplaced"][0]["causes"][0]["code"]' sharing
expect_json '"Q-series and C-series vGPUs may not share a GPU" in j["unplaced"][0]["reasons"][0]' True

t "a plan whose partly placed tenant counts its replicas wrong fails check"
sed 's/"replicas": 68/"replicas": 67/' "$WORK/vdi.json" > "$WORK/vdi-bad.json"
run check "$WORK/vdi-bad.json" --allow-unplaced
expect_rc 1
expect_out "tenant 'desktops': has 67 replicas unplaced, but 32 of 100 are placed"

t "a plan whose parts do not add up to the replicas placed fails check"
/usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["tenants"][0]["parts"][1]["replicas"] = 3
json.dump(j, open(sys.argv[2], "w"))' "$WORK/pt.json" "$WORK/pt-bad.json"
run check "$WORK/pt-bad.json"
expect_rc 1
expect_out "tenant 'vms': its parts hold 7 replicas but it says 6 placed"

t "an instance on a model none of the tenant's parts uses fails check"
/usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
j["tenants"][0]["parts"][1]["gpu"] = j["tenants"][0]["parts"][0]["gpu"]
json.dump(j, open(sys.argv[2], "w"))' "$WORK/pt.json" "$WORK/pt-bad2.json"
run check "$WORK/pt-bad2.json"
expect_rc 1
expect_out "decided for h100-80gb but placed on gpu 'l40s-1', a l40s"

t "a tenant moved off its first choice by cost says so, with what it saves (issue 11 §3)"
run recommend tests/data/split/moved-by-cost.yaml -f json -o "$WORK/mv.json"
expect_rc 0
cp "$WORK/mv.json" "$WORK/out"
expect_json '[(t["name"], t["method"], t["gpu"], t["first_choice"], t["moved"]) for t in j["tenants"]]' \
    "[('ds-alice', 'passthrough', 'l40s', 'mig 1g.20gb on h100-80gb', 'it saves 1.20 per hour over its first choice'), ('ds-bob', 'passthrough', 'l40s', 'mig 1g.20gb on h100-80gb', 'it saves 1.20 per hour over its first choice')]"
run check "$WORK/mv.json"
expect_rc 0
run recommend tests/data/split/moved-by-cost.yaml
expect_out "note: not its first choice (mig 1g.20gb on h100-80gb): it saves 1.20 per hour over its first choice"
run explain tests/data/split/moved-by-cost.yaml
expect_out "ds-alice: mig 1g.20gb on h100-80gb"

t "a tenant whose first choice's model is full says the fleet's GPUs are all in use"
printf 'version: 1\nfleet:\n  - {gpu: h100-80gb, count: 1}\n  - {gpu: a100-80gb, count: 1}\ntenants:\n  - {name: a, memory: 70GB, isolation: hard}\n  - {name: b, memory: 70GB, isolation: hard}\n' >"$WORK/full.yaml"
run recommend "$WORK/full.yaml" -f json
expect_rc 0
expect_json '[t.get("moved") for t in j["tenants"]]' "[None, \"the fleet's a100-80gb GPUs are all in use; identical tenant 'a' has mig 7g.80gb on a100-80gb\"]"

t "recommend --from keeps a tenant split over two models where it is (issue 13 §3)"
run recommend tests/data/split/passthrough-two-models.yaml --from "$WORK/pt.json" -f json -o "$WORK/pt-from.json"
expect_rc 0
cp "$WORK/pt-from.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["added_in_place"], j["incremental"]["on_unused_gpus"], j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"])' \
    "(6, 0, 0, 0, [])"
expect_json '[(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]]' "[('h100-80gb', 4), ('l40s', 2)]"
run check "$WORK/pt-from.json"
expect_rc 0
run diff "$WORK/pt.json" "$WORK/pt-from.json"
expect_rc 0
run recommend tests/data/split/passthrough-two-models.yaml --from "$WORK/pt.json"
expect_out "Incremental: 6 replicas kept where they were, 0 added in place, 0 on unused GPUs; 0 GPUs reconfigured"
expect_out "split: 4 on h100-80gb passthrough, 2 on l40s passthrough"
expect_no_out "moved:"

t "recommend --from keeps a tenant split over two models' MIG instances where it is"
run recommend tests/data/split/mig-two-models.yaml -f json -o "$WORK/mig2.json"
expect_rc 0
run recommend tests/data/split/mig-two-models.yaml --from "$WORK/mig2.json" -f json -o "$WORK/mig2-from.json"
expect_rc 0
cp "$WORK/mig2-from.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["gpus_reconfigured"], [(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]])' \
    "(10, 0, [('a100-80gb', 7), ('h100-80gb', 3)])"
run check "$WORK/mig2-from.json"
expect_rc 0
run diff "$WORK/mig2.json" "$WORK/mig2-from.json"
expect_rc 0

t "recommend --from: one more replica of a split tenant goes on an unused GPU, the others stay"
sed 's/replicas: 6/replicas: 7/' tests/data/split/passthrough-two-models.yaml >"$WORK/pt7.yaml"
run recommend "$WORK/pt7.yaml" --from "$WORK/pt.json" -f json -o "$WORK/pt7.json"
expect_rc 0
cp "$WORK/pt7.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["on_unused_gpus"], j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"])' \
    "(6, 1, 0, [])"
expect_json '[(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]]' "[('h100-80gb', 4), ('l40s', 3)]"
run check "$WORK/pt7.json"
expect_rc 0
run diff "$WORK/pt.json" "$WORK/pt7.json"
expect_rc 1
expect_out "Summary: 6 same, 0 in place, 0 reconfigured, 1 added, 0 removed; 0 GPUs to drain"
expect_out_line '^\+ l40s-3 +added +l40s +passthrough vms'

t "recommend --from: the replicas of a split tenant its GPUs no longer serve move, with the reason"
# 60 GiB no longer fits an L40S (48 GB): the two replicas there move to two more H100s.
sed 's/memory: 40GiB/memory: 60GiB/; s/h100-80gb, count: 4/h100-80gb, count: 6/' \
    tests/data/split/passthrough-two-models.yaml >"$WORK/pt60.yaml"
run recommend "$WORK/pt60.yaml" --from "$WORK/pt.json" -f json -o "$WORK/pt60.json"
expect_rc 0
cp "$WORK/pt60.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["on_unused_gpus"], j["tenants"][0]["gpu"], "parts" in j["tenants"][0])' \
    "(4, 2, 'h100-80gb', False)"
expect_json '[m["reason"] for m in j["incremental"]["moved"]]' \
    "[\"its passthrough GPU on 'l40s-1' no longer serves it (it now gets 1 whole h100-80gb)\"]"
run check "$WORK/pt60.json"
expect_rc 0
run diff "$WORK/pt.json" "$WORK/pt60.json"
expect_rc 1
expect_out "Summary: 4 same, 0 in place, 0 reconfigured, 2 added, 2 removed; 2 GPUs to drain"

t "recommend --from: one more replica of a split tenant goes into free units beside any of its kept ones"
# The A100 is full (7 of 7); the H100 holding 3 replicas takes the 11th in its free units.
sed 's/replicas: 10/replicas: 11/' tests/data/split/mig-two-models.yaml >"$WORK/mig11.yaml"
run recommend "$WORK/mig11.yaml" --from "$WORK/mig2.json" -f json -o "$WORK/mig11.json"
expect_rc 0
cp "$WORK/mig11.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["added_in_place"], j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"])' \
    "(10, 1, 0, [])"
expect_json '[(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]]' "[('a100-80gb', 7), ('h100-80gb', 4)]"
run check "$WORK/mig11.json"
expect_rc 0
run diff "$WORK/mig2.json" "$WORK/mig11.json"
expect_rc 1
expect_out "Summary: 1 same, 1 in place, 0 reconfigured, 0 added, 0 removed; 0 GPUs to drain"

t "recommend --from: a tenant on one model whose new replicas no longer fit there splits, its kept replicas stay"
# 3 VMs on H100s, then 6: one H100 is left, so 3 kept + 1 H100 + 2 L40S (was: left out whole).
sed 's/replicas: 6/replicas: 3/' tests/data/split/passthrough-two-models.yaml >"$WORK/pt3.yaml"
run recommend "$WORK/pt3.yaml" -f json -o "$WORK/pt3.json"
expect_rc 0
run recommend tests/data/split/passthrough-two-models.yaml --from "$WORK/pt3.json" -f json -o "$WORK/pt3-6.json"
expect_rc 0
cp "$WORK/pt3-6.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["on_unused_gpus"], j["incremental"]["gpus_reconfigured"], j["incremental"]["moved"])' \
    "(3, 3, 0, [])"
expect_json '[(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]]' "[('h100-80gb', 4), ('l40s', 2)]"
run check "$WORK/pt3-6.json"
expect_rc 0
run diff "$WORK/pt3.json" "$WORK/pt3-6.json"
expect_rc 1
expect_out "Summary: 3 same, 0 in place, 0 reconfigured, 3 added, 0 removed; 0 GPUs to drain"

t "recommend --from a state: a split tenant takes the existing instances on both models"
run recommend tests/data/split/mig-two-nodes.yaml -f json -o "$WORK/m2n.json"
expect_rc 0
mkdir -p "$WORK/m2n-smi"
/usr/bin/python3 tests/cli/smi_from_plan.py "$GPUVPLAN" "$WORK/m2n.json" "$WORK/m2n-smi" && ok || bad "generator failed"
run state "$WORK/m2n-smi/a-1.txt" "$WORK/m2n-smi/h-1.txt" -f json -o "$WORK/m2n-state.json"
expect_rc 0
run recommend tests/data/split/mig-two-nodes.yaml --from "$WORK/m2n-state.json" -f json -o "$WORK/m2n-from.json"
expect_rc 0
cp "$WORK/m2n-from.json" "$WORK/out"
expect_json '(j["incremental"]["kept"], j["incremental"]["slots_taken"], j["incremental"]["gpus_reconfigured"], [(p["gpu"], p["replicas"]) for p in j["tenants"][0]["parts"]])' \
    "(10, 10, 0, [('a100-80gb', 7), ('h100-80gb', 3)])"
run check "$WORK/m2n-from.json"
expect_rc 0
run diff "$WORK/m2n.json" "$WORK/m2n-from.json"
expect_rc 0

t "a fleet the file order runs out of: the demands that lose most elsewhere choose first, and all 20 tenants fit on 17 of its 19 GPUs"
run recommend tests/data/split/choice-order.yaml -f json -o "$WORK/order.json"
expect_rc 0
cp "$WORK/order.json" "$WORK/out"
expect_json 'j["summary"]["unplaced"], j["summary"]["replicas_placed"], j["summary"]["replicas"]' \
    "(0, 67, 67)"
expect_json 'j["summary"]["gpus_used"] <= 17' "True"
expect_json '[t["placed"] for t in j["tenants"] if t["name"] == "t29"]' "[1]"
run check "$WORK/order.json"
expect_rc 0
