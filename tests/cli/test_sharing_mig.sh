# Kubernetes sharing: time-slicing of MIG instances through the device plugin (issue 11 §6,
# "replicas per GPU or per MIG instance")

t "20 notebooks of 2 GB needing no isolation on one H100: 5 time-sliced clients on each of 4 1g.10gb"
run recommend tests/data/sharing/notebooks-h100.yaml -f json -o "$WORK/nb.json"
expect_rc 0
cp "$WORK/nb.json" "$WORK/out"
expect_json '[(t["method"], t["profile"], t["placed"], t["decided_by"]) for t in j["tenants"]]' \
    "[('time-slicing', '1g.10gb', 20, 'pods-time-slice-mig-instances')]"
expect_json '[(g["mode"], [(i["profile"], i["start"], i["replica"], i["clients"], i["replicas"]) for i in g["instances"]]) for g in j["gpus"]]' \
    "[('mig', [('1g.10gb', 0, 0, 5, 5), ('1g.10gb', 1, 5, 5, 5), ('1g.10gb', 2, 10, 5, 5), ('1g.10gb', 3, 15, 5, 5)])]"
expect_json '(j["summary"]["gpus_used"], j["summary"]["lower_bound"], j["summary"]["optimal"], j["summary"]["instances"])' \
    '(1, 1, True, 4)'
expect_json 'j["summary"]["utilization"]["requested_memory"]' 0.4658
run check "$WORK/nb.json"
expect_rc 0
run recommend tests/data/sharing/notebooks-h100.yaml
expect_out_line '^    time-sliced 1g.10gb at 0: 5 replicas, memory not enforced: notebook x 5$'

t "the last instance holds the clients left: 22 notebooks take 5 instances, the last with 2"
sed 's/replicas: 20/replicas: 22/' tests/data/sharing/notebooks-h100.yaml >"$WORK/nb22.yaml"
run recommend "$WORK/nb22.yaml" -f json
expect_rc 0
expect_json '[(i["replica"], i["clients"]) for i in j["gpus"][0]["instances"]][-1]' '(20, 2)'
expect_json 'j["tenants"][0]["placed"]' 22

t "soft or hard isolation never time-slices a MIG instance: a bare instance each"
sed 's/isolation: none/isolation: soft/' tests/data/sharing/notebooks-h100.yaml >"$WORK/nb-soft.yaml"
run recommend "$WORK/nb-soft.yaml" -f json
expect_rc 1
expect_json '[(t["method"], t["placed"]) for t in j["tenants"]]' "[('mig', 7)]"
sed 's/isolation: none/isolation: hard/' tests/data/sharing/notebooks-h100.yaml >"$WORK/nb-hard.yaml"
run recommend "$WORK/nb-hard.yaml" -f json
expect_json '[t["method"] for t in j["tenants"]]' "['mig']"

t "a time-sliced MIG tenant keeps its other choices: 60 notebooks on one H100 and two L4 place 59, not 35"
run recommend tests/data/sharing/notebooks-h100-l4.yaml -f json -o "$WORK/nbl4.json"
expect_rc 1
cp "$WORK/nbl4.json" "$WORK/out"
expect_json '[(t["placed"], [(p["gpu"], p["method"], p["profile"], p["replicas"]) for p in t["parts"]]) for t in j["tenants"]]' \
    "[(59, [('h100-80gb', 'time-slicing', '1g.10gb', 35), ('l4', 'time-slicing', None, 24)])]"
expect_json '[(g["id"], g["mode"], len(g["instances"]), sum(i.get("clients") or 1 for i in g["instances"])) for g in j["gpus"]]' \
    "[('h100-80gb-1', 'mig', 7, 35), ('l4-1', 'time-slicing', 12, 12), ('l4-2', 'time-slicing', 12, 12)]"
expect_json '[(i["replica"], i["clients"]) for i in j["gpus"][0]["instances"]][-1]' '(30, 5)'
expect_json '[g["instances"][0]["replica"] for g in j["gpus"][1:]]' '[35, 47]'
expect_json '(j["summary"]["gpus_used"], j["summary"]["lower_bound"], j["summary"]["optimal"])' '(3, 3, True)'
expect_json '[(u["replicas"], [c["text"] for c in u["causes"]]) for u in j["unplaced"]]' \
    "[(1, ['h100-80gb: fleet exhausted: 1 of 1 GPU in use; 1 replica left, 5 time-sliced to each 1g.10gb MIG instance: 1 instance', 'l4: fleet exhausted: 2 of 2 GPUs in use; 1 replica left, it needs one time-slicing client of a shared GPU'])]"
run check "$WORK/nbl4.json" --allow-unplaced
expect_rc 0
run recommend tests/data/sharing/notebooks-h100-l4.yaml
expect_out_line '^    split: 35 on h100-80gb time-slicing 1g.10gb, 24 on l4 time-slicing$'
run recommend tests/data/sharing/notebooks-h100-l4.yaml --strategy first-fit -f json
expect_rc 1
expect_json '[t["placed"] for t in j["tenants"]]' '[59]'

t "priced: the cheapest mix of time-sliced MIG instances and whole-GPU time-slicing, proven"
cat >"$WORK/nb-priced.yaml" <<'EOF'
version: 1
fleet:
  - {gpu: h100-80gb, count: 2, cost_per_hour: 4.00}
  - {gpu: l4, count: 3, cost_per_hour: 0.80}
tenants:
  - {name: notebook, memory: 2GB, replicas: 60, isolation: none, environment: container}
EOF
run recommend "$WORK/nb-priced.yaml" -f json
expect_rc 0
expect_json '[(p["gpu"], p["replicas"]) for t in j["tenants"] for p in t["parts"]]' "[('h100-80gb', 25), ('l4', 35)]"
expect_json '(j["summary"]["cost"]["per_hour"], j["summary"]["cost"]["lower_bound_per_hour"], j["summary"]["optimal"])' '(6.4, 6.4, True)'

t "a pod site sized without a fleet is proven: the model mix counts time-sliced instances whole (3635 GPUs, bound 3635; before 3658, bound 3440)"
/usr/bin/python3 - "$WORK/pods.yaml" <<'PY' && ok || bad "generator failed"
import random, sys
r = random.Random(3)
lines = ["version: 1", "tenants:"]
for i in range(2000):
    mem = r.choice(["1GB", "2GB", "3GB", "4GB", "6GB", "8GB", "12GB", "16GB"])
    lines.append("  - {name: pod-%d, memory: %s, replicas: %d, isolation: none, environment: container}"
                 % (i, mem, r.randint(1, 40)))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
run recommend "$WORK/pods.yaml" --gpu h100-80gb --gpu l4 -f json -o "$WORK/pods.json"
expect_rc 0
cp "$WORK/pods.json" "$WORK/out"
expect_json '(j["summary"]["gpus_used"], j["summary"]["lower_bound"], j["summary"]["optimal"])' '(3635, 3635, True)'
expect_json 'sum(t["method"] == "time-slicing" and t["profile"] is not None for t in j["tenants"]) > 1500' 'True'
run check "$WORK/pods.json"
expect_rc 0

t "an over-subscribed fleet is filled: the model mix's answer rounded down, trimmed to the fleet (10365 replicas placed, not 5182 on 265 H100 and 6 L4)"
/usr/bin/python3 - "$WORK/over.yaml" <<'PY' && ok || bad "generator failed"
import random, sys
random.seed(7)
lines = ["version: 1", "fleet:", "  - {gpu: h100-80gb, count: 300}", "  - {gpu: l4, count: 200}", "tenants:"]
for i in range(2000):
    mem = random.choice(["2GB", "3GB", "4GB", "6GB", "8GB"])
    iso = random.choice(["none", "none", "soft", "hard"])
    lines.append("  - {name: t%d, memory: %s, replicas: %d, isolation: %s, environment: container}"
                 % (i, mem, random.randint(1, 40), iso))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
run recommend "$WORK/over.yaml" -f json -o "$WORK/over.json"
expect_rc 1
cp "$WORK/over.json" "$WORK/out"
expect_json '(j["summary"]["replicas"], j["summary"]["replicas_placed"], [(m["gpu"], m["gpus"]) for m in j["summary"]["models"]])' \
    "(40116, 10365, [('h100-80gb', 300), ('l4', 200)])"
# Every reason is true: each model a replica left out could use has all its GPUs in use.
expect_json 'sorted({(c["code"], c["gpu"], c["in_use"], c["fleet"]) for u in j["unplaced"] for c in u["causes"]})' \
    "[('exhausted', 'h100-80gb', 300, 300), ('exhausted', 'l4', 200, 200)]"
run check "$WORK/over.json" --allow-unplaced
expect_rc 0

t "check refuses a tampered time-sliced instance: more clients than replicas or memory, a replica twice"
python3 - "$WORK/nb.json" "$WORK" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def dump(name, f):
    k = json.loads(json.dumps(j)); f(k); json.dump(k, open(sys.argv[2] + "/" + name, "w"))
dump("bad-mem.json", lambda k: k["gpus"][0]["instances"][0].update(clients=6, replicas=6))
dump("bad-reps.json", lambda k: k["gpus"][0]["instances"][0].update(replicas=4))
dump("bad-twice.json", lambda k: k["gpus"][0]["instances"][1].update(replica=3))
dump("bad-method.json", lambda k: k["tenants"][0].update(method="mig"))
dump("bad-one.json", lambda k: k["gpus"][0]["instances"][0].update(replicas=1))
PY
run check "$WORK/bad-mem.json"
expect_rc 1
expect_out "tenant 'notebook': its 6 time-sliced clients on a 1g.10gb instance of gpu 'h100-80gb-1' ask 11448 MiB together, more than its 9984"
run check "$WORK/bad-reps.json"
expect_rc 1
expect_out "tenant 'notebook': 5 clients on a 1g.10gb instance of gpu 'h100-80gb-1', more than its 4 replicas"
run check "$WORK/bad-twice.json"
expect_rc 1
expect_out "tenant 'notebook': a replica is placed more than once"
run check "$WORK/bad-method.json"
expect_rc 1
expect_out "tenant 'notebook': has time-sliced clients on gpu 'h100-80gb-1', a mig GPU, but its method is mig"
run check "$WORK/bad-one.json"
expect_rc 3
expect_err "gpus[0].instances[0].replicas"

t "explain: the rule that decided, the instance and the units it saves"
run explain tests/data/sharing/notebooks-h100.yaml
expect_rc 0
expect_out "notebook: time-slicing 1g.10gb, up to 5 per instance on h100-80gb"
expect_out "20 replicas"
run explain tests/data/sharing/notebooks-h100.yaml -f json
expect_json '[(c["method"], c["profile"], c["decided_by"], c["order"][:2]) for c in j["tenants"][0]["choices"]]' \
    "[('time-slicing', '1g.10gb', 'pods-time-slice-mig-instances', ['time-slicing', 'mig'])]"
expect_json 'j["tenants"][0]["rejected"]["mig"][0]["reason"]' \
    "fits (1g.10gb), but time-slicing comes first in the order of 'pods-time-slice-mig-instances'"

t "where time-slicing saves no MIG units (3 of 9 GB), a bare instance each, and explain says why"
run explain docs/examples/tenants.yaml --tenant notebooks -f json
expect_json '[(c["method"], c["profile"]) for c in j["tenants"][0]["choices"]]' "[('mig', '1g.10gb')]"
expect_json '[r["reason"] for r in j["tenants"][0]["rejected"]["time-slicing"]][0].split(": ", 1)[1]' \
    "time-slicing saves no MIG units: 3 replicas take 4 units time-sliced on 1g.20gb, and a bare 1g.10gb each takes 3"

t "one replica never time-slices an instance: the rule needs 2 replicas or more"
sed 's/replicas: 20/replicas: 1/' tests/data/sharing/notebooks-h100.yaml >"$WORK/nb1.yaml"
run recommend "$WORK/nb1.yaml" -f json
expect_json '[(t["method"], t["decided_by"]) for t in j["tenants"]]' "[('mig', 'multi-tenancy-on-mig')]"

t "export writes the time-sliced MIG resource per node under the mixed strategy; lint reads it back"
run recommend tests/data/sharing/notebooks-nodes.yaml -f json -o "$WORK/nbn.json"
expect_rc 0
run check "$WORK/nbn.json"
expect_rc 0
run export "$WORK/nbn.json" --to device-plugin -o "$WORK/nbn-dp.yaml"
expect_rc 0
cp "$WORK/nbn-dp.yaml" "$WORK/out"
expect_out "#   nb-1 advertises nvidia.com/mig-1g.10gb (5 replicas of each instance, time-sliced) nvidia.com/mig-1g.20gb"
python3 - "$WORK/nbn-dp.yaml" >"$WORK/out" <<'PY'
import sys, yaml
cm = yaml.safe_load(open(sys.argv[1]))
for k in sorted(cm["data"]):
    c = yaml.safe_load(cm["data"][k])
    print(k, c["flags"]["migStrategy"], sorted(c.get("sharing", {})),
          [(r["name"], r["replicas"]) for s in c.get("sharing", {}).values() for r in s["resources"]])
PY
expect_out "gpuvplan-mig-mixed-ts-1g.10gb-5 mixed ['timeSlicing'] [('nvidia.com/mig-1g.10gb', 5)]"
run lint "$WORK/nbn-dp.yaml"
expect_rc 0
run export "$WORK/nbn.json" --to labels
expect_out "gpuvplan-mig-mixed-ts-1g.10gb-5"

t "export refuses bare instances of a profile beside time-sliced ones on a node"
run recommend tests/data/sharing/notebooks-mixed-node.yaml -f json -o "$WORK/nbm.json"
expect_rc 0
run export "$WORK/nbm.json" --to device-plugin -o "$WORK/nbm-never.yaml"
expect_rc 3
expect_err "node 'nb-1' has bare 1g.10gb instances beside time-sliced ones; the device plugin would time-slice them too"
if [ -e "$WORK/nbm-never.yaml" ]; then bad "a partial export file"; else ok; fi

t "lint refuses a time-sliced MIG resource with 1 replica or an unknown profile"
sed 's/replicas: 5/replicas: 1/' "$WORK/nbn-dp.yaml" >"$WORK/nbn-r1.yaml"
run lint "$WORK/nbn-r1.yaml"
expect_rc 1
expect_out "'replicas' is 1; it must be from 2 to 1000000"
sed 's/mig-1g.10gb$/mig-1g.11gb/' "$WORK/nbn-dp.yaml" >"$WORK/nbn-p.yaml"
run lint "$WORK/nbn-p.yaml"
expect_rc 1
expect_out "no GPU model in the database has MIG profile '1g.11gb'"

t "recommend --from keeps time-sliced MIG instances with their clients; free clients are filled before new instances"
sed 's/replicas: 20/replicas: 22/' tests/data/sharing/notebooks-nodes.yaml >"$WORK/nb22n.yaml"
run recommend "$WORK/nb22n.yaml" --from "$WORK/nbn.json" -f json -o "$WORK/nb22-from.json"
expect_rc 0
cp "$WORK/nb22-from.json" "$WORK/out"
expect_json '[(i["profile"], i["start"], i.get("replica"), i.get("clients"), i.get("replicas")) for i in j["gpus"][0]["instances"]]' \
    "[('1g.20gb', 0, 0, None, None), ('1g.10gb', 2, 0, 5, 5), ('1g.10gb', 3, 5, 5, 5), ('1g.10gb', 4, 10, 5, 5), ('1g.10gb', 5, 15, 5, 5), ('1g.10gb', 6, 20, 2, 5)]"
expect_json '(j["incremental"]["kept"], j["incremental"]["added_in_place"], j["incremental"]["on_unused_gpus"], j["incremental"]["gpus_reconfigured"])' '(21, 2, 0, 0)'
run check "$WORK/nb22-from.json"
expect_rc 0
sed 's/replicas: 20/replicas: 25/' tests/data/sharing/notebooks-nodes.yaml >"$WORK/nb25.yaml"
run recommend "$WORK/nb25.yaml" --from "$WORK/nb22-from.json" -f json -o "$WORK/nb25-from.json"
expect_rc 0
cp "$WORK/nb25-from.json" "$WORK/out"
expect_json '[(i["start"], i["replica"], i["clients"]) for i in j["gpus"][0]["instances"][1:]]' \
    '[(2, 0, 5), (3, 5, 5), (4, 10, 5), (5, 15, 5), (6, 20, 5)]'
expect_json '(j["incremental"]["kept"], j["incremental"]["added_in_place"], j["incremental"]["on_unused_gpus"])' '(23, 3, 0)'
run check "$WORK/nb25-from.json"
expect_rc 0
run diff "$WORK/nb22-from.json" "$WORK/nb25-from.json"
expect_rc 1
expect_out_line '^~ nb-1/0 +in-place +h100-80gb +mig 1g.20gb@0 1g.10gb@2x5 1g.10gb@3x5 1g.10gb@4x5 1g.10gb@5x5 1g.10gb@6x2 -> mig 1g.20gb@0 1g.10gb@2x5 1g.10gb@3x5 1g.10gb@4x5 1g.10gb@5x5 1g.10gb@6x5$'
expect_out 'Summary: 0 same, 1 in place, 0 reconfigured, 0 added, 0 removed; 0 GPUs to drain, 0 tenants disrupted'

t "recommend --from a state: a tenant time-slicing MIG instances takes the existing instances, 5 clients each"
mkdir -p "$WORK/nbn-smi"
/usr/bin/python3 tests/cli/smi_from_plan.py "$GPUVPLAN" "$WORK/nbn.json" "$WORK/nbn-smi" && ok || bad "generator failed"
run state "$WORK/nbn-smi/nb-1.txt" -f json -o "$WORK/nbn-state.json"
expect_rc 0
run recommend "$WORK/nb22n.yaml" --from "$WORK/nbn-state.json" -f json -o "$WORK/nb22-state.json"
expect_rc 0
cp "$WORK/nb22-state.json" "$WORK/out"
expect_json '[(i["start"], i.get("replica"), i.get("clients")) for i in j["gpus"][0]["instances"]]' \
    '[(0, 0, None), (2, 0, 5), (3, 5, 5), (4, 10, 5), (5, 15, 5), (6, 20, 2)]'
expect_json '(j["incremental"]["kept"], j["incremental"]["slots_taken"], j["incremental"]["added_in_place"], j["incremental"]["gpus_reconfigured"])' '(21, 21, 2, 0)'
run check "$WORK/nb22-state.json"
expect_rc 0

t "recommend --from: fewer replicas leave the last instance fewer clients; a changed client size moves the tenant"
sed 's/replicas: 20/replicas: 18/' tests/data/sharing/notebooks-nodes.yaml >"$WORK/nb18.yaml"
run recommend "$WORK/nb18.yaml" --from "$WORK/nbn.json" -f json -o "$WORK/nb18-from.json"
expect_rc 0
cp "$WORK/nb18-from.json" "$WORK/out"
expect_json '[(i["start"], i["replica"], i["clients"]) for i in j["gpus"][0]["instances"][1:]]' \
    '[(2, 0, 5), (3, 5, 5), (4, 10, 5), (5, 15, 3)]'
expect_json '(j["incremental"]["kept"], j["incremental"]["moved"])' '(19, [])'
sed 's/memory: 2GB, replicas: 20/memory: 3GB, replicas: 20/' tests/data/sharing/notebooks-nodes.yaml >"$WORK/nb3g.yaml"
run recommend "$WORK/nb3g.yaml" --from "$WORK/nbn.json" -f json -o "$WORK/nb3g-from.json"
cp "$WORK/nb3g-from.json" "$WORK/out"
expect_json '[m["reason"] for m in j["incremental"]["moved"] if m["tenant"] == "notebook"]' \
    "[\"its mig 1g.10gb on 'nb-1/0' no longer serves it (it now gets time-sliced MIG 1g.20gb on h100-80gb, 7 clients each)\"]"
expect_json '[(i["profile"], i.get("clients")) for i in j["gpus"][0]["instances"]]' \
    "[('1g.20gb', 7), ('1g.20gb', 7), ('1g.20gb', 6), ('1g.20gb', None)]"
run check "$WORK/nb3g-from.json" --allow-unplaced
expect_rc 0

t "recommend --from keeps a tenant split over time-sliced MIG instances and whole-GPU time-slicing"
cat >"$WORK/mixn.yaml" <<'EOF'
version: 1
fleet:
  - {gpu: h100-80gb, nodes: [hgx-1, hgx-2], gpus_per_node: 1}
  - {gpu: l4, nodes: [l4-a], gpus_per_node: 2}
tenants:
  - {name: notebook, memory: 2GB, replicas: 50, isolation: none, environment: container}
  - {name: infer, memory: 20GB, isolation: hard}
EOF
run recommend "$WORK/mixn.yaml" -f json -o "$WORK/mixn.json"
expect_rc 0
sed 's/replicas: 50/replicas: 70/' "$WORK/mixn.yaml" >"$WORK/mixn70.yaml"
run recommend "$WORK/mixn70.yaml" --from "$WORK/mixn.json" -f json -o "$WORK/mixn70.json"
expect_rc 0
cp "$WORK/mixn70.json" "$WORK/out"
expect_json '[(p["gpu"], p["replicas"]) for t in j["tenants"] if t["name"] == "notebook" for p in t["parts"]]' \
    "[('h100-80gb', 60), ('l4', 10)]"
expect_json '(j["incremental"]["kept"], j["incremental"]["added_in_place"], j["incremental"]["on_unused_gpus"], j["incremental"]["gpus_reconfigured"])' '(51, 10, 10, 0)'
run check "$WORK/mixn70.json"
expect_rc 0
run diff "$WORK/mixn.json" "$WORK/mixn70.json"
expect_out 'Summary: 0 same, 2 in place, 0 reconfigured, 1 added, 0 removed; 0 GPUs to drain'

t "check accepts a tenant whose first part is whole-GPU time-slicing and whose next part time-slices MIG instances"
cat >"$WORK/sp-a.yaml" <<'EOF'
version: 1
fleet:
  - {gpu: h100-80gb, nodes: [h0], gpus_per_node: 2}
  - {gpu: l4, nodes: [l0], gpus_per_node: 2}
tenants:
  - {name: t0, memory: 4GB, replicas: 15, isolation: none, environment: container}
  - {name: t1, memory: 4GB, replicas: 15, isolation: none, environment: container}
EOF
sed 's/name: t1, memory: 4GB, replicas: 15/name: t1, memory: 4GB, replicas: 21/' "$WORK/sp-a.yaml" >"$WORK/sp-b.yaml"
run recommend "$WORK/sp-a.yaml" -f json -o "$WORK/sp-a.json"
expect_rc 0
run recommend "$WORK/sp-b.yaml" --from "$WORK/sp-a.json" -f json -o "$WORK/sp-b.json"
expect_rc 0
cp "$WORK/sp-b.json" "$WORK/out"
expect_json '[(t["name"], t["gpu"], [(p["gpu"], p["method"], p["profile"], p["replicas"]) for p in t.get("parts") or []]) for t in j["tenants"]][1]' \
    "('t1', 'l4', [('l4', 'time-slicing', None, 12), ('h100-80gb', 'time-slicing', '7g.80gb', 9)])"
run check "$WORK/sp-b.json"
expect_rc 0

t "report and diff read plans with time-sliced MIG instances"
run recommend "$WORK/nb25.yaml" -f json -o "$WORK/nb25.json"
expect_rc 0
run diff "$WORK/nbn.json" "$WORK/nb25.json"
expect_rc 1
run report "$WORK/nbn.json" -o "$WORK/nbn.html"
expect_rc 0

t "100 notebooks on one H100: 7 instances of 5 placed, the rest unplaced with the reason in replicas"
sed 's/replicas: 20/replicas: 100/' tests/data/sharing/notebooks-h100.yaml >"$WORK/nb100.yaml"
run recommend "$WORK/nb100.yaml" -f json -o "$WORK/nb100.json"
expect_rc 1
cp "$WORK/nb100.json" "$WORK/out"
expect_json '[(t["placed"], len(g["instances"])) for t in j["tenants"] for g in j["gpus"]]' '[(35, 7)]'
expect_json '[(u["replicas"], u["causes"][0]["code"], u["causes"][0]["method"], u["causes"][0]["text"]) for u in j["unplaced"]]' \
    "[(65, 'exhausted', 'time-slicing', 'h100-80gb: fleet exhausted: 1 of 1 GPU in use; 65 replicas left, 5 time-sliced to each 1g.10gb MIG instance: 13 instances')]"
run check "$WORK/nb100.json" --allow-unplaced
expect_rc 0
