# The decision rules against NVIDIA's support statements (issue 11 §7): each case was decided
# wrongly before; explain's trace says why it is decided as it is now.

t "hard isolation keeps a whole-GPU vGPU type: an L40S VM with hard isolation and live migration gets L40S-48C"
run_env COLUMNS=300 explain tests/data/audit/whole-gpu-vgpu.yaml
expect_rc 0
expect_out_line '^regulated-vm: vgpu L40S-48C on l40s$'
expect_out_line '^small-secure-vm: vgpu L40S-48C on l40s$'
expect_out "'hard-isolation-excludes-time-sliced-vgpu' leaves only types that hold the GPU alone: L40S-48C fits"
expect_out "+ hard-isolation-excludes-time-sliced-vgpu: excludes shared types"
expect_out "2 tenants: 2 with a method, 0 without"
run explain tests/data/audit/whole-gpu-vgpu.yaml -f json
expect_json '[t["profile"] for t in j["tenants"]]' "['L40S-48C', 'L40S-48C']"
expect_json '[t["decided_by"] for t in j["tenants"]]' "['gpu-without-mig', 'gpu-without-mig']"
run recommend tests/data/audit/whole-gpu-vgpu.yaml -f json
expect_rc 0
expect_json 'j["summary"]["placed"], j["summary"]["gpus_used"]' "(2, 2)"
expect_json 'sorted(len(g["instances"]) for g in j["gpus"])' "[1, 1]"

t "hard isolation still prefers passthrough on an L40S when the VM need not migrate"
printf 'version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: l40s, count: 1}]\ntenants:\n  - {name: v, memory: 8GB, isolation: hard, environment: vm}\n' >"$WORK/hard.yaml"
run explain "$WORK/hard.yaml" -f json
expect_rc 0
expect_json 'j["tenants"][0]["method"], j["tenants"][0]["decided_by"]' "('passthrough', 'hard-isolation')"
expect_json 'any("fits (L40S-48C), but passthrough comes first" in r["reason"] for r in j["tenants"][0]["rejected"]["vgpu"])' True

t "gpus: 2 on a migrating VM is two whole-GPU vGPUs on two distinct GPUs (multi-vGPU); a pod gets passthrough"
run_env COLUMNS=300 explain tests/data/audit/multi-vgpu.yaml
expect_rc 0
expect_out_line '^train-vm: vgpu L40S-48C on l40s$'
expect_out "2 GPUs per replica need a type that holds a GPU alone on each:"
expect_out "2 x L40S-48C fit (one per GPU"
expect_out_line '^train-pod: passthrough'
run recommend tests/data/audit/multi-vgpu.yaml
expect_out "licences   NVIDIA AI Enterprise for 4 vGPUs"
run recommend tests/data/audit/multi-vgpu.yaml -f json -o "$WORK/multi.json"
expect_rc 0
run check "$WORK/multi.json"
expect_rc 0
"$PY" - "$WORK/multi.json" >"$WORK/out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in j["tenants"]}
vm = [(g["id"], i["replica"], i["part"], i["profile"]) for g in j["gpus"] for i in g["instances"]
      if i["tenant"] == "train-vm"]
print("whole", t["train-vm"]["whole_gpus"], t["train-vm"]["placed"], t["train-vm"]["method"])
print("gpus", len(vm), len({g for g, _, _, _ in vm}))
print("parts", sorted((r, p) for _, r, p, _ in vm))
print("types", sorted({p for _, _, _, p in vm}))
print("alone", all(len(g["instances"]) == 1 for g in j["gpus"]))
EOF
expect_out "whole 2 2 vgpu"
expect_out "gpus 4 4"
expect_out "parts [(0, 0), (0, 1), (1, 0), (1, 1)]"
expect_out "types ['L40S-48C']"
expect_out "alone True"

t "RTX PRO 6000: graphics runs on +gfx MIG instances; MIG-backed Q types need vWS, not AI Enterprise"
run explain tests/data/audit/rtx-pro-graphics.yaml
expect_rc 0
expect_out_line '^cad-vm: mig-vgpu DC-1-24Q \(1g\.24gb\+gfx\) on rtx-pro-6000$'
expect_out_line '^render-pod: mig 1g\.24gb\+gfx on rtx-pro-6000$'
expect_out "graphics needs a +gfx profile"
expect_out_line '^compute-vm: passthrough'
run explain tests/data/audit/rtx-pro-graphics.yaml -f json
expect_json '[r["rule"] for r in j["tenants"][2]["rejected"]["mig-vgpu"]]' "['mig-backed-vgpu-needs-ai-enterprise']"
run recommend tests/data/audit/rtx-pro-graphics.yaml -f json
expect_rc 0
expect_json '{t["name"]: t["license"] for t in j["tenants"]}' \
    "{'cad-vm': 'NVIDIA RTX Virtual Workstation', 'render-pod': None, 'compute-vm': None}"
printf 'version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: rtx-pro-6000, count: 1}]\ntenants:\n  - {name: cad, memory: 20GB, isolation: hard, workload: graphics, environment: vm}\n' >"$WORK/aie.yaml"
run explain "$WORK/aie.yaml" -f json
expect_rc 1
expect_json '[r["reason"].split("; ")[-1] for r in j["tenants"][0]["rejected"]["mig-vgpu"]]' \
    "[\"Q by 'q-series-needs-vws'\"]"
printf 'version: 1\nlicenses: {vws: true}\nfleet: [{gpu: h100-80gb, count: 1}]\ntenants:\n  - {name: render, memory: 20GB, workload: graphics}\n' >"$WORK/h100.yaml"
run explain "$WORK/h100.yaml" -f json
expect_rc 1
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["mig"]][:2]' "['desktops-exclude-mig', 'desktops-need-a-graphics-gpu']"

t "containers cannot use hypervisor vGPU (time-sliced or MIG-backed); VMs can"
run explain tests/data/audit/containers.yaml -f json
expect_rc 0
expect_json '[(t["name"], t["method"], t["profile"]) for t in j["tenants"]]' \
    "[('pod-l40s', 'passthrough', None), ('vm-l40s', 'vgpu', 'L40S-12C'), ('pod-h100', 'mig', '1g.10gb')]"
expect_json '[r["rule"] for r in j["tenants"][0]["rejected"]["vgpu"]]' "['containers-exclude-hypervisor-vgpu']"
expect_json '"containers-exclude-hypervisor-vgpu" in [r["rule"] for r in j["tenants"][2]["rejected"]["mig-vgpu"]]' True
run_env COLUMNS=300 explain tests/data/audit/containers.yaml --tenant pod-l40s
expect_out "because   containers-exclude-hypervisor-vgpu: vGPU is made by the Virtual"
expect_out "passthrough is the only method left: vgpu, mig-vgpu, mig came first in"

t "os: windows removes bare MIG (MIG is Linux only); the default is linux; a typo gets did-you-mean"
run explain tests/data/audit/os.yaml -f json
expect_rc 0
expect_json '[(t["name"], t["method"], t["profile"]) for t in j["tenants"]]' \
    "[('linux-pod', 'mig', '1g.10gb'), ('windows-pod', 'passthrough', None), ('windows-vm', 'mig-vgpu', 'H100-1-10C')]"
expect_json '[r["rule"] for r in j["tenants"][1]["rejected"]["mig"]]' "['bare-mig-needs-linux']"
expect_json 'j["tenants"][1]["decided_by"]' bare-mig-needs-linux
# Tenants that differ only in os are different kinds: recommend decides each (not once for both).
# (The fleet's two H100s go to the first two; the VM is left out.)
run recommend tests/data/audit/os.yaml -f json
expect_rc 1
expect_json '[(t["name"], t["method"]) for t in j["tenants"]]' \
    "[('linux-pod', 'mig'), ('windows-pod', 'passthrough')]"
run explain tests/data/audit/os.yaml --tenant windows-pod
expect_out "asks      1 replica of 10GB; isolation hard; inference; container; windows"
run explain tests/data/audit/os.yaml --tenant linux-pod
expect_no_out "container; linux"
run explain tests/data/bad/tenants-os-typo.yaml
expect_rc 3
expect_err "'os' of tenant 'w' must be linux or windows, not 'windws' (did you mean 'windows'?)"

t "decided_by names the rule that decided, over several tenants: forced choices name the exclusion"
run recommend tests/data/audit/decided-by.yaml -f json
expect_rc 0
expect_json '{t["name"]: (t["method"], t["decided_by"]) for t in j["tenants"]}' \
    "{'huge-pod': ('passthrough', 'memory-above-one-gpu'), 'small-pod': ('mig', 'multi-tenancy-on-mig'), 'share-vm': ('vgpu', 'otherwise-vgpu'), 'locked-vm': ('vgpu', 'gpu-without-mig')}"
run explain tests/data/audit/decided-by.yaml -f json
expect_json '{t["name"]: (t["decided_by"], t["ordered_by"]) for t in j["tenants"]}' \
    "{'huge-pod': ('memory-above-one-gpu', 'multi-tenancy-on-mig'), 'small-pod': ('multi-tenancy-on-mig', 'multi-tenancy-on-mig'), 'share-vm': ('otherwise-vgpu', 'otherwise-vgpu'), 'locked-vm': ('gpu-without-mig', 'hard-isolation-with-live-migration')}"
run_env COLUMNS=300 explain tests/data/audit/decided-by.yaml --tenant huge-pod
expect_out "because   memory-above-one-gpu: the tenant needs more memory than one GPU"
expect_out "passthrough is the only method left: mig, mig-vgpu, vgpu came first in the order of 'multi-tenancy-on-mig'"
expect_no_out "because   multi-tenancy-on-mig"
run recommend tests/data/audit/decided-by.yaml --explain
expect_out_line '^    decided by memory-above-one-gpu$'

t "rules lists the new rules with their sources, and exclude_shared"
run rules -f json
expect_rc 0
expect_json '[r["exclude_shared"] for r in j["rules"] if r["id"] == "hard-isolation-excludes-time-sliced-vgpu"]' "[['vgpu', 'mig-vgpu']]"
expect_json '[r["sources"] for r in j["rules"] if r["id"] == "bare-mig-needs-linux"]' "[['mig-deploy']]"
expect_json '[r["exclude"] for r in j["rules"] if r["id"] == "containers-exclude-hypervisor-vgpu"]' "[['vgpu', 'mig-vgpu']]"
run rules
expect_out "shared   vgpu, mig-vgpu"


t "advise --os windows: no bare MIG, and the forced choice names the rule that forced it"
run advise --gpu h100-80gb --isolation hard --memory 10GB --os windows -f json
expect_rc 0
expect_json 'j["method"], j["decided_by"], j["ordered_by"]' "('passthrough', 'bare-mig-needs-linux', 'hard-isolation')"
run advise --gpu h100-80gb --isolation hard --memory 10GB --os windows
expect_out "decided by  bare-mig-needs-linux: MIG is supported only on Linux"
run advise --gpu h100-80gb --memory 1GB --os windows --tenant-yaml
expect_out "    os: windows"
run advise --os windos
expect_rc 2
expect_err "unknown os 'windos' (did you mean 'windows'?)"

t "recommend --from keeps a multi-vGPU replica whole: both of its GPUs, and check passes"
run recommend tests/data/audit/multi-vgpu.yaml -f json -o "$WORK/multi.json"
expect_rc 0
run recommend tests/data/audit/multi-vgpu.yaml --from "$WORK/multi.json" -f json -o "$WORK/again.json"
expect_rc 0
run check "$WORK/again.json"
expect_rc 0
"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print("vm parts", sum(1 for g in j["gpus"] for i in g["instances"] if i["tenant"] == "train-vm"))' "$WORK/again.json" >"$WORK/out"
expect_out "vm parts 4"
run recommend tests/data/audit/multi-vgpu.yaml --from "$WORK/multi.json"
expect_out "3 replicas kept where they were"

t "a multi-vGPU replica larger than the fleet, or beyond its room, is unplaced with the reason"
run_env COLUMNS=200 recommend tests/data/audit/multi-vgpu-too-big.yaml
expect_rc 1
expect_out "l40s: a replica needs 4 whole GPUs and the fleet has 3"
expect_out "it needs 2 L40S-48C vGPUs, one per GPU"
