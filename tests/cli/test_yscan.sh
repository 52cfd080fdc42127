# The fast YAML scanner end to end: every bad tenants file and the example give the same exit
# code, output and errors with it as with libyaml alone (GPV_YAML_LIBYAML=1).
same_both_ways() {
    run "$@"
    rc_fast=$RC
    cp "$WORK/out" "$WORK/out.fast"
    cp "$WORK/err" "$WORK/err.fast"
    run_env 'GPV_YAML_LIBYAML=1' "$@"
    if [ "$RC" -eq "$rc_fast" ] && cmp -s "$WORK/out" "$WORK/out.fast" &&
        cmp -s "$WORK/err" "$WORK/err.fast"; then
        ok
    else
        bad "differs from libyaml alone (exit $rc_fast fast, $RC libyaml)"
    fi
}

t "every bad tenants file: the same errors with the fast scanner as with libyaml alone"
for f in tests/data/bad/tenants-*.yaml; do
    same_both_ways recommend "$f" --gpu h100-80gb
done

t "the example and a plan read back: the same output both ways"
same_both_ways recommend docs/examples/tenants.yaml -f yaml
same_both_ways explain docs/examples/tenants.yaml -f json
same_both_ways check tests/data/golden/example-plan.yaml

t "an error late in a file the scanner reads: libyaml's message and position"
printf 'version: 1\ntenants:\n  - {name: a, memory: 10GB}\n  - {name: b, memory: 10GB}\n  - {name: c, memory: 10GB}\n  - {name: [d}\n' >"$WORK/late.yaml"
run recommend "$WORK/late.yaml" --gpu h100-80gb
expect_rc 3
expect_err "late.yaml:6:14: error: did not find expected ',' or ']' while parsing a flow sequence"
same_both_ways recommend "$WORK/late.yaml" --gpu h100-80gb
