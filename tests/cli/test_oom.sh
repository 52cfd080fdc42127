# Out of memory (issue 17, case 7): allocation failure is exit 4 "out of memory" everywhere,
# inside libyaml too; never exit 3 (blaming the input), never a crash.
# tests/oom/failmalloc.c makes the Nth allocation fail; this walks the first 40 allocation
# points of each command and 120 more spread evenly over the rest.

t "a failed allocation anywhere is exit 4 'out of memory', never bad input or a crash"
if [ -z "${FAILMALLOC:-}" ] || [ ! -f "$FAILMALLOC" ] || grep -q __asan_init "$GPUVPLAN"; then
    ok # needs the shim (make cli) and a binary without a sanitizer runtime
else
    "$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/oom-plan.json"
    for cmd in "gpus" "show h100-80gb" "recommend docs/examples/tenants.yaml -f json" \
        "check $WORK/oom-plan.json" "mig layouts a100-80gb"; do
        CMD="gpuvplan $cmd (failing allocations)"
        # shellcheck disable=SC2086
        "$PY" - "$FAILMALLOC" "$WORK" "$GPUVPLAN" $cmd >"$WORK/out" 2>"$WORK/err" <<'PYEOF'
import os, subprocess, sys
so, work, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
count = os.path.join(work, "oom-count")
env = dict(os.environ, LD_PRELOAD=so, GPV_FAIL_ALLOC_COUNT=count)
subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
total = int(open(count).read())
points = sorted(set(list(range(1, 41)) + [41 + i * (total - 41) // 120 for i in range(120)]))
bad = 0
for n in points:
    e = dict(env, GPV_FAIL_ALLOC=str(n))
    p = subprocess.run(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace").strip()
    fine = p.returncode in (0, 1) or (p.returncode == 4 and ("out of memory" in err or
                                                             "Cannot allocate memory" in err))
    if not fine:
        bad += 1
        print("allocation %d of %d: exit %d: %s" % (n, total, p.returncode, err[:160]))
print("walked %d points, %d bad" % (len(points), bad))
sys.exit(1 if bad else 0)
PYEOF
        RC=$?
        expect_rc 0
        expect_out "0 bad"
    done
fi
