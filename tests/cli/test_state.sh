# gpuvplan state: nvidia-smi output of a node -> the state document

t "state of an 8-GPU H100 node in mixed layouts"
run state tests/data/smi/h100-node.txt
expect_rc 0
expect_out_line '^gpu-node-07/0 +h100-80gb +mig +2g\.20gb@0 1g\.10gb@2 1g\.10gb@3 3g\.40gb@4$'
expect_out_line '^gpu-node-07/5 +h100-80gb +mig +-$'
expect_out_line '^gpu-node-07/7 +h100-80gb +whole +-$'
expect_out '8 GPUs on 1 node; 6 in MIG mode with 18 GPU instances'
expect_err_empty

t "state -f json has the plan's GPU keys"
run state tests/data/smi/h100-node.txt -f json
expect_rc 0
expect_json 'j["schema"]' gpuvplan.state/1
expect_json 'j["nodes"][0]["name"]' gpu-node-07
expect_json 'j["nodes"][0]["driver"]' 550.54.15
expect_json 'len(j["gpus"])' 8
expect_json 'j["gpus"][3]["id"]' gpu-node-07/3
expect_json '[(i["profile"], i["start"], i["size"]) for i in j["gpus"][3]["instances"]]' \
    "[('4g.40gb', 0, 4), ('3g.40gb', 4, 4)]"
expect_json 'j["gpus"][6]["mode"]' whole
expect_json 'j["gpus"][0]["pci_device_id"]' 0x2330

t "state JSON validates against docs/state.schema.json"
/usr/bin/python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
    "$WORK/out" docs/state.schema.json && ok || bad "schema validation failed"

t "state -f yaml"
run state tests/data/smi/h100-node.txt -f yaml
expect_rc 0
expect_out 'schema: gpuvplan.state/1'

t "state from a mig-parted export: counts, starts null, and said so"
run state tests/data/smi/h100-export.txt -f json
expect_rc 0
expect_json 'j["gpus"][0]["id"]' h100-export/0
expect_json 'j["gpus"][0]["instances_known"]' counts
expect_json '[i["start"] for i in j["gpus"][0]["instances"]]' '[None, None, None]'
expect_json 'sorted(i["profile"] for i in j["gpus"][0]["instances"])' "['1g.10gb', '1g.10gb', '3g.40gb']"
expect_json 'j["gpus"][1]["mode"]' whole
expect_json 'len(j["notes"])' 1

t "--node names a node for files that name none; several files of one node merge"
cat > "$WORK/q.csv" <<'X'
0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559, Enabled
X
cat > "$WORK/lgi.txt" <<'X'
| GPU instances: |
|   0  MIG 7g.80gb   0  0  0:8 |
X
run state "$WORK/q.csv" "$WORK/lgi.txt" --node n9 -f json
expect_rc 0
expect_json 'len(j["gpus"])' 1
expect_json 'j["gpus"][0]["id"]' n9/0
expect_json 'j["gpus"][0]["instances"][0]["profile"]' 7g.80gb
expect_json 'j["input"]["files"]' "['$WORK/q.csv', '$WORK/lgi.txt']"
run state "$WORK/q.csv" -f json
expect_json 'j["gpus"][0]["id"]' q/0
expect_json 'j["gpus"][0]["instances_known"]' unknown

t "state -o writes the file atomically; an error leaves no file"
run state tests/data/smi/h100-node.txt -f json -o "$WORK/state.json"
expect_rc 0
if [ -s "$WORK/state.json" ]; then ok; else bad "no state.json"; fi
printf '0, NVIDIA Imaginary 9000, 0x999910DE, 1024, Enabled\n' >"$WORK/bad.csv"
run state "$WORK/bad.csv" -o "$WORK/state2.json"
expect_rc 3
expect_err "bad.csv:1:27: error: unknown GPU 'NVIDIA Imaginary 9000' (PCI device 0x9999)"
if [ -e "$WORK/state2.json" ]; then bad "state2.json was written"; else ok; fi

t "state reads standard input"
run_in tests/data/smi/h100-node.txt state - -f json
expect_rc 0
expect_json 'j["gpus"][0]["node"]' gpu-node-07

t "state: bad inputs are file:line:col errors, exit 3"
for f in tests/data/smi/bad/*.txt; do
    want=$(sed -n 's/^# error: //p' "$f" | head -n 1)
    run state "$f"
    expect_rc 3
    expect_err "$f:$want"
done

t "state: binary bytes and huge lines"
printf 'GPU 0: NVIDIA H100\000\001\n' >"$WORK/bin.txt"
run state "$WORK/bin.txt"
expect_rc 3
expect_err 'bin.txt:1:19: error: binary data (byte 0x00)'
/usr/bin/python3 -c 'print("x" * 100000)' >"$WORK/huge.txt"
run state "$WORK/huge.txt"
expect_rc 3
expect_err 'huge.txt:1:4097: error: line longer than 4096 bytes'
: >"$WORK/empty.txt"
run state "$WORK/empty.txt" -f json
expect_rc 0
expect_json 'len(j["gpus"])' 0

t "state usage errors"
run state
expect_rc 2
expect_err 'expected at least one FILE'
run state tests/data/smi/h100-node.txt -f xml
expect_rc 2
run state --help
expect_rc 0
expect_out 'usage: gpuvplan state FILE...'
run state "$WORK/nope.txt"
expect_rc 3
