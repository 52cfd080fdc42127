# gpuvplan gpus / show / global behaviour

t "gpus lists every required model"
run gpus
expect_rc 0
for id in a100-40gb a100-80gb a30 h100-80gb h100-94gb h100-96gb h20 h200-141gb gh200-144gb \
    b200 gb200 b300 gb300 rtx-pro-6000 l40s l40 l4 a40 a10 a16 a2 t4 rtx-6000-ada v100-16gb \
    v100-32gb h100-pcie l20 l2 rtx-5000-ada rtx-5880-ada; do
    expect_out_line "^$id "
done

t "gpus -f json is an object with ids"
run gpus -f json
expect_rc 0
# One model per file in profiles/gpus/.
nmodels=0
for f in profiles/gpus/*.yaml; do nmodels=$((nmodels + 1)); done
expect_json 'len(j["gpus"])' "$nmodels"
expect_json '[g["id"] for g in j["gpus"] if g["id"]=="h100-80gb"][0]' h100-80gb
expect_json '[g["mig"] for g in j["gpus"] if g["id"]=="l40s"][0]' None

t "show h100-80gb: 1g.20gb starts at 0,2,4,6 with size 2 and max 4"
run show h100-80gb
expect_rc 0
expect_out_line '^  1g\.20gb +15 +2 +4 .*\^ - \^ - \^ - \^ - +0,2,4,6$'
run show h100-80gb -f json
expect_rc 0
expect_json '[p for p in j["mig"]["profiles"] if p["name"]=="1g.20gb"][0]["starts"]' '[0, 2, 4, 6]'
expect_json '[p for p in j["mig"]["profiles"] if p["name"]=="1g.20gb"][0]["size"]' 2
expect_json '[p for p in j["mig"]["profiles"] if p["name"]=="1g.20gb"][0]["max"]' 4
expect_json 'j["mig"]["units"]' 8
expect_json '[t["max"] for t in j["vgpu"]["types"] if t["name"]=="H100-4C"][0]' 20
expect_json '[t["mig_profile"] for t in j["vgpu"]["types"] if t["name"]=="H100-1-20C"][0]' 1g.20gb
expect_json 'len(j["sources"]) > 0' True

t "show resolves aliases and PCI ids case-insensitively"
run show 0x2330
expect_rc 0
expect_out "(h100-80gb)"
run show H100-SXM5-80gb
expect_rc 0
expect_out "(h100-80gb)"

t "show a model without MIG"
run show l40s -f json
expect_rc 0
expect_json 'j["mig"]' None

t "an unknown GPU suggests the closest id"
run show h100-8gb
expect_rc 3
expect_err "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?)"

t "names as nvidia-smi, GPU feature discovery and the PCI-id tools write them"
run show "NVIDIA H200"
expect_rc 0
expect_out "(h200-141gb)"
run show "NVIDIA H100 PCIe"
expect_rc 0
expect_out "(h100-pcie)"
run show NVIDIA-A100-SXM4-80GB
expect_rc 0
expect_out "(a100-80gb)"
run show 0x233010DE:0x16C110DE
expect_rc 0
expect_out "(h100-80gb)"

t "a family name is ambiguous and lists its models; a name that shares little gets no suggestion"
run show a100
expect_rc 3
expect_err "ambiguous GPU 'a100': it could be 'a100-40gb' or 'a100-80gb'"
run mig check h100 1g.10gb
expect_rc 3
expect_err "ambiguous GPU 'h100': it could be 'h100-64gb', 'h100-80gb', 'h100-94gb', 'h100-96gb' or 'h100-pcie'"
run show zzz
expect_rc 3
expect_err "unknown GPU 'zzz'; \`gpuvplan gpus\` lists the models"

t "GB200 profiles answer to their production and pre-production names"
run mig check gb200 7x1g.24gb
expect_rc 0
expect_out "valid: 7 instances"
run mig check gb200 3g.95gb 3g.93gb
expect_rc 0

t "show lists a profile's other names and says which name gpuvplan writes"
run show gb200
expect_rc 0
expect_out "also named: 1g.24gb (accepted wherever a profile is named; plans, configs"
expect_out "and this table write 1g.23gb)"
expect_out "note: pre-production name 1g.24gb"
run show gb200 -f json
expect_rc 0
expect_json '[(p["name"], p["aliases"]) for p in j["mig"]["profiles"]][::3]' \
    "[('1g.23gb', ['1g.24gb']), ('2g.47gb', []), ('7g.186gb', ['7g.189gb'])]"
run show h100-80gb
expect_rc 0
expect_no_out "also named"

t "usage errors exit 2"
run show
expect_rc 2
run gpus --bogus
expect_rc 2
run gpus -f xml
expect_rc 2
run frobnicate
expect_rc 2
expect_err "unknown command 'frobnicate'"
run gpu
expect_rc 2
expect_err "did you mean 'gpus'?"

t "help goes to stdout and exits 0"
run --help
expect_rc 0
expect_out "Exit codes:"
run show --help
expect_rc 0
expect_out "Reading the grid"

t "--profiles overrides an embedded model and adds new ones"
mkdir -p "$WORK/prof"
sed 's/^name: NVIDIA H100 SXM5 80GB$/name: Lab H100/' profiles/gpus/h100-80gb.yaml >"$WORK/prof/h100.yaml"
run --profiles "$WORK/prof" show h100-80gb
expect_rc 0
expect_out "Lab H100"
printf 'id: lab-gpu\nname: Lab GPU\naliases: [LABGPU]\narchitecture: ada\nmemory_mib: 8192\nsources: [{id: me, title: measured}]\n' >"$WORK/prof/lab.yaml"
GPUVPLAN_PROFILES="$WORK/prof" run show labgpu
expect_rc 0
expect_out "(lab-gpu)"
rm -rf "$WORK/prof"

t "a bad --profiles file is reported with file:line:col and exit 3"
mkdir -p "$WORK/prof"
printf 'id: x1\nname: X\narchitecture: hopper\nmemory_mib: 8192\nsources: [{id: a, title: b}]\nmemroy: 3\n' >"$WORK/prof/x.yaml"
run --profiles "$WORK/prof" gpus
expect_rc 3
expect_err "x.yaml:6:1: error: unknown key 'memroy' in the GPU model (did you mean 'memory_mib'?)"
rm -rf "$WORK/prof"
