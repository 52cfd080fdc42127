# gpuvplan import-profile: a model's profile file from its nvidia-smi output

t "import-profile of an A100-40GB writes a profile file the database loads"
mkdir -p "$WORK/prof"
run import-profile tests/data/smi/a100-40gb-import.txt -o "$WORK/prof/a100-40gb.yaml"
expect_rc 0
expect_err_empty
if grep -q '^id: a100-40gb$' "$WORK/prof/a100-40gb.yaml"; then ok; else bad "id is not a100-40gb"; fi
if grep -q 'imported from nvidia-smi output (driver 580.65.06)' "$WORK/prof/a100-40gb.yaml"; then
    ok
else
    bad "no source with the driver version"
fi
run --profiles "$WORK/prof" show a100-40gb -f json
expect_rc 0
expect_json 'j["name"]' 'NVIDIA A100-SXM4-40GB'
expect_json 'len(j["mig"]["profiles"])' 7
expect_json '[p["starts"] for p in j["mig"]["profiles"] if p["name"]=="1g.10gb"][0]' '[0, 2, 4, 6]'
expect_json 'j["vgpu"]' None

t "mig check runs against the imported model"
run --profiles "$WORK/prof" mig check a100-40gb 3g.20gb 2g.10gb 1g.5gb 1g.5gb
expect_rc 0
run --profiles "$WORK/prof" mig check a100-40gb 4g.20gb 4g.20gb
expect_rc 1

t "import-profile to standard output"
run import-profile tests/data/smi/a100-40gb-import.txt
expect_rc 0
expect_out_line '^    - name: 1g\.5gb\+me$'
expect_out 'max: 7'

t "--compare finds the import equal to the database"
run import-profile tests/data/smi/a100-40gb-import.txt --compare a100-40gb
expect_rc 0
expect_out 'nvidia-smi output agrees with a100-40gb'

t "--compare lists a changed max, exit 1"
run import-profile tests/data/smi/a100-40gb-changed.txt --compare a100-40gb
expect_rc 1
expect_out "profile '1g.5gb': max 6 in nvidia-smi, 7 in a100-40gb"
expect_out '1 difference from a100-40gb'

t "--compare against another model lists names, memory and placements"
run import-profile tests/data/smi/a100-40gb-import.txt --compare h100-80gb
expect_rc 1
expect_out "profile id 19: named '1g.5gb' in nvidia-smi, '1g.10gb' in h100-80gb"
expect_out "profile '7g.40gb': memory 39.25 GiB in nvidia-smi, 79.25 GiB in h100-80gb"

t "a model the database lacks gets an id from its name"
sed 's/A100-SXM4-40GB/A100X-PROTO-40GB/; s/0x20B010DE/0x20FF10DE/' \
    tests/data/smi/a100-40gb-import.txt >"$WORK/proto.txt"
run import-profile "$WORK/proto.txt"
expect_rc 0
expect_out_line '^id: a100x-proto-40gb$'
expect_out 'inferred: [architecture]'

t "import-profile split over several files, -lgipp first"
sed -n '/-lgipp/,$p' tests/data/smi/a100-40gb-import.txt >"$WORK/pp.txt"
sed '/-lgipp/,$d' tests/data/smi/a100-40gb-import.txt >"$WORK/p.txt"
run import-profile "$WORK/pp.txt" "$WORK/p.txt" --compare a100-40gb
expect_rc 0

t "import-profile: incomplete and hostile input, exit 3, no file written"
run import-profile "$WORK/p.txt" -o "$WORK/prof/half.yaml"
expect_rc 3
expect_err "p.txt:18:5: error: profile '1g.5gb' (id 19) of GPU 0 has no -lgipp placements"
if [ -e "$WORK/prof/half.yaml" ]; then bad "half.yaml was written"; else ok; fi
run import-profile "$WORK/pp.txt"
expect_rc 3
expect_err 'lists profile id 19 of GPU 0, which no -lgip row names'
grep -v 'index\|NVIDIA A100' tests/data/smi/a100-40gb-import.txt >"$WORK/noname.txt"
run import-profile "$WORK/noname.txt"
expect_rc 3
expect_err 'GPU 0 has no name'
sed 's/ 9     2\/2 / 9     2\/x /' tests/data/smi/a100-40gb-import.txt >"$WORK/badcount.txt"
run import-profile "$WORK/badcount.txt"
expect_rc 3
expect_err 'badcount.txt:30:35: error: the total instances must be a whole number from 1 to 64'
head -c 3000 /dev/urandom >"$WORK/random.bin" 2>/dev/null || printf '\001\002' >"$WORK/random.bin"
run import-profile "$WORK/random.bin"
expect_rc 3

t "import-profile usage"
run import-profile
expect_rc 2
run import-profile tests/data/smi/a100-40gb-import.txt --compare a100-40gb -o "$WORK/x.yaml"
expect_rc 2
run import-profile tests/data/smi/a100-40gb-import.txt --compare nosuchgpu
expect_rc 3
expect_err "unknown GPU 'nosuchgpu'"
run import-profile -h
expect_rc 0
expect_out 'usage: gpuvplan import-profile FILE...'
