# The terminal: output width (terminal, COLUMNS, 80), wrapping by visible columns, grids that
# become lists, keys for long tenant names, --color and NO_COLOR / TERM=dumb.
# run.sh sets COLUMNS=80 and NO_COLOR=1; each test here says what it changes.

# widest: the widest line of stdout in characters (UTF-8), escape codes removed.
widest() {
    "$PY" -c 'import re,sys
w = 0
for l in open(sys.argv[1], encoding="utf-8"):
    w = max(w, len(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", l.rstrip("\n"))))
print(w)' "$WORK/out"
}
# expect_fits N: no line of stdout is wider than N columns.
expect_fits() {
    ww=$(widest)
    if [ "$ww" -le "$1" ]; then ok; else bad "a line is $ww columns wide, more than $1"; fi
}
esc=$(printf '\033')

t "gpus, rules and unplaced reasons fit 80 columns (were 98, 207 and 155)"
run gpus
expect_rc 0
expect_fits 80
expect_out_line '^a100-40gb +NVIDIA A100 40GB +ampere +40 GiB +7 +[0-9]+$'
run rules
expect_rc 0
expect_fits 80
run recommend tests/data/recommend/no-method.yaml
expect_rc 1
expect_fits 80
expect_out_line "^    - mig-vgpu: MIG-backed vGPU for compute uses C-series types, which need$"
expect_out_line '^      [a-z]'

t "every table and prose writer fits COLUMNS=80 and COLUMNS=50"
"$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/plan.json"
for cols in 80 50; do
    for args in "gpus" "rules" "show h100-80gb" "compare" "compare --gpu a100-80gb" \
        "mig layouts a100-40gb" "mig check h100-80gb 7g.80gb 1g.10gb" \
        "explain docs/examples/tenants.yaml" "check $WORK/plan.json" \
        "state tests/data/smi/h100-node.txt" "lint tests/data/lint/migparted-ok.yaml" \
        "quiz --list --count 3" "recommend tests/data/recommend/no-method.yaml" \
        "recommend tests/data/terminal/long-names.yaml" "--help" "recommend --help" \
        "advise --help" "state --help"; do
        # shellcheck disable=SC2086 # args are words
        run_env "COLUMNS=$cols" $args
        # At 50 columns, the plan's tenant table, show's MIG table and compare's matrix keep
        # their fixed columns; --help keeps its indented lists and examples as written.
        [ "$cols" = 50 ] && case $args in compare* | check* | explain* | show* | recommend* | *--help) continue ;; esac
        expect_fits "$cols"
    done
done

t "COLUMNS=50: gpus cuts names with a '~' and keeps ids, numbers and the header whole"
run_env COLUMNS=50 gpus
expect_rc 0
expect_fits 50
expect_out_line '^ID +NAME +ARCH +MEMORY +MIG +vGPU$'
expect_out_line '^h100-80gb +NVI[^ ]*~ +hopper +80 GiB +7 +[0-9]+$'

t "COLUMNS=300: nothing is wrapped that fits, links stay whole"
run_env COLUMNS=300 rules
expect_rc 0
expect_out "https://access.redhat.com/documentation/en-us/red_hat_virtualization/4.3/html/setting_up_an_nvidia_gpu_for_a_virtual_machine_in_red_hat_virtualization/proc_nvidia_gpu_passthrough_nvidia_gpu_passthrough"
run_env COLUMNS=300 compare
expect_out_line '^Licences: AI Enterprise = .* asks for one\.$'
run_env COLUMNS=200 recommend tests/data/recommend/no-method.yaml
expect_out_line '^    - mig-vgpu: .* \[mig-backed-vgpu-needs-ai-enterprise\]$'

t "a link longer than the line is cut at the line's end, not left to overflow"
run rules
expect_out_line '^      https://access\.redhat\.com/documentation/en-us/red_hat_virtualization/4\.3/h$'
expect_out_line '^      tml/setting_up_an_nvidia_gpu_for_a_virtual'


t "COLUMNS that is not a whole number from 1 to 10000 is ignored: 80; below 20 it is 20"
for c in abc 0 -5 "" 99999 12x; do
    run_env "COLUMNS=$c" rules
    expect_rc 0
    expect_fits 80
    expect_out_line '^.{79,80}$'
done
run_env "-u COLUMNS" rules
expect_fits 80
expect_out_line '^.{79,80}$'
run_env COLUMNS=20 gpus
cp "$WORK/out" "$WORK/gpus-20"
run_env COLUMNS=5 gpus
expect_rc 0
if cmp -s "$WORK/out" "$WORK/gpus-20"; then ok; else bad "COLUMNS=5 is not taken as 20"; fi

t "MIG grids that do not fit become a START SIZE PROFILE TENANT list"
run_env COLUMNS=40 recommend tests/data/terminal/long-names.yaml
expect_rc 0
expect_out_line '^    START  SIZE  PROFILE  TENANT$'
expect_out_line '^    0      1     1g\.10gb  team-a-inference-large$'
expect_out_line '^    6      2     free$'
expect_no_out "|1g.10gb"
run_env COLUMNS=50 recommend docs/examples/tenants.yaml
expect_out_line '^    5      1     1g\.10gb\+me  video-analytics$'
expect_no_out "1g.~"
run_env COLUMNS=30 mig check h100-80gb 3g.40gb 3g.40gb 1g.10gb 1g.10gb
expect_rc 1
expect_out "START  SIZE  PROFILE"
run_env COLUMNS=50 mig layouts rtx-pro-6000
expect_rc 0
expect_out "START  SIZE  PROFILE"
expect_fits 50

t "12-unit grids keep their unit numbers apart at 80 columns"
run mig layouts rtx-pro-6000
expect_rc 0
expect_out_line '^ +0 +1 +2 +3 +4 +5 +6 +7 +8 +9 +10 +11$'

t "tenant names cut in a grid get a key under it, one per name, instead of 'team-a-~'"
run recommend tests/data/terminal/long-names.yaml
expect_rc 0
expect_out "    |[1]    |[1]    |[1]    |[1]    |[2]    |[2]    |               |"
expect_out_line '^    \[1\] team-a-inference-large$'
expect_out_line '^    \[2\] team-b-batch-scoring$'
expect_no_out "team-a-~"
n=$(grep -c 'team-a-inference-large$' "$WORK/out")
if [ "$n" -eq 1 ]; then ok; else bad "the key of team-a-inference-large is written $n times"; fi
run recommend docs/examples/tenants.yaml
expect_out "    [1] fraud-scoring"
expect_no_out "fraud-s~"
expect_out "|ds-alice |ds-bala  |ds-chen  |ds-dana  |"

t "--color=always colours also into a file or pipe, whatever NO_COLOR says; never and --no-color do not"
run --color=always gpus
expect_rc 0
expect_out "${esc}[1mID"
run_env NO_COLOR=1 --color=ALWAYS gpus
expect_out "${esc}[1mID"
run --color gpus
expect_out "${esc}[1mID"
run --color=always gpus -o "$WORK/gpus.txt"
if grep -qF "${esc}[1m" "$WORK/gpus.txt"; then ok; else bad "-o FILE lost --color=always"; fi
run gpus -o "$WORK/gpus.txt"
if grep -qF "$esc" "$WORK/gpus.txt"; then bad "-o FILE got colour under auto"; else ok; fi
for c in --color=never --no-color --color=auto; do
    run_env -u NO_COLOR "$c" gpus
    if grep -qF "$esc" "$WORK/out"; then bad "$c coloured a pipe"; else ok; fi
done
run --color=always --no-color gpus
if grep -qF "$esc" "$WORK/out"; then bad "the last of --color and --no-color does not win"; else ok; fi

t "colour escape codes do not count toward wrapping or column widths"
run --color=always recommend tests/data/recommend/no-method.yaml
expect_fits 80
run --color=always rules
expect_fits 80
expect_out_line "^   1\. ${esc}\[1mgpu-without-mig${esc}\[0m$"

t "--color takes auto, always or never; anything else is a usage error"
run --color=sometimes gpus
expect_rc 2
expect_err "option '--color' takes auto, always or never, not 'sometimes'"
run --color= gpus
expect_rc 2
run --help
expect_out "--color=WHEN"
expect_out "--no-color"

t "the man page documents --color, NO_COLOR, TERM=dumb and COLUMNS"
for s in '\fB\-\-color\fR[=\fIWHEN\fR]' '\fB\-\-no\-color\fR' '.B NO_COLOR' '.B TERM' \
    '.B COLUMNS' 'TIOCGWINSZ'; do
    CMD="grep $s docs/gpuvplan.1"
    if grep -qF -- "$s" docs/gpuvplan.1; then ok; else bad "docs/gpuvplan.1 lacks $s"; fi
done

t "on a terminal (tmux): its width wins over COLUMNS; auto colours unless NO_COLOR is set or TERM=dumb"
if command -v tmux >/dev/null 2>&1; then
    sock="gpuvplan-term-$$"
    # pane NAME ENV ARGS: runs gpuvplan ARGS in a 60-column pane under env(1) arguments ENV,
    # then captures the pane with its escape codes, wrapped lines joined, into $WORK/out.
    pane() {
        p=$1 e=$2
        shift 2
        tmux -L "$sock" -f /dev/null new-session -d -s "$p" -x 60 -y 200 \
            "env $e $GPUVPLAN $*; tmux -L $sock wait-for -S $p-done; read x"
        tmux -L "$sock" wait-for "$p-done"
        tmux -L "$sock" capture-pane -p -e -J -S - -t "$p" >"$WORK/out"
        CMD="env $e gpuvplan $* (on a 60-column terminal)"
    }
    pane wide "-u NO_COLOR TERM=xterm COLUMNS=200" gpus
    expect_fits 60
    expect_out "${esc}[1mID"
    expect_out_line '^h100-80gb +NVIDIA H.*~ +hopper +80 GiB +7 +[0-9]+$'
    pane nocolor "TERM=xterm NO_COLOR=1" gpus
    if grep -qF "${esc}[1m" "$WORK/out"; then bad "NO_COLOR=1 left colour on"; else ok; fi
    pane emptync "TERM=xterm NO_COLOR=" gpus
    expect_out "${esc}[1mID"
    pane dumb "-u NO_COLOR TERM=dumb" gpus
    if grep -qF "${esc}[1m" "$WORK/out"; then bad "TERM=dumb left colour on"; else ok; fi
    pane never "-u NO_COLOR TERM=xterm" --color=never gpus
    if grep -qF "${esc}[1m" "$WORK/out"; then bad "--color=never left colour on"; else ok; fi
    pane grid "TERM=xterm NO_COLOR=1" recommend tests/data/terminal/long-names.yaml
    expect_fits 60
    expect_out "[1] team-a-inference-large"
    tmux -L "$sock" kill-server 2>/dev/null
else
    bad "tmux is not installed: make check installs it (scripts/deps.sh --test)"
fi
