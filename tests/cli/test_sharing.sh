# Kubernetes sharing through the device plugin: time-slicing and MPS (issue 11 §6)

t "pods that need no isolation on 8 L4s without a vGPU licence are time-sliced, 6 to a GPU"
run recommend tests/data/sharing/pods-l4.yaml -f json
expect_rc 0
expect_json '[t["method"] for t in j["tenants"]]' "['time-slicing']"
expect_json '[t["placed"] for t in j["tenants"]]' '[32]'
expect_json '[(g["mode"], g["replicas"], g["client_memory_mib"], len(g["instances"])) for g in j["gpus"]]' \
    "[('time-slicing', 6, None, 6), ('time-slicing', 6, None, 6), ('time-slicing', 6, None, 6), ('time-slicing', 6, None, 6), ('time-slicing', 6, None, 6), ('time-slicing', 6, None, 2)]"
expect_json '[i["start"] for i in j["gpus"][0]["instances"]]' '[0, 1, 2, 3, 4, 5]'
expect_json '(j["summary"]["gpus_used"], j["summary"]["lower_bound"], j["summary"]["optimal"])' '(6, 6, True)'
expect_json 'j["tenants"][0]["decided_by"]' pods-share-gpus-without-mig
run recommend tests/data/sharing/pods-l4.yaml
expect_rc 0
expect_out_line '^l4-1  time-slicing, 6 replicas, memory not enforced: web x 6$'

t "with every licence the pods are still shared by the device plugin, never a hypervisor vGPU"
run recommend tests/data/sharing/pods-l4-licensed.yaml -f json
expect_rc 0
expect_json '[t["method"] for t in j["tenants"]]' "['time-slicing']"
expect_json 'sorted(set(g["mode"] for g in j["gpus"]))' "['time-slicing']"

t "explain ranks time-slicing, then MPS, with the clients one L4 carries"
run explain tests/data/sharing/pods-l4.yaml -f json
expect_rc 0
expect_json '[(c["method"], c["clients_per_gpu"]) for c in j["tenants"][0]["choices"]]' "[('time-slicing', 6)]"
expect_json 'j["tenants"][0]["choices"][0]["order"][:3]' "['time-slicing', 'mps', 'passthrough']"
expect_json 'j["tenants"][0]["rejected"]["mps"][0]["reason"]' \
    "fits (6 per GPU), but time-slicing comes first in the order of 'pods-share-gpus-without-mig'"
run explain tests/data/sharing/pods-l4.yaml
expect_out "web: time-slicing, up to 6 per GPU on l4"
expect_out "clients of 4.00 GiB and 16% of the threads each"

t "hard isolation, VMs and live migration never share a GPU"
run explain tests/data/sharing/mps-limits.yaml --tenant regulated -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["mps"]]' "['hard-isolation-excludes-sharing']"
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["time-slicing"]]' \
    "['hard-isolation-excludes-sharing']"
run explain tests/data/sharing/mps-limits.yaml --tenant vm -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["mps"]]' "['sharing-serves-containers']"
run explain tests/data/scenarios/conflicts.yaml --tenant stuck-vm -f json
expect_json '"sharing-does-not-migrate" in [r["rule"] for r in j["tenants"][0]["rejected"]["mps"]]' True

t "soft isolation may use MPS (memory limited per client) but not time-slicing"
run explain tests/data/sharing/mps-limits.yaml --tenant tiny -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["time-slicing"]]' \
    "['soft-isolation-excludes-time-slicing']"

t "MPS with stated replicas: each client gets 1/replicas; a tenant needing more is unplaced with why"
run recommend tests/data/sharing/mps-limits.yaml -f json
expect_rc 1
expect_json '[(g["mode"], g["replicas"], g["client_memory_mib"]) for g in j["gpus"]][:1]' "[('mps', 3, 8192)]"
expect_json '[(t["name"], t["method"], t["placed"]) for t in j["tenants"]]' \
    "[('third', 'mps', 3), ('tiny', 'mps', 7)]"
expect_json 'len(j["gpus"])' 4
expect_json '[(u["tenant"], u["causes"][0]["code"]) for u in j["unplaced"]]' \
    "[('half', 'share-config'), ('regulated', 'share-config'), ('vm', 'share-config')]"
expect_json '[c["text"] for u in j["unplaced"] if u["tenant"] == "half" for c in u["causes"]]' \
    "['l4: MPS with 3 replicas gives each client 1/3 of the GPU, and a replica needs more (at most 2 such clients per GPU)']"
expect_json '[c["text"] for u in j["unplaced"] if u["tenant"] == "regulated" for c in u["causes"]]' \
    "[\"l4: the fleet shares these GPUs by mps (3 replicas each), and the tenant's rules give it passthrough there\"]"

t "time-slicing keeps the clients' memory and compute within each GPU, as headroom"
run recommend tests/data/sharing/ts-limits.yaml -f json -o "$WORK/ts.json"
expect_rc 0
cp "$WORK/ts.json" "$WORK/out"
expect_json 'all(sum({"half": 10240, "tiny": 100, "busy": 1024}[i["tenant"]] for i in g["instances"]) <= 24576 for g in j["gpus"])' True
expect_json 'all(sum(0.5 for i in g["instances"] if i["tenant"] == "busy") <= 1 for g in j["gpus"])' True
expect_json 'sorted(set(g["replicas"] for g in j["gpus"]))' '[50]'
expect_json '(j["summary"]["replicas_placed"], j["summary"]["gpus_used"], j["summary"]["lower_bound"])' '(107, 3, 3)'
run check "$WORK/ts.json"
expect_rc 0

t "check refuses shared GPUs that break their replicas or memory"
python3 - "$WORK/ts.json" "$WORK/bad-replicas.json" "$WORK/bad-memory.json" "$WORK/bad-mps.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
a = json.loads(json.dumps(j)); a["gpus"][0]["replicas"] = 10
json.dump(a, open(sys.argv[2], "w"))
b = json.loads(json.dumps(j))
moved = b["gpus"][1]["instances"].pop(0)
b["gpus"][0]["instances"].append(dict(moved, start=24))
json.dump(b, open(sys.argv[3], "w"))
c = json.loads(json.dumps(j))
c["gpus"][0].update(mode="mps", replicas=3, client_memory_mib=8192)
json.dump(c, open(sys.argv[4], "w"))
PY
run check "$WORK/bad-replicas.json"
expect_rc 1
expect_out "gpu 'l4-1': 24 clients, more than its 10 replicas"
run check "$WORK/bad-memory.json"
expect_rc 1
expect_out "gpu 'l4-1': its time-sliced clients ask 34768 MiB together, more than its 24576"
run check "$WORK/bad-mps.json"
expect_rc 1
expect_out "gpu 'l4-1': 24 clients, more than its 3 replicas"
expect_out "gpu 'l4-1': instance 0: 'half' needs 10240 MiB and MPS gives each of 3 clients 8192"
expect_out "gpu 'l4-1': instance 2: 'busy' needs compute 0.5 and MPS gives each of 3 clients 1/3"

t "fleet entries state their sharing; export writes it per node and lint accepts it"
run recommend tests/data/sharing/k8s-nodes.yaml -f json -o "$WORK/k8s.json"
expect_rc 1
cp "$WORK/k8s.json" "$WORK/out"
expect_json '[(m["gpu"], m.get("sharing"), m.get("sharing_replicas"), m["gpus"]) for m in j["summary"]["models"]]' \
    "[('l4', 'time-slicing', 4, 3), ('l4', 'mps', 3, 2), ('l40s', None, None, 2)]"
expect_json '[(t["name"], t["method"]) for t in j["tenants"]]' \
    "[('web', 'time-slicing'), ('api', 'mps'), ('batch', 'time-slicing')]"
expect_json '[(n["name"], n.get("sharing")) for n in j["nodes"]]' \
    "[('ts-1', {'strategy': 'time-slicing', 'replicas': 4}), ('ts-2', {'strategy': 'time-slicing', 'replicas': 4}), ('mps-1', {'strategy': 'mps', 'replicas': 3}), ('free-1', None)]"
run check "$WORK/k8s.json" --allow-unplaced
expect_rc 0
python3 - "$WORK/k8s.json" "$WORK/k8s-bad.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["gpus"][0]["replicas"] = 5
json.dump(j, open(sys.argv[2], "w"))
PY
run check "$WORK/k8s-bad.json" --allow-unplaced
expect_rc 1
expect_out "gpu 'ts-1/0': is in time-slicing mode, but node 'ts-1' shares its GPUs by time-slicing with 4 replicas"
run export "$WORK/k8s.json" --to device-plugin -o "$WORK/dp.yaml"
expect_rc 0
cp "$WORK/dp.yaml" "$WORK/out"
expect_out "  gpuvplan-mig-none-ts-4: |"
expect_out "  gpuvplan-mig-none-mps-3: |"
expect_out "#   mps-1 advertises nvidia.com/gpu (3 replicas of each GPU, MPS)"
expect_out "#   ts-2 advertises nvidia.com/gpu (4 replicas of each GPU, time-sliced)"
python3 - "$WORK/dp.yaml" >"$WORK/out" <<'PY'
import sys, yaml
cm = yaml.safe_load(open(sys.argv[1]))
for k in sorted(cm["data"]):
    c = yaml.safe_load(cm["data"][k])
    print(k, c["flags"]["migStrategy"], sorted(c.get("sharing", {})),
          [(r["name"], r["replicas"]) for s in c.get("sharing", {}).values() for r in s["resources"]])
PY
expect_out "gpuvplan-mig-none-mps-3 none ['mps'] [('nvidia.com/gpu', 3)]"
expect_out "gpuvplan-mig-none-ts-4 none ['timeSlicing'] [('nvidia.com/gpu', 4)]"
expect_out "gpuvplan-mig-none-ts-12 none ['timeSlicing'] [('nvidia.com/gpu', 12)]"
run lint "$WORK/dp.yaml"
expect_rc 0
run export "$WORK/k8s.json" --to labels
expect_out "kubectl label node 'mps-1' 'nvidia.com/device-plugin.config=gpuvplan-mig-none-mps-3' --overwrite"
run export "$WORK/k8s.json" --to dra
expect_out "# 3 time-slicing or MPS tenants: no claim"

t "export refuses a node the device plugin's one sharing config cannot express"
run recommend tests/data/sharing/mixed-node.yaml -f json -o "$WORK/mixed.json"
expect_rc 0
run export "$WORK/mixed.json" --to device-plugin -o "$WORK/never.yaml"
expect_rc 3
expect_err "node 'gfx-1' has passthrough GPUs beside shared ones; the device plugin would share them too"
if [ -e "$WORK/never.yaml" ]; then bad "a partial export file"; else ok; fi

t "lint: MPS is refused on MIG devices, as the device plugin refuses it"
cat >"$WORK/mps-mig.yaml" <<'YAML'
version: v1
flags: {migStrategy: mixed}
sharing:
  mps:
    resources:
      - {name: nvidia.com/gpu, replicas: 2}
YAML
run lint "$WORK/mps-mig.yaml"
expect_rc 1
expect_out "MPS sharing does not work with migStrategy mixed"
printf 'version: v1\nsharing:\n  mps:\n    resources:\n      - {name: nvidia.com/gpu, replicas: 64}\n' \
    >"$WORK/mps64.yaml"
run lint "$WORK/mps64.yaml"
expect_rc 1
expect_out "mps64.yaml:5:16: error: 'nvidia.com/gpu' has 64 MPS replicas; an MPS server takes at most 48 clients per GPU"

t "diff: a change of replicas reconfigures a shared GPU; recommend --from re-plans it"
# With the L40S node: the model mix splits web and batch between the L4 and the L40S, and
# recommend --from writes each replica with its own model.
sed 's/replicas: 4}}/replicas: 5}}/' tests/data/sharing/k8s-nodes.yaml >"$WORK/k8s5.yaml"
run recommend "$WORK/k8s5.yaml" -f json -o "$WORK/k8s5.json"
run diff "$WORK/k8s.json" "$WORK/k8s5.json"
expect_rc 1
expect_out_line '^! ts-1/0 +reconfigured +l4 +time-slicing x4 '
# --from re-plans only the GPUs of ts-1, whose node now states 5 replicas: the MPS node and the
# planner's L40S keep their clients (it re-planned every shared GPU, draining five).
run recommend "$WORK/k8s5.yaml" --from "$WORK/k8s.json" -f json -o "$WORK/from.json"
expect_rc 1
cp "$WORK/from.json" "$WORK/out"
expect_json '[(t["name"], [(p["gpu"], p["replicas"]) for p in t.get("parts", [])]) for t in j["tenants"] if t["name"] in ("web", "batch")]' \
    "[('web', [('l4', 6), ('l40s', 14)]), ('batch', [('l4', 2), ('l40s', 2)])]"
expect_json 'j["summary"]["replicas_placed"], j["incremental"]["kept"]' "(30, 22)"
run check "$WORK/from.json" --allow-unplaced
expect_rc 0
run diff "$WORK/k8s.json" "$WORK/from.json" -f json
expect_rc 1
expect_json 'sorted(g["gpu"] for g in j["gpus"] if g["change"] == "reconfigured")' "['ts-1/0', 'ts-1/1', 'ts-1/2']"
# batch needing 22 GiB: the clients of ts-1/0, ts-1/1 (batch and web on an L4) and free-1/0 (two
# of each on an L40S) no longer fit together, so those are planned again (the L4s, whose node
# states its sharing, keep it: changed in place); ts-1/2, free-1/1 and the MPS node keep theirs.
sed 's/name: batch, replicas: 4, memory: 20GiB/name: batch, replicas: 4, memory: 22GiB/' \
    tests/data/sharing/k8s-nodes.yaml >"$WORK/k8sb.yaml"
run recommend "$WORK/k8sb.yaml" --from "$WORK/k8s.json" -f json -o "$WORK/fromb.json"
expect_rc 1
cp "$WORK/fromb.json" "$WORK/out"
expect_json '[m["reason"] for m in j["incremental"]["moved"] if m["tenant"] == "batch"]' \
    "[\"its time-slicing GPU 'ts-1/0' is planned again as a whole (its clients no longer fit it)\"]"
run check "$WORK/fromb.json" --allow-unplaced
expect_rc 0
run diff "$WORK/k8s.json" "$WORK/fromb.json" -f json
expect_json 'sorted((g["gpu"], g["change"]) for g in j["gpus"] if g["change"] != "same")' \
    "[('free-1/0', 'reconfigured'), ('ts-1/0', 'in-place'), ('ts-1/1', 'in-place'), ('ts-1/3', 'added'), ('ts-2/0', 'added')]"
run recommend tests/data/sharing/k8s-nodes.yaml --from "$WORK/k8s.json" -f json -o "$WORK/same.json"
expect_rc 1
run diff "$WORK/k8s.json" "$WORK/same.json"
expect_rc 0
run report "$WORK/k8s.json" -o "$WORK/k8s.html"
expect_rc 0

t "graphics pods: no sharing on a GPU without graphics types; on one with them only with vWS"
printf 'version: 1\nfleet: [{gpu: l4, count: 1}]\ntenants:\n  - {name: viz, memory: 4GB, workload: graphics, isolation: none}\n' >"$WORK/gfx.yaml"
run explain "$WORK/gfx.yaml" -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["time-slicing"]]' "['graphics-passthrough-needs-licence']"
printf 'version: 1\nlicenses: {vws: true}\nfleet: [{gpu: l4, count: 1}]\ntenants:\n  - {name: viz, memory: 4GB, workload: graphics, isolation: none}\n' >"$WORK/gfx.yaml"
run explain "$WORK/gfx.yaml" -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["time-slicing"]]' "['desktops-use-vgpu']"
printf 'version: 1\nlicenses: {vws: true}\nfleet: [{gpu: h100-80gb, count: 1}]\ntenants:\n  - {name: viz, memory: 4GB, workload: graphics, isolation: none}\n' >"$WORK/gfx.yaml"
run explain "$WORK/gfx.yaml" -f json
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["time-slicing"]][:1]' "['desktops-need-a-graphics-gpu']"

t "rules: the sharing rules are listed with their sources"
run rules -f json
expect_json '[r["id"] for r in j["rules"] if "time-slicing" in r["exclude"] or "mps" in r["exclude"]]' \
    "['desktops-need-a-graphics-gpu', 'graphics-passthrough-needs-licence', 'sharing-serves-containers', 'sharing-does-not-migrate', 'hard-isolation-excludes-sharing', 'soft-isolation-excludes-time-slicing', 'whole-gpu-does-not-share']"

t "a spread tenant on GPUs the device plugin shares keeps one replica a GPU (time-slicing and MPS)"
cat >"$WORK/spread-ts.yaml" <<'EOF'
version: 1
fleet:
  - {gpu: l4, count: 4}
tenants:
  - {name: t1, memory: 9GB, replicas: 6, isolation: none, environment: container, spread: true}
EOF
run recommend "$WORK/spread-ts.yaml" -f json -o "$WORK/spread-ts.json"
expect_rc 1
cp "$WORK/spread-ts.json" "$WORK/out"
expect_json '[(g["mode"], len(g["instances"])) for g in j["gpus"]]' \
    "[('time-slicing', 1), ('time-slicing', 1), ('time-slicing', 1), ('time-slicing', 1)]"
expect_json '[t["placed"] for t in j["tenants"]]' '[4]'
run check "$WORK/spread-ts.json" --allow-unplaced
expect_rc 0
cat >"$WORK/spread-mps.yaml" <<'EOF'
version: 1
fleet:
  - {gpu: l4, count: 6, sharing: {strategy: mps, replicas: 4}}
tenants:
  - {name: a, memory: 4GB, replicas: 5, isolation: soft, environment: container, spread: true}
  - {name: b, memory: 4GB, replicas: 3, isolation: soft, environment: container, spread: true}
  - {name: c, memory: 4GB, replicas: 7, isolation: soft, environment: container}
EOF
run recommend "$WORK/spread-mps.yaml" -f json -o "$WORK/spread-mps.json"
expect_rc 0
cp "$WORK/spread-mps.json" "$WORK/out"
expect_json '[sorted(set(i["tenant"] for i in g["instances"] if [x["tenant"] for x in g["instances"]].count(i["tenant"]) > 1)) for g in j["gpus"]]' \
    "[['c'], ['c'], ['c'], [], []]"
expect_json '(j["summary"]["gpus_used"], j["summary"]["lower_bound"])' '(5, 5)'
run check "$WORK/spread-mps.json"
expect_rc 0
