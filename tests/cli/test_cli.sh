# The command line as one tool: the option parser, output files, --version, help.

T=tests/data/recommend/four-20gb.yaml

t "a missing option value names the option; an unknown one gets a suggestion"
run recommend "$T" -f
expect_rc 2
expect_err "option '-f' needs a value"
run recommend "$T" --format
expect_rc 2
expect_err "option '--format' needs a value"
run recommend "$T" --fromat json
expect_rc 2
expect_err "unknown option '--fromat' (did you mean '--format'?)"
expect_err "Try 'gpuvplan recommend --help'"
run gpus -x
expect_rc 2
expect_err "unknown option '-x'"
run gpus --no-upgrades
expect_rc 2
expect_err "unknown option '--no-upgrades'"

t "a single-valued option given twice is an error; repeatable ones collect every value"
run recommend "$T" -f json --format yaml
expect_rc 2
expect_err "option '--format' given twice"
run compare --gpu h100-80gb --gpu a30
expect_rc 2
expect_err "option '--gpu' given twice"
run explain "$T" -g h100-80gb -f json --gpu a100-80gb
expect_rc 0
expect_json 'sorted(set(c["gpu"] for t in j["tenants"] for c in t["choices"]))' \
    "['a100-80gb', 'h100-80gb']"

t "--opt=value, -fvalue, any case of a format, -- ends the options"
run gpus --format=JSON
expect_rc 0
expect_json 'len(j["gpus"]) > 10' True
run gpus -fjson
expect_rc 0
expect_json 'len(j["gpus"]) > 10' True
run gpus -f Yaml
expect_rc 0
expect_out "gpus:"
run show -- h100-80gb
expect_rc 0
expect_out "H100"
run show -f json -- -x
expect_rc 3
run gpus --format=xml
expect_rc 2
expect_err "unknown format 'xml' (did you mean 'yaml'?)"
run gpus --format=csv
expect_rc 2
expect_err "unknown format 'csv' (this command writes: table, json, yaml)"
run recommend "$T" --strategy best
expect_rc 2
expect_err "unknown strategy 'best' (one of: optimal, first-fit)"
run recommend "$T" --explain=yes
expect_rc 2
expect_err "option '--explain' takes no value"

t "every command prints --help to stdout with its options, and -h the same"
for c in gpus show quiz compare advise explain rules recommend check "mig check" "mig layouts"; do
    run $c --help
    expect_rc 0
    expect_out "usage: gpuvplan $c"
    expect_out "-h, --help"
    expect_err_empty
    cp "$WORK/out" "$WORK/long-help"
    run $c -h
    if cmp -s "$WORK/out" "$WORK/long-help"; then ok; else bad "-h differs from --help"; fi
done

t "help to a full disk is a system error, the same for 'help CMD' and 'CMD --help'"
"$GPUVPLAN" help recommend >/dev/full 2>"$WORK/err"
RC=$?
CMD="gpuvplan help recommend >/dev/full"
expect_rc 4
expect_err "error writing to standard output"
"$GPUVPLAN" recommend --help >/dev/full 2>"$WORK/err"
RC=$?
CMD="gpuvplan recommend --help >/dev/full"
expect_rc 4

t "--version and -V: version, commit, database digest and date, model count"
run --version
expect_rc 0
expect_out_line '^gpuvplan [0-9]+\.[0-9]+\.[0-9]+$'
expect_out_line '^commit [^ ]+$'
expect_out_line '^database [0-9a-f]{16} \([0-9a-z-]+\), [0-9]+ GPU models$'
cp "$WORK/out" "$WORK/version"
run -V
expect_rc 0
if cmp -s "$WORK/out" "$WORK/version"; then ok; else bad "-V differs from --version"; fi
run --version extra
expect_rc 2
expect_err "takes no arguments"

t "-o writes a new file with the umask's mode, atomically, and leaves no temporary file"
d="$WORK/o1"
rm -rf "$d"
mkdir "$d"
(umask 027 && "$GPUVPLAN" gpus -f json -o "$d/gpus.json")
RC=$?
CMD="gpuvplan gpus -f json -o $d/gpus.json (umask 027)"
expect_rc 0
m=$(stat -c %a "$d/gpus.json")
if [ "$m" = 640 ]; then ok; else bad "mode $m, expected 640"; fi
n=$(ls -A "$d" | wc -l)
if [ "$n" -eq 1 ]; then ok; else bad "$n entries in the directory, expected 1"; fi

t "-o keeps an existing file's mode"
echo old >"$d/plan.json"
chmod 600 "$d/plan.json"
run recommend "$T" -f json -o "$d/plan.json"
expect_rc 0
m=$(stat -c %a "$d/plan.json")
if [ "$m" = 600 ]; then ok; else bad "mode $m, expected 600"; fi
if grep -q gpuvplan.plan/1 "$d/plan.json"; then ok; else bad "the plan was not written"; fi

t "-o follows a symbolic link and replaces its target"
echo old >"$d/target.json"
ln -s target.json "$d/link.json"
run gpus -f json -o "$d/link.json"
expect_rc 0
if [ -L "$d/link.json" ]; then ok; else bad "the link was replaced"; fi
if grep -q '"gpus"' "$d/target.json"; then ok; else bad "the target was not written"; fi

t "-o writes a FIFO in place"
mkfifo "$d/fifo"
cat "$d/fifo" >"$d/from-fifo" &
reader=$!
run gpus -f json -o "$d/fifo"
expect_rc 0
# Should gpuvplan never have opened the FIFO, a read-write open (which does not block) and
# close hands the reader its end of file, so the test cannot hang.
exec 4<>"$d/fifo"
exec 4>&-
wait $reader
if [ -p "$d/fifo" ]; then ok; else bad "the FIFO was replaced"; fi
if grep -q '"gpus"' "$d/from-fifo"; then ok; else bad "the reader got nothing"; fi

t "-o writes a character device in place (a null device made here, not /dev/null)"
if [ "$(id -u)" -eq 0 ] && mknod "$d/null" c 1 3 2>/dev/null; then
    run recommend "$T" -f json -o "$d/null"
    expect_rc 0
    if [ -c "$d/null" ]; then ok; else bad "the device node became a regular file"; fi
else
    echo "note: the device-node case of -o needs root (mknod); CI runs it"
fi

t "-o - is standard output; -o '' is a usage error"
run gpus -f json -o -
expect_rc 0
expect_json 'len(j["gpus"]) > 10' True
run gpus -f json -o ''
expect_rc 2
expect_err "option '-o' needs a file name"

t "-o names the real problem: a missing directory, a directory, an input file"
run gpus -f json -o "$d/no/such/dir/x.json"
expect_rc 4
expect_err "directory '$d/no/such/dir' does not exist"
run gpus -f json -o "$d"
expect_rc 2
expect_err "is a directory"
cp "$T" "$d/t.yaml"
run recommend "$d/t.yaml" -o "$d/t.yaml"
expect_rc 2
expect_err "refusing to write the output over the input file"
if cmp -s "$T" "$d/t.yaml"; then ok; else bad "the input was changed"; fi

t "-o on a failing command leaves the old file alone"
echo keep >"$d/keep.json"
run show no-such-gpu -f json -o "$d/keep.json"
expect_rc 3
if [ "$(cat "$d/keep.json")" = keep ]; then ok; else bad "the old file was changed"; fi
n=$(ls -A "$d" | grep -c '^\.gpuvplan-' || true)
if [ "$n" -eq 0 ]; then ok; else bad "$n temporary files left"; fi

t "-o with a table: the file gets the table, without colour codes"
run gpus -o "$d/gpus.txt"
expect_rc 0
if grep -q "^ID " "$d/gpus.txt"; then ok; else bad "no table in the file"; fi
if grep -q "$(printf '\033')" "$d/gpus.txt"; then bad "escape codes in the file"; else ok; fi

t "SIGTERM while -o is being written removes the temporary file"
d="$WORK/o2"
rm -rf "$d"
mkdir "$d"
mkfifo "$d/in"
"$GPUVPLAN" check - -f json -o "$d/plan-check.json" <"$d/in" 2>/dev/null &
pid=$!
exec 3>"$d/in"
# The command has opened its temporary file before it reads standard input, which stays
# open (fd 3) until the signal: wait for the file to appear, with no clock involved.
# Shell builtins only, and it stops as soon as the process is gone.
i=0
tmp_seen() { for f in "$d"/.gpuvplan-*; do [ -e "$f" ] && return 0; done; return 1; }
while ! tmp_seen && kill -0 $pid 2>/dev/null && [ $i -lt 1000000 ]; do i=$((i + 1)); done
CMD="gpuvplan check - -o $d/plan-check.json, then SIGTERM"
if tmp_seen; then ok; else bad "no temporary file appeared"; fi
kill -TERM $pid
{ wait $pid; } 2>/dev/null
RC=$?
exec 3>&-
if [ $RC -gt 128 ]; then ok; else bad "exit $RC, expected death by signal"; fi
n=$(ls -A "$d" | grep -c '^\.gpuvplan-' || true)
if [ "$n" -eq 0 ]; then ok; else bad "$n temporary files left"; fi
if [ -e "$d/plan-check.json" ]; then bad "an output file appeared"; else ok; fi

t "check reads the YAML plans recommend writes, and reports a YAML syntax error where it is"
run recommend docs/examples/tenants.yaml -f yaml -o "$WORK/site.yaml"
expect_rc 0
run check "$WORK/site.yaml" -f json
expect_rc 0
expect_json 'j["ok"]' True
run check "$WORK/site.yaml" --max-gpus 1
expect_rc 1
printf 'schema: gpuvplan.plan/1\ngpus: [\n' >"$WORK/broken.yaml"
run check "$WORK/broken.yaml"
expect_rc 3
expect_err "broken.yaml:3:1: error: "

t "on a terminal (tmux), prompts go to stderr: advise > file and quiz > file keep only results"
if command -v tmux >/dev/null 2>&1; then
    sock="gpuvplan-cli-$$"
    tmux -L "$sock" -f /dev/null new-session -d -s advise -x 120 -y 200 \
        "$GPUVPLAN advise >$WORK/advice.txt; tmux -L $sock wait-for -S advise-done; read x"
    tmux -L "$sock" send-keys -t advise "hard" Enter "h100-80gb" Enter "" Enter "" Enter "" \
        Enter "" Enter "" Enter "20GB" Enter
    tmux -L "$sock" wait-for advise-done
    tmux -L "$sock" capture-pane -p -S - -t advise >"$WORK/out"
    CMD="gpuvplan advise > advice.txt (on a terminal)"
    expect_out "Is isolation critical"
    expect_no_out "Advice:"
    cp "$WORK/advice.txt" "$WORK/out"
    expect_out_line '^Advice: mig 1g\.20gb on h100-80gb$'
    expect_no_out "Is isolation critical"
    "$GPUVPLAN" quiz --list --seed 5 --count 1 -f json >"$WORK/key.json"
    a=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["questions"][0]["answer"])' \
        "$WORK/key.json")
    tmux -L "$sock" new-session -d -s quiz -x 120 -y 200 \
        "$GPUVPLAN quiz --seed 5 --count 1 >$WORK/quiz.txt; tmux -L $sock wait-for -S quiz-done; read x"
    tmux -L "$sock" send-keys -t quiz "$a" Enter
    tmux -L "$sock" wait-for quiz-done
    tmux -L "$sock" capture-pane -p -S - -t quiz >"$WORK/out"
    CMD="gpuvplan quiz > quiz.txt (on a terminal)"
    expect_out "Your answer (1-"
    expect_out "Question 1/1"
    cp "$WORK/quiz.txt" "$WORK/out"
    expect_out "Right."
    expect_out_line '^Score: 1/1$'
    expect_no_out "Your answer (1-"
    expect_no_out "Question 1/1"
    tmux -L "$sock" kill-server 2>/dev/null
else
    bad "tmux is not installed: make check installs it (scripts/deps.sh --test)"
fi

t "-o naming standard output itself (/proc/self/fd/1) writes there, to a file or a pipe"
run gpus -f json -o /proc/self/fd/1
expect_rc 0
expect_json 'len(j["gpus"]) > 10' True
r=$("$GPUVPLAN" gpus -f json -o /proc/self/fd/1 | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["gpus"]) > 10)')
CMD="gpuvplan gpus -f json -o /proc/self/fd/1 | python3"
if [ "$r" = True ]; then ok; else bad "the pipe got '$r'"; fi

t "-q: nothing on standard output, the exit status answers; with -o the file is still written"
run mig check h100-80gb 7x1g.10gb -q
expect_rc 0
if [ -s "$WORK/out" ]; then bad "stdout is not empty"; else ok; fi
run mig check h100-80gb 8x1g.10gb --quiet
expect_rc 1
if [ -s "$WORK/out" ]; then bad "stdout is not empty"; else ok; fi
run explain "$T" -q
expect_rc 0
if [ -s "$WORK/out" ]; then bad "stdout is not empty"; else ok; fi
run recommend "$T" -q -f json -o "$WORK/quiet.json"
expect_rc 0
if grep -q gpuvplan.plan/1 "$WORK/quiet.json"; then ok; else bad "-o was not written"; fi
run show no-such-gpu -q
expect_rc 2
run mig check no-such-gpu 1g.10gb -q
expect_rc 3
expect_err "unknown GPU 'no-such-gpu'"
