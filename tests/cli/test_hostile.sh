# Hostile input, second pass (issue 17): each case of the issue is a test here.
H=tests/data/hostile

t "case 1: a constraint forbidding the profile the rules choose is rejected at load, not a crash"
run --profiles "$H/max-zero" recommend "$H/big.yaml"
expect_rc 3
expect_err "max-zero/lab.yaml:18:7: error: MIG constraint 1 makes profile '4g.24gb' unusable: no GPU can hold one instance of it"

t "case 1: a profile exclusive with itself is rejected at load"
run --profiles "$H/self-exclusive" recommend "$H/small.yaml"
expect_rc 3
expect_err "self-exclusive/lab.yaml:18:7: error: MIG constraint 1 makes profile '1g.6gb' unusable"

t "case 2: the greedy cover never spins on a profile no pattern serves"
run --profiles "$H/max-zero" recommend "$H/small.yaml" --gpu lab-grid
expect_rc 3
expect_err "makes profile '4g.24gb' unusable"

t "case 3: first-fit never writes a plan from an unusable profile"
run --profiles "$H/self-exclusive" recommend "$H/small.yaml" --gpu lab-grid --strategy first-fit -f json
expect_rc 3
expect_no_out '"start"'

t "case 8: a plan with no instances is checked without sorting a null array (make san)"
printf 'version: 1\nfleet:\n  - {gpu: a30, count: 1}\ntenants:\n  - {name: huge, memory: 900GB}\n' >"$WORK/huge.yaml"
run recommend "$WORK/huge.yaml" -f json -o "$WORK/empty.json"
expect_rc 1
run check "$WORK/empty.json" --allow-unplaced
expect_rc 0
expect_out "empty.json: ok"

t "case 8: a closed pipe on standard output exits 4 with a message, not 141"
"$PY" -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], "gpus"], stdout=w, stderr=open(sys.argv[2], "wb"))
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)
' "$GPUVPLAN" "$WORK/err" >"$WORK/out"
RC=$?
CMD="gpuvplan gpus > closed pipe"
expect_rc 4
expect_err "gpuvplan: error writing to standard output"

t "case 8: the read limit applies while reading, not after 512 MiB"
run explain /dev/zero
expect_rc 3
expect_err "/dev/zero:1:268435457: error: file is larger than the 256 MiB limit"

t "case 8: a tenants file is mapped, or read when it ends on a page boundary or is a pipe: the same plan"
# 8192 bytes (a multiple of any page size up to 8 KiB: read) and 8193 (mapped), padded with a
# comment; the same tenants through standard input.
/usr/bin/python3 - docs/examples/tenants.yaml "$WORK/t8192.yaml" "$WORK/t8193.yaml" <<'PY'
import sys
src = open(sys.argv[1], "rb").read().rstrip(b"\n") + b"\n"
for path, size in ((sys.argv[2], 8192), (sys.argv[3], 8193)):
    pad = b"#" + b"x" * (size - len(src) - 2) + b"\n"
    open(path, "wb").write(src + pad)
PY
[ "$(wc -c <"$WORK/t8192.yaml")" -eq 8192 ] && [ "$(wc -c <"$WORK/t8193.yaml")" -eq 8193 ] &&
    ok || bad "padded tenants files of 8192 and 8193 bytes"
run recommend "$WORK/t8192.yaml" -f json -o "$WORK/p8192.json"
expect_rc 0
run recommend "$WORK/t8193.yaml" -f json -o "$WORK/p8193.json"
expect_rc 0
"$GPUVPLAN" recommend - -f json -o "$WORK/pstdin.json" <"$WORK/t8193.yaml"
RC=$?
CMD="gpuvplan recommend - < t8193.yaml"
expect_rc 0
cp "$WORK/p8192.json" "$WORK/out"
expect_json 'j["gpus"] == json.load(open("'"$WORK/p8193.json"'"))["gpus"] == json.load(open("'"$WORK/pstdin.json"'"))["gpus"]' True
printf 'version: 1\ntenants:\n  - {name: a, memory: 8GiB, isolation: [hard\n' >"$WORK/bad.yaml"
run recommend "$WORK/bad.yaml"
expect_rc 3
expect_err "bad.yaml:4:1: error:"

t "case 8: a FIFO named *.yaml in a profile directory is refused, not waited on"
mkdir -p "$WORK/fifo"
mkfifo "$WORK/fifo/x.yaml"
run --profiles "$WORK/fifo" gpus
expect_rc 3
expect_err "fifo/x.yaml: error: not a regular file"
rm -rf "$WORK/fifo"

t "case 8: two profile files with the same id are an error, not the second silently winning"
mkdir -p "$WORK/dup"
sed '/^  constraints:/,$d' "$H/max-zero/lab.yaml" >"$WORK/dup/a.yaml"
cp "$WORK/dup/a.yaml" "$WORK/dup/b.yaml"
run --profiles "$WORK/dup" show lab-grid
expect_rc 3
expect_err "dup/b.yaml:2:5: error: model 'lab-grid' is already defined in"
rm -rf "$WORK/dup"

t "case 8: 10Gb is gigabits: the tenants file is refused with did-you-mean GB"
printf 'version: 1\ntenants:\n  - {name: a, memory: 10Gb}\n' >"$WORK/gb.yaml"
run recommend "$WORK/gb.yaml"
expect_rc 3
expect_err "gb.yaml:3:23: error: 'memory' of tenant 'a' is '10Gb': 'Gb' is gigabits: did you mean 'GB' (bytes)?"

t "case 8: a quoted version says it is a quoted string"
printf 'version: "1"\ntenants:\n  - {name: a, memory: 10GB}\n' >"$WORK/v.yaml"
run recommend "$WORK/v.yaml"
expect_rc 3
expect_err "v.yaml:1:10: error: 'version' of the tenants file must be a whole number, not the quoted string '1' (remove the quotes)"

t "case 8: a symlink loop is bad input like a dangling link (exit 3)"
ln -s "$WORK/loop-b" "$WORK/loop-a"
ln -s "$WORK/loop-a" "$WORK/loop-b"
ln -s "$WORK/nowhere" "$WORK/dangling"
run recommend "$WORK/loop-a"
expect_rc 3
expect_err "loop-a: error: cannot open:"
run recommend "$WORK/dangling"
expect_rc 3
rm -f "$WORK/loop-a" "$WORK/loop-b" "$WORK/dangling"

t "case 8: --version takes no arguments"
run --version extra
expect_rc 2
expect_err "'--version' takes no arguments, not 'extra'"

t "case 6: a tenant name in a plan reaches check's output escaped: no title, no forged line"
run recommend docs/examples/tenants.yaml -f json -o "$WORK/plan.json"
"$PY" -c '
import sys
s = open(sys.argv[1], "rb").read()
s = s.replace(b"\"name\": \"ds-alice\"",
              b"\"name\": \"ds-\\u001b]0;pwned\\u0007alice\\nplan.json: ok (fake) \xff\"", 1)
open(sys.argv[2], "wb").write(s)
' "$WORK/plan.json" "$WORK/evil.json"
run check "$WORK/evil.json"
expect_rc 1
expect_out "tenant 'ds-\x1b]0;pwned\x07alice\x0aplan.json: ok (fake) \xff': has 0 instances"
if grep -q "$(printf '\033')" "$WORK/out" || grep -q '^plan.json: ok' "$WORK/out"; then
    bad "a control byte or a forged line reached standard output"
else
    ok
fi

t "case 6: check -f json is valid UTF-8 JSON whatever bytes the plan held"
run check "$WORK/evil.json" -f json
expect_rc 1
if "$PY" -c 'import json,sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$WORK/out"; then
    ok
else
    bad "the JSON on stdout is not valid UTF-8 JSON"
fi

t "case 6: an unknown key with a newline cannot forge a line on stderr"
printf 'version: 1\ntenants:\n  - {name: a, memory: 10GB, "x\\ngpuvplan: all good": 1}\n' >"$WORK/key.yaml"
run recommend "$WORK/key.yaml"
expect_rc 3
expect_err "error: unknown key 'x\x0agpuvplan: all good' in tenant 'a'"
if grep -q '^gpuvplan: all good' "$WORK/err"; then bad "a forged line on stderr"; else ok; fi

t "case 6: profile names and notes with control characters are refused at load"
mkdir -p "$WORK/esc"
sed -e 's/^name: Lab Grid 24GB/name: "Lab\\e]0;pwned\\aGrid"/' -e '/^  constraints:/,$d' \
    "$H/max-zero/lab.yaml" >"$WORK/esc/a.yaml"
run --profiles "$WORK/esc" gpus
expect_rc 3
expect_err "esc/a.yaml:3:7: error: 'name' of the GPU model contains the control character \x1b"
sed -e 's/^architecture: ampere/architecture: ampere\nnotes: ["a\\x9bnote"]/' -e '/^  constraints:/,$d' \
    "$H/max-zero/lab.yaml" >"$WORK/esc/a.yaml"
run --profiles "$WORK/esc" show lab-grid
expect_rc 3
expect_err "esc/a.yaml:5:9: error: 'notes' contains the control character \x9b"
rm -rf "$WORK/esc"

t "case 4: a grid with millions of layouts is refused at load, quickly, for every command"
mkdir -p "$WORK/wide"
{
    printf 'id: wide32\nname: Wide 32\narchitecture: hopper\nmemory_mib: 81920\n'
    printf 'sources:\n  - {id: me, title: hostile}\nmig:\n  units: 32\n  compute_slices: 32\n'
    printf '  source: me\n  profiles:\n'
    i=1
    while [ $i -le 8 ]; do
        printf '    - { name: 1g.%dgb, id: %d, compute_slices: 1, size: 1, max: 32, memory_gib: 2.5,\n' $i $i
        printf '        starts: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,\n'
        printf '                 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31],\n'
        printf '        sms: 4, engines: { ce: 1, nvdec: 0, nvenc: 0, jpeg: 0, ofa: 0 } }\n'
        i=$((i + 1))
    done
} >"$WORK/wide/w.yaml"
printf 'version: 1\ntenants:\n  - {name: a, memory: 2GB, isolation: hard}\n' >"$WORK/one.yaml"
for args in "recommend $WORK/one.yaml --gpu wide32" "mig layouts wide32" "show wide32"; do
    # shellcheck disable=SC2086
    run --profiles "$WORK/wide" $args
    expect_rc 3
    expect_err "wide/w.yaml:8:3: error: 'mig' allows more than 10000 layouts on one GPU"
done
rm -rf "$WORK/wide"

t "case 4: more GPU models than the limit are refused (planning compares every model)"
mkdir -p "$WORK/many"
i=1
while [ $i -le 230 ]; do
    sed -e "s/^id: lab-grid/id: lab-$i/" -e "s/^name: Lab Grid 24GB/name: Lab $i/" \
        -e '/^  constraints:/,$d' "$H/max-zero/lab.yaml" >"$WORK/many/m$i.yaml"
    i=$((i + 1))
done
run --profiles "$WORK/many" recommend "$WORK/one.yaml"
expect_rc 3
expect_err "error: more than 256 GPU models; the limit keeps planning bounded"
rm -rf "$WORK/many"

t "case 5: check rejects duplicate keys (readers disagree on which one counts)"
sed 's/"gpus_used": \([0-9]*\),/"gpus_used": \1, "gpus_used": 1,/' "$WORK/plan.json" >"$WORK/dup.json"
run check "$WORK/dup.json"
expect_rc 3
expect_err "dup.json: error: duplicate key 'gpus_used' in an object"

t "case 5: check rejects a NUL byte that would truncate a name"
sed 's/"name": "ds-alice"/"name": "ds-alice\\u0000hidden"/' "$WORK/plan.json" >"$WORK/nul.json"
run check "$WORK/nul.json"
expect_rc 3
expect_err "nul.json:62:24: error: a string holds a NUL byte (\u0000)"

t "case 5: every schema-invalid mutation of a plan fails check (exit 1 or 3)"
if "$PY" -c 'import jsonschema' 2>/dev/null; then
    CMD="tests/schema/mutate.py gpuvplan plan.json docs/plan.schema.json"
    "$PY" tests/schema/mutate.py "$GPUVPLAN" "$WORK/plan.json" docs/plan.schema.json "$WORK" \
        >"$WORK/out" 2>"$WORK/err"
    RC=$?
    expect_rc 0
    expect_out ", 0 escaped"
else
    ok # the jsonschema package is needed to confirm each mutation is invalid
fi

t "case 5: a negative lower bound or a string for a number is not a plan"
sed 's/"lower_bound": \([0-9]*\),/"lower_bound": -1,/' "$WORK/plan.json" >"$WORK/neg.json"
run check "$WORK/neg.json"
expect_rc 3
expect_err "not a plan: summary.lower_bound is -1, below the minimum 0"
sed 's/"memory_mib": 19074,/"memory_mib": "x",/' "$WORK/plan.json" >"$WORK/str.json"
run check "$WORK/str.json"
expect_rc 3
expect_err "not a plan: tenants[0].memory_mib has the wrong type (the schema wants integer or null)"

# edit EXPR: writes $WORK/edited.json, the plan with the Python statement EXPR applied to `j`.
edit() {
    "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(j, open(sys.argv[3], "w"))
' "$WORK/plan.json" "$1" "$WORK/edited.json"
}

t "case 5: an edited lower bound does not make a plan optimal"
edit 'j["summary"]["models"][0]["lower_bound"] -= 1'
run check "$WORK/edited.json" --require-optimal --max-gap 0
expect_rc 1
expect_out "summary: the bound for the choices made is"
expect_out "but the models' bounds add up to"
expect_out "optimal, but its lower bound"

t "case 5: an edited cost does not pass --max-cost"
edit 'j["summary"]["cost"]["per_hour"] = 1.0'
run check "$WORK/edited.json" --max-cost 10
expect_rc 1
expect_out "summary: cost.per_hour is wrong but the GPUs cost 16.1000 per hour"
expect_out "policy: the plan costs 16.10 per hour, more than --max-cost 10.00"

t "case 5: a tenant whose memory does not fit its MIG instance fails check"
edit '[t.update(memory_mib=19074) for t in j["tenants"] if t["name"] == "fraud-scoring"]'
run check "$WORK/edited.json"
expect_rc 1
expect_out "tenant 'fraud-scoring': needs 19074 MiB but its instance on gpu"
expect_out "has 9984 MiB"

t "case 5: a compute share above the MIG slice fails check"
edit '[t.update(compute=0.9) for t in j["tenants"] if t["name"] == "fraud-scoring"]'
run check "$WORK/edited.json"
expect_rc 1
expect_out "tenant 'fraud-scoring': asks for compute 0.9 but 1g.10gb on gpu"
expect_out "has 1 of 7 compute slices"
