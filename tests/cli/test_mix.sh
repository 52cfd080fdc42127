# The optimum on priced mixed fleets (issue 11 §8): the model mix refills the room left on partly
# used GPUs, leaves out no replica that fits, and says optimal only when it is proven.

t "the refill case: the 8 VMs fill the idle H100 and the A100s' room, one L40S, at the optimum"
run recommend tests/data/mix/refill.yaml -f json -o "$WORK/refill.json"
expect_rc 0
cp "$WORK/refill.json" "$WORK/out"
expect_json '[(p["gpu"], p["method"], p["profile"], p["replicas"]) for p in j["tenants"][0]["parts"]]' \
    "[('h100-80gb', 'mig-vgpu', 'H100-1-20C', 4), ('a100-80gb', 'mig-vgpu', 'A100D-1-20C', 3), ('l40s', 'passthrough', None, 1)]"
expect_json 'sorted(g["model"] for g in j["gpus"])' "['a100-80gb', 'a100-80gb', 'h100-80gb', 'l40s']"
expect_json 'j["summary"]["cost"]["per_hour"], j["summary"]["cost"]["lower_bound_per_hour"]' \
    "(11, 11)"
expect_json 'j["summary"]["optimal"], j["summary"]["replicas_placed"]' "(True, 17)"
run check "$WORK/refill.json" --require-optimal --max-cost 11
expect_rc 0
run recommend tests/data/mix/refill.yaml
expect_rc 0
expect_out "split: 4 on h100-80gb mig-vgpu H100-1-20C, 3 on a100-80gb mig-vgpu A100D-1-20C, 1 on l40s passthrough"
expect_out "cost bound 11.00 per hour (the plan costs the least possible)"
expect_out "4 used, lower bound 4 (optimal)"

t "a tight fleet: 24 of 33 replicas placed (main placed 10), proven the most, at the lowest cost"
run recommend tests/data/mix/fewer-left-out.yaml -f json -o "$WORK/tight.json"
expect_rc 1
cp "$WORK/tight.json" "$WORK/out"
expect_json 'j["summary"]["replicas"], j["summary"]["replicas_placed"]' "(33, 24)"
expect_json '[(u["tenant"], u["replicas"]) for u in j["unplaced"]]' "[('t0', 8), ('t1', 1)]"
expect_json 'j["summary"]["optimal"], j["summary"]["cost"]["lower_bound_per_hour"]' "(True, 27.6)"
expect_json 'j["unplaced"][0]["causes"][0]["code"]' "exhausted"
run check "$WORK/tight.json" --allow-unplaced --require-optimal
expect_rc 0
run recommend tests/data/mix/fewer-left-out.yaml
expect_rc 1
expect_out "replicas   24 of 33 placed"
expect_out "(optimal: the lowest cost, below)"

t "a tight fleet where the heuristics leave out 160 of 301 replicas: the search on the count alone places 182 (main placed 141)"
run recommend tests/data/mix/many-left-out.yaml -f json -o "$WORK/many.json"
expect_rc 1
cp "$WORK/many.json" "$WORK/out"
expect_json 'j["summary"]["replicas"], j["summary"]["replicas_placed"] >= 182' "(301, True)"
expect_json 'len(j["gpus"]), j["summary"]["optimal"]' "(44, False)"
run check "$WORK/many.json" --allow-unplaced
expect_rc 0

t "first fit on the refill case: dearer, not optimal, the model mix's LP bound beside it (10.3 rounded up to the 0.20 every cost here is a multiple of)"
run recommend tests/data/mix/refill.yaml --strategy first-fit -f json -o "$WORK/ff.json"
expect_rc 0
cp "$WORK/ff.json" "$WORK/out"
expect_json 'j["summary"]["optimal"], j["summary"]["cost"]["lower_bound_per_hour"]' "(False, 10.4)"
expect_json 'j["summary"]["cost"]["per_hour"] > 11' "True"
run check "$WORK/ff.json" --require-optimal
expect_rc 1
expect_out "the plan is not proven optimal"

t "a plan that claims optimal above its cost bound is refused by check"
"$PY" - "$WORK/refill.json" "$WORK/forged.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["summary"]["cost"]["lower_bound_per_hour"] = 20.0
json.dump(j, open(sys.argv[2], "w"), indent=2)
PY
run check "$WORK/forged.json"
expect_rc 1
expect_out "cost.lower_bound_per_hour 20 is above the plan's cost 11"

t "pods time-sliced on the L40S and MIG on the H100: the model mix proves the lowest cost"
run recommend tests/data/mix/share-mig.yaml -f json -o "$WORK/share.json"
expect_rc 0
cp "$WORK/share.json" "$WORK/out"
expect_json '[(p["gpu"], p["method"], p["replicas"]) for p in j["tenants"][1]["parts"]]' \
    "[('l40s', 'time-slicing', 10), ('h100-80gb', 'mig', 6)]"
expect_json 'sorted((g["model"], g["mode"]) for g in j["gpus"])' \
    "[('h100-80gb', 'mig'), ('h100-80gb', 'mig'), ('l40s', 'time-slicing'), ('l40s', 'time-slicing'), ('l40s', 'time-slicing'), ('l40s', 'time-slicing')]"
expect_json 'j["summary"]["cost"]["per_hour"], j["summary"]["cost"]["lower_bound_per_hour"]' \
    "(13.6, 13.6)"
expect_json 'j["summary"]["optimal"], j["summary"]["replicas_placed"]' "(True, 25)"
run check "$WORK/share.json" --require-optimal --max-cost 13.60
expect_rc 0
run recommend tests/data/mix/share-mig.yaml
expect_rc 0
expect_out "cost bound 13.60 per hour (the plan costs the least possible)"

t "a spread tenant the model mix puts on two models: the mix's plan is kept (every replica placed on 27 GPUs, not one left out on all 36)"
run recommend tests/data/mix/spread-two-models.yaml -f json -o "$WORK/spread.json"
expect_rc 0
cp "$WORK/spread.json" "$WORK/out"
expect_json 'j["summary"]["unplaced"], j["summary"]["gpus_used"], j["summary"]["lower_bound"]' \
    "(0, 27, 27)"
expect_json '[t for t in j["tenants"] if t["name"] == "t46"][0]["spread"]' "True"
expect_json 'sorted(p["gpu"] for p in [t for t in j["tenants"] if t["name"] == "t46"][0]["parts"])' \
    "['h100-80gb', 'l40s']"
expect_json 'len(set([t for t in j["tenants"] if t["name"] == "t46"][0]["gpus"]))' "2"
run check "$WORK/spread.json"
expect_rc 0
