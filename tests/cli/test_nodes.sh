# Nodes in the fleet: node + index identities, nodes[], spread by node, the single MIG strategy

t "GPUs on nodes are named NODE/INDEX, grouped by node, with the nodes listed"
run recommend tests/data/nodes/hgx.yaml -f json -o "$WORK/hgx.json"
expect_rc 0
cp "$WORK/hgx.json" "$WORK/out"
expect_json '[g["id"] for g in j["gpus"]]' "['hgx-01/0', 'hgx-01/1', 'hgx-01/2', 'hgx-01/3', 'hgx-01/4', 'hgx-01/5', 'hgx-02/0', 'hgx-02/1', 'hgx-02/2', 'hgx-02/3', 'hgx-02/4']"
expect_json 'all(g["id"] == "%s/%d" % (g["node"], g["index"]) for g in j["gpus"])' True
expect_json '[n["name"] for n in j["nodes"]]' "['hgx-01', 'hgx-02', 'gfx-1', 'gfx-2', 'gfx-3']"
expect_json 'j["nodes"][0]["labels"]' "{'topology.kubernetes.io/zone': 'rack-a'}"
expect_json '[(n["model"], n["gpus"], n["mig_strategy"]) for n in j["nodes"][1:3]]' "[('h100-80gb', 8, 'mixed'), ('l40s', 4, 'mixed')]"
expect_json '[l["summary"] for l in j["nodes"][0]["layout"]]' "['mig 1g.10gb', 'mig 1g.20gb x4', 'passthrough', 'passthrough', 'passthrough', 'passthrough', 'unused', 'unused']"
expect_json '[l["gpu"] for l in j["nodes"][4]["layout"]]' "[None, None, None, None]"
expect_json 'j["node_warnings"]' "[]"
run check "$WORK/hgx.json"
expect_rc 0

t "spread: node puts the replicas on distinct nodes; a 4-GPU replica stays on one node"
cp "$WORK/hgx.json" "$WORK/out"
expect_json 'sorted(g["node"] for g in j["gpus"] for i in g["instances"] if i["tenant"] == "web")' "['hgx-01', 'hgx-02']"
expect_json '[(t["spread"], t["spread_nodes"]) for t in j["tenants"] if t["name"] == "web"]' "[(True, True)]"
expect_json 'sorted(set((i["replica"], g["node"]) for g in j["gpus"] for i in g["instances"] if i["tenant"] == "train"))' "[(0, 'hgx-01'), (1, 'hgx-02')]"

t "the table groups GPUs under their node, with labels and unused nodes, within 80 columns"
run recommend tests/data/nodes/hgx.yaml
expect_rc 0
expect_out_line '^node hgx-01  h100-80gb, 8 GPUs \(2 unused\)$'
expect_out_line '^  labels topology\.kubernetes\.io/zone=rack-a$'
expect_out_line '^hgx-02/1  passthrough: train$'
expect_out "unused nodes: gfx-1, gfx-2, gfx-3"
if awk 'length > 80 { exit 1 }' "$WORK/out"; then ok; else bad "a line is wider than 80 columns"; fi

t "a tenant with more replicas than nodes to spread over is unplaced with how many it needs"
run_env COLUMNS=200 recommend tests/data/nodes/spread-too-wide.yaml
expect_rc 1
expect_out "h100-80gb: 3 replicas to spread over distinct nodes and the fleet has 2 nodes"

t "mig_strategy single keeps one MIG profile per node"
run recommend tests/data/nodes/single.yaml -f json
expect_rc 0
expect_json '[(n["name"], n["mig_strategy"], [l["summary"] for l in n["layout"]]) for n in j["nodes"]]' "[('a', 'single', ['mig 1g.10gb x3', 'unused']), ('b', 'single', ['mig 3g.40gb', 'unused'])]"

t "check refuses node fields that do not hold"
/usr/bin/python3 - "$WORK/hgx.json" "$WORK" <<'PY'
import json, sys
src, work = sys.argv[1], sys.argv[2]
base = json.load(open(src))
def edit(name, fn):
    d = json.loads(json.dumps(base))
    fn(d)
    json.dump(d, open("%s/%s.json" % (work, name), "w"))
edit("badnode", lambda d: d["gpus"][0].update(node="hgx-09"))
edit("badindex", lambda d: d["gpus"][0].update(index=8))
edit("dupindex", lambda d: d["gpus"][1].update(index=0, id="hgx-01/0"))
edit("badmodel", lambda d: d["nodes"][0].update(model="l40s"))
def spread(d):
    g = [g for g in d["gpus"] if g["node"] == "hgx-02" and g["index"] == 0][0]
    g.update(node="hgx-01", index=7, id="hgx-01/7")
    for t in d["tenants"]:
        t["gpus"] = ["hgx-01/7" if x == "hgx-02/0" else x for x in t["gpus"]]
edit("spread", spread)
PY
run check "$WORK/badnode.json"
expect_rc 1
expect_out "gpu 'hgx-01/0': is on node 'hgx-09', which is not in nodes"
run check "$WORK/badindex.json"
expect_rc 1
expect_out "gpu 'hgx-01/0': index must be from 0 to 7 on node 'hgx-01'"
run check "$WORK/dupindex.json"
expect_rc 1
expect_out "index 0 of node 'hgx-01' is taken by gpu 'hgx-01/0' too"
run check "$WORK/badmodel.json"
expect_rc 1
expect_out "gpu 'hgx-01/0': is a h100-80gb, but node 'hgx-01' has l40s GPUs"
run check "$WORK/spread.json"
expect_rc 1
expect_out "tenant 'web': spread: node, but replicas 0 and 1 share node 'hgx-01'"

t "plans without nodes keep their ids and have null node and index"
run recommend tests/data/recommend/four-20gb.yaml -f json
expect_rc 0
expect_json '[(g["id"], g["node"], g["index"]) for g in j["gpus"]]' "[('h100-80gb-1', None, None)]"
expect_json 'j["nodes"]' "[]"

t "the example site runs on named nodes"
run recommend docs/examples/tenants.yaml -f json
expect_rc 0
expect_json '[n["name"] for n in j["nodes"]]' "['hgx-01', 'gfx-1']"
expect_json 'all(g["node"] in ("hgx-01", "gfx-1") for g in j["gpus"])' True
