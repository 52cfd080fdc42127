# gpuvplan export: a checked plan as mig-parted, labels, vgpu-device-manager, device-plugin, dra.

plan=tests/data/export/plan.json

t "docs/examples holds exactly what the binary exports for the bundled example (make examples)"
CMD="scripts/examples.sh"
if sh scripts/examples.sh "$GPUVPLAN" "$WORK/ex" >"$WORK/out" 2>"$WORK/err"; then ok; else bad "examples.sh failed"; fi
for f in plan.json mig-parted.yaml node-labels.sh node-labels.json vgpu-device-manager.yaml \
    device-plugin.yaml dra.yaml; do
    if cmp -s "$WORK/ex/$f" "docs/examples/$f"; then ok; else bad "docs/examples/$f drifted: run make examples"; fi
done

t "every exported config of the example and of the fixture lints clean (round trip)"
for f in "$WORK/ex/mig-parted.yaml" "$WORK/ex/vgpu-device-manager.yaml" "$WORK/ex/device-plugin.yaml"; do
    run lint "$f"
    expect_rc 0
    expect_no_out "error:"
    expect_no_out "warning:"
done
for to in mig-parted vgpu-device-manager device-plugin; do
    run export "$plan" --to "$to" -o "$WORK/fx-$to.yaml"
    expect_rc 0
    run lint "$WORK/fx-$to.yaml"
    expect_rc 0
    expect_no_out "error:"
done
run_env COLUMNS=200 lint "$WORK/fx-mig-parted.yaml"
expect_out "mig-parted config, checked on a100-80gb, h100-80gb"

t "mig-parted: one config per node layout, device-filter, disjoint entries, quoted profile keys"
run export docs/examples/plan.json --to mig-parted
expect_rc 0
expect_out "placements cannot be expressed"
expect_out "version: v1"
expect_out "  all-disabled:"
expect_out '    - device-filter: ["0x233010DE", "0x233610DE", "0x232410DE"]'
expect_out '        "1g.10gb+me": 1'
expect_out "      devices: [3, 4, 5, 6, 7]"
run export "$plan" --to mig-parted
expect_out "  # nodes hgx-a, hgx-b, hgx-c (h100-80gb, 2 GPUs)"
n=$(grep -c '^  gpuvplan-h100-80gb-' "$WORK/out")
if [ "$n" = 1 ]; then ok; else bad "$n h100 configs for three nodes of one layout"; fi
expect_err "note: 1 GPU of fleet entries without nodes left out"

t "labels: one kubectl line per node, every value shell-quoted, and the same as data with -f json"
run export "$plan" --to labels
expect_rc 0
expect_out_line "^kubectl label node 'hgx-a' 'nvidia.com/mig.config=gpuvplan-h100-80gb-[0-9a-f]{8}' 'nvidia.com/device-plugin.config=gpuvplan-mig-mixed' 'pool=train' --overwrite$"
expect_out_line "^kubectl label node 'vdi-1' 'nvidia.com/vgpu.config=gpuvplan-l40s-[0-9a-f]{8}' 'nvidia.com/device-plugin.config=gpuvplan-mig-none' --overwrite$"
# Run the script against a stand-in kubectl: the arguments arrive intact.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nfor a in "$@"; do printf "[%%s]" "$a"; done; echo\n' >"$WORK/bin/kubectl"
chmod +x "$WORK/bin/kubectl"
cp "$WORK/out" "$WORK/labels.sh"
CMD="sh labels.sh"
PATH="$WORK/bin:$PATH" sh "$WORK/labels.sh" >"$WORK/out" 2>"$WORK/err"
RC=$?
expect_rc 0
expect_out_line '^\[label\]\[node\]\[dgx-single\]\[nvidia.com/mig.config=gpuvplan-a100-80gb-[0-9a-f]{8}\]\[nvidia.com/device-plugin.config=gpuvplan-mig-single\]\[--overwrite\]$'
run export "$plan" --to labels -f json
expect_rc 0
expect_json "j['nodes'][3]['name']" "dgx-single"
expect_json "j['nodes'][3]['labels']['nvidia.com/device-plugin.config']" "gpuvplan-mig-single"
expect_json "j['nodes'][0]['labels']['pool']" "train"
expect_json "j['nodes'][0]['labels']['nvidia.com/mig.config'] == j['nodes'][2]['labels']['nvidia.com/mig.config']" "True"

t "vgpu-device-manager: types per GPU; MIG-backed types included"
run export docs/examples/plan.json --to vgpu-device-manager
expect_rc 0
expect_out "vgpu-configs:"
expect_out '        "H100-3-40C": 1'
expect_out '    - device-filter: "0x26B910DE"'
expect_out '        "L40S-2B": 16'

t "device-plugin: a ConfigMap with one config per strategy and the resources each node advertises"
run export docs/examples/plan.json --to device-plugin
expect_rc 0
expect_out "kind: ConfigMap"
expect_out "  gpuvplan-mig-mixed: |"
expect_out "      migStrategy: mixed"
expect_out "nvidia.com/mig-1g.10gb.me"
expect_no_out "sharing:"

t "dra: a ResourceClaimTemplate per MIG or passthrough tenant, names DNS-1123"
run export "$plan" --to dra
expect_rc 0
expect_out "kind: ResourceClaimTemplate"
expect_out "deviceClassName: mig.nvidia.com"
expect_out "profile == '1g.10gb'"
expect_out_line "^  name: big-model-[0-9a-f]{8}$"
expect_out "# 3 vGPU tenants: no claim"

t "a plan edited to overlap is refused like check refuses it: exit 3, nothing written"
"$PY" - "$plan" "$WORK/overlap.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
for g in p["gpus"]:
    if g["id"] == "dgx-single/0":
        g["instances"][1]["start"] = 0
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF
run export "$WORK/overlap.json" --to mig-parted -o "$WORK/o.yaml"
expect_rc 3
expect_err "gpu 'dgx-single/0'"
expect_err "error: the plan fails"
expect_err "nothing exported"
if [ -e "$WORK/o.yaml" ]; then bad "o.yaml written"; else ok; fi
echo keep >"$WORK/o.yaml"
run export "$WORK/overlap.json" --to labels -o "$WORK/o.yaml"
expect_rc 3
if [ "$(cat "$WORK/o.yaml")" = keep ]; then ok; else bad "o.yaml replaced"; fi

t "hostile plans: anchors, binary bytes, 100 MB: a clear error, exit 3, nothing on stdout"
printf 'schema: gpuvplan.plan/1\ngpus: &g []\ntenants: *g\n' >"$WORK/anchors.yaml"
run export "$WORK/anchors.yaml" --to mig-parted
expect_rc 3
expect_err "anchors.yaml:2:7: error: YAML anchors (&g) are not supported"
if [ -s "$WORK/out" ]; then bad "output on stdout"; else ok; fi
printf '{"schema": "gpuvplan.plan/1", \001\377\376}' >"$WORK/binary.json"
run export "$WORK/binary.json" --to labels
expect_rc 3
expect_err "binary.json:1:"
if [ -s "$WORK/out" ]; then bad "output on stdout"; else ok; fi
: >"$WORK/big.json"
truncate -s 100M "$WORK/big.json" 2>/dev/null || dd if=/dev/zero of="$WORK/big.json" bs=1 count=0 seek=100M 2>/dev/null
run export "$WORK/big.json" --to dra -o "$WORK/big.out"
expect_rc 3
expect_err "is larger than the 16 MiB limit"
if [ -e "$WORK/big.out" ]; then bad "big.out written"; else ok; fi
rm -f "$WORK/big.json"

t "a plan without nodes is refused with what to add to the fleet"
printf 'version: 1\nfleet: [{gpu: a100-80gb, count: 1}]\ntenants: [{name: a, memory: 9GiB, isolation: hard}]\n' >"$WORK/nonodes.yaml"
run recommend "$WORK/nonodes.yaml" -f json -o "$WORK/nonodes.json"
expect_rc 0
run export "$WORK/nonodes.json" --to mig-parted
expect_rc 3
expect_err "plan has no nodes: export needs the nodes of the fleet (add 'nodes' and 'gpus_per_node'"

t "usage: --to is required and known, -f is for labels, one plan"
run export "$plan"
expect_rc 2
expect_err "--to is required"
run export "$plan" --to mig-partd
expect_rc 2
run export "$plan" --to mig-parted -f json
expect_rc 2
expect_err "-f applies to --to labels only"
run export "$plan" "$plan" --to dra
expect_rc 2
run export --help
expect_rc 0
expect_out "usage: gpuvplan export"

t "a YAML plan exports the same files as its JSON twin"
run recommend docs/examples/tenants.yaml -f yaml -o "$WORK/twin.yaml"
expect_rc 0
for to in mig-parted vgpu-device-manager device-plugin dra labels; do
    run export "$WORK/twin.yaml" --to "$to"
    expect_rc 0
    tail -n +2 "$WORK/out" | grep -v '^# .* of plan ' >"$WORK/from-yaml"
    run export docs/examples/plan.json --to "$to"
    tail -n +2 "$WORK/out" | grep -v '^# .* of plan ' >"$WORK/from-json"
    if cmp -s "$WORK/from-yaml" "$WORK/from-json"; then ok; else bad "--to $to differs between YAML and JSON plans"; fi
done
