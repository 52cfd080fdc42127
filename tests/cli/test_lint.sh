# gpuvplan lint: mig-parted, vgpu-device-manager and device-plugin configs (tests/data/lint/).
# The summaries of the documents wrap to the width; wide enough here that each is one line
# (tests/cli/test_terminal.sh tests the wrapping).
COLUMNS=200
export COLUMNS

t "valid configs of every kind are clean, exit 0, and say what they were checked on"
for f in tests/data/lint/*.yaml; do
    run lint "$f"
    expect_rc 0
    expect_no_out "error:"
    expect_no_out "warning:"
    expect_err_empty
done
run lint tests/data/lint/migparted-ok.yaml
expect_out "tests/data/lint/migparted-ok.yaml: mig-parted config, checked on a100-40gb, a100-80gb, h100-80gb"
run lint tests/data/lint/vgpu-ok.yaml
expect_out "vgpu-device-manager config, checked on h100-80gb, l40s"
run lint tests/data/lint/configmap-ok.yaml
expect_out "tests/data/lint/configmap-ok.yaml [config.yaml]: mig-parted config, checked on h100-80gb"

t "every broken config gets its exact finding and exit 1"
for f in tests/data/lint/bad/*.yaml; do
    want=$(sed -n '1s/^# expect: //p' "$f")
    run lint "$f"
    expect_rc 1
    expect_out "$want"
    expect_err_empty
done

t "a ConfigMap's findings point into the outer file, for | and |- blocks"
run lint tests/data/lint/bad/configmap-two-keys.yaml
expect_out "tests/data/lint/bad/configmap-two-keys.yaml:20:13: error: '2g.20gb'"
expect_out "configmap-two-keys.yaml [plugin.yaml]: device-plugin config"
cat >"$WORK/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
data:
  config.yaml: |-
      version: v1
      mig-configs:
        x:
          - devices: al
            mig-enabled: false
EOF
run lint "$WORK/cm.yaml"
expect_rc 1
expect_out "cm.yaml:8:22: error: 'devices' must be 'all' or a list of GPU indexes, not 'al'"

t "a syntax error inside a ConfigMap's document is reported at its outer position, exit 3"
cat >"$WORK/cm2.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
data:
  config.yaml: |
    version: v1
    mig-configs: [unclosed
EOF
run lint "$WORK/cm2.yaml"
expect_rc 3
expect_err "cm2.yaml:7:"
if [ -s "$WORK/out" ]; then bad "output on stdout"; else ok; fi

t "an entry without device-filter is checked on --gpu models, else on every model knowing its profiles"
cat >"$WORK/nofilter.yaml" <<'EOF'
version: v1
mig-configs:
  four-2g:
    - devices: all
      mig-enabled: true
      mig-devices:
        "2g.20gb": 4
EOF
run lint "$WORK/nofilter.yaml"
expect_rc 1
expect_out "nofilter.yaml:7:9: error: '2g.20gb' allows at most 3 per GPU on h100-80gb and 4 are asked"
expect_out "checked on"
run lint "$WORK/nofilter.yaml" --gpu a100-40gb
expect_rc 1
expect_out "nofilter.yaml:7:9: error: MIG profile '2g.20gb' does not exist on a100-40gb (did you mean '2g.10gb'?)"
expect_out "mig-parted config, checked on a100-40gb"
run lint "$WORK/nofilter.yaml" --gpu no-such-gpu
expect_rc 3
expect_err "unknown GPU 'no-such-gpu'"

t "--kind forces the kind; a file of no known kind exits 3"
cat >"$WORK/other.yaml" <<'EOF'
tenants: []
EOF
run lint "$WORK/other.yaml"
expect_rc 3
expect_err "other.yaml:1:1: error: not a mig-parted, vgpu-device-manager or device-plugin config"
run lint "$WORK/other.yaml" --kind migparted
expect_rc 1
expect_out "other.yaml:1:1: error: unknown key 'tenants' in the top level"
expect_out "other.yaml:1:1: error: missing required key 'version'"
run lint "$WORK/other.yaml" --kind nonsense
expect_rc 2
expect_err "unknown kind 'nonsense'"

t "-f json lists files, documents, models and findings with codes"
run lint tests/data/lint/bad/mp-overlap.yaml tests/data/lint/configmap-ok.yaml -f json
expect_rc 1
expect_json 'len(j["files"])' "2"
expect_json 'j["files"][0]["documents"][0]["kind"]' "mig-parted"
expect_json 'j["files"][0]["documents"][0]["models"]' "['h100-80gb']"
expect_json 'j["files"][1]["documents"][0]["configmap_key"]' "config.yaml"
expect_json 'j["findings"][0]["code"]' "overlapping-entries"
expect_json '(j["findings"][0]["line"], j["findings"][0]["col"], j["findings"][0]["severity"])' "(10, 7, 'error')"
expect_json 'j["files"][0]["errors"]' "1"
run lint tests/data/lint/vgpu-ok.yaml -f json
expect_rc 0
expect_json 'j["findings"]' "[]"

t "hostile input: anchors, binary bytes, an oversized file, a missing file; exit 3, nothing on stdout"
cat >"$WORK/anchor.yaml" <<'EOF'
version: v1
mig-configs:
  a: &x
    - devices: all
      mig-enabled: false
  b: *x
EOF
run lint "$WORK/anchor.yaml"
expect_rc 3
expect_err "anchor.yaml:3:6: error: YAML anchors (&x) are not supported"
if [ -s "$WORK/out" ]; then bad "output on stdout"; else ok; fi
printf 'version: v1\nmig-configs:\n  a: \001\002\377\n' >"$WORK/binary.yaml"
run lint "$WORK/binary.yaml"
expect_rc 3
expect_err "binary.yaml:1:1: error: control characters are not allowed"
if [ -s "$WORK/out" ]; then bad "output on stdout"; else ok; fi
head -c 104857600 /dev/zero | tr '\0' '#' >"$WORK/huge.yaml"
run lint "$WORK/huge.yaml"
expect_rc 3
expect_err "huge.yaml: error: file is larger than the 16 MiB limit"
rm -f "$WORK/huge.yaml"
run lint tests/data/lint/vgpu-ok.yaml "$WORK/missing.yaml"
expect_rc 3
expect_err "missing.yaml: error: cannot open"
if [ -s "$WORK/out" ]; then bad "partial output on stdout"; else ok; fi

t "usage: no file is exit 2, -h is exit 0"
run lint
expect_rc 2
expect_err "no FILE to check"
run lint -h
expect_rc 0
expect_out "usage: gpuvplan lint FILE..."

t "entries with different subsystem ids do not overlap; one without a subsystem overlaps both"
cat >"$WORK/sub.yaml" <<'YAML'
version: v1
mig-configs:
  by-board:
    - device-filter: "0x233010DE:0x16C110DE"
      devices: all
      mig-enabled: true
      mig-devices: {"7g.80gb": 1}
    - device-filter: "0x233010DE:0x16C210DE"
      devices: all
      mig-enabled: false
    - device-filter: "0x233010DE"
      devices: [1]
      mig-enabled: false
YAML
run lint "$WORK/sub.yaml"
expect_rc 1
expect_out "sub.yaml:11:7: error: this entry of config 'by-board' selects GPU 1, as does the entry at line 4"
expect_no_out "sub.yaml:8:7"

t "a ConfigMap without any config exits 3; a data key of no known kind is a warning"
cat >"$WORK/cm3.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
data:
  notes.txt: |
    hello: world
YAML
run lint "$WORK/cm3.yaml"
expect_rc 3
expect_err "cm3.yaml:4:3: error: no data key of this ConfigMap holds a mig-parted, vgpu-device-manager or device-plugin config"
cat >"$WORK/cm4.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
data:
  notes.txt: "hello: world"
  plugin.yaml: |
    version: v1
    flags: {migStrategy: none}
YAML
run lint "$WORK/cm4.yaml"
expect_rc 1
expect_out "cm4.yaml:4:3: warning: ConfigMap data 'notes.txt' is not a mig-parted, vgpu-device-manager or device-plugin config; not checked"

t "the output says how each entry's models were chosen"
run lint "$WORK/nofilter.yaml" -f json
expect_json 'j["files"][0]["documents"][0]["entries"][0]["selected_by"]' "profile-names"
expect_json '"h100-80gb" in j["files"][0]["documents"][0]["entries"][0]["models"]' "True"
run lint "$WORK/nofilter.yaml"
expect_out "(1 entry without device-filter on every model that knows its names)"
run lint "$WORK/nofilter.yaml" -g a100-40gb -f json
expect_json 'j["files"][0]["documents"][0]["entries"][0]["selected_by"]' "gpu-option"
expect_json 'j["files"][0]["documents"][0]["entries"][0]["models"]' "['a100-40gb']"
run lint tests/data/lint/bad/mp-overlap.yaml -f json
expect_json '[(e["config"], e["line"], e["selected_by"]) for e in j["files"][0]["documents"][0]["entries"]]' "[('overlap', 5, 'device-filter'), ('overlap', 10, 'device-filter')]"
