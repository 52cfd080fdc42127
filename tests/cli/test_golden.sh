# The bundled example plan, byte for byte: tests/data/golden/ holds the outputs recorded before
# the planner was split into modules (issue 9). A change to any of them is a change of behaviour:
# regenerate them only on purpose, with the commands below, and say why in the commit.

for fmt in table json yaml; do
    t "recommend docs/examples/tenants.yaml -f $fmt matches the golden plan byte for byte"
    run recommend docs/examples/tenants.yaml -f "$fmt"
    expect_rc 0
    if cmp -s "$WORK/out" "tests/data/golden/example-plan.$fmt"; then ok; else
        bad "output differs from tests/data/golden/example-plan.$fmt"
        diff "tests/data/golden/example-plan.$fmt" "$WORK/out" | head -n 10 | sed 's/^/  > /'
    fi

    t "recommend docs/examples/tenants.yaml --explain -f $fmt matches the golden plan byte for byte"
    run recommend docs/examples/tenants.yaml --explain -f "$fmt"
    expect_rc 0
    if cmp -s "$WORK/out" "tests/data/golden/example-plan-explain.$fmt"; then ok; else
        bad "output differs from tests/data/golden/example-plan-explain.$fmt"
        diff "tests/data/golden/example-plan-explain.$fmt" "$WORK/out" | head -n 10 | sed 's/^/  > /'
    fi
done
