# Helpers for tests/cli/test_*.sh (sourced). $GPUVPLAN is the binary, $WORK a scratch directory.
# run ARGS...          runs gpuvplan; sets $RC and files $WORK/out, $WORK/err
# run_in FILE ARGS...  the same with FILE as standard input
# run_env 'ENV' ARGS...  the same under env(1) arguments ENV, split at blanks:
#                      run_env 'COLUMNS=50 -u NO_COLOR' gpus
# expect_rc N          the exit code was N
# expect_out TEXT      standard output contains TEXT (a fixed string)
# expect_no_out TEXT   standard output does not contain TEXT
# expect_err TEXT      standard error contains TEXT
# expect_out_line RE   some line of standard output matches the extended regex RE
pass=0
fail=0
# Python helpers run with the system interpreter, whatever virtualenv is active.
PY=/usr/bin/python3
name=""

t() { name="$*"; }

run() {
    "$GPUVPLAN" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    RC=$?
    CMD="gpuvplan $*"
}

run_in() {
    f=$1
    shift
    "$GPUVPLAN" "$@" >"$WORK/out" 2>"$WORK/err" <"$f"
    RC=$?
    CMD="gpuvplan $* < $f"
}

run_env() {
    e=$1
    shift
    # shellcheck disable=SC2086 # the split is the point
    env $e "$GPUVPLAN" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    RC=$?
    CMD="env $e gpuvplan $*"
}

ok() { pass=$((pass + 1)); }

bad() {
    fail=$((fail + 1))
    echo "FAIL [$name] $CMD: $*"
    echo "  --- stdout (first lines):"
    head -n 15 "$WORK/out" | sed 's/^/  | /'
    echo "  --- stderr:"
    head -n 8 "$WORK/err" | sed 's/^/  | /'
}

expect_rc() { if [ "$RC" -eq "$1" ]; then ok; else bad "exit code $RC, expected $1"; fi; }
expect_out() { if grep -qF -- "$1" "$WORK/out"; then ok; else bad "stdout lacks '$1'"; fi; }
expect_no_out() { if grep -qF -- "$1" "$WORK/out"; then bad "stdout has '$1'"; else ok; fi; }
expect_err() { if grep -qF -- "$1" "$WORK/err"; then ok; else bad "stderr lacks '$1'"; fi; }
expect_out_line() { if grep -qE -- "$1" "$WORK/out"; then ok; else bad "no stdout line matches /$1/"; fi; }
expect_err_empty() { if [ -s "$WORK/err" ]; then bad "stderr is not empty"; else ok; fi; }

# json_get EXPR: evaluates a Python expression over the parsed stdout bound to `j`.
json_get() {
    "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$WORK/out" "$1" 2>/dev/null
}
# expect_json EXPR VALUE: json_get EXPR prints VALUE.
expect_json() {
    v=$(json_get "$1")
    if [ "$v" = "$2" ]; then ok; else bad "json $1 is '$v', expected '$2'"; fi
}

finish() { echo "RESULT $pass $fail"; }
