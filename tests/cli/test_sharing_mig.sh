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
