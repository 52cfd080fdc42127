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

# explain of the bundled example, recorded before explain decided each kind of tenant once and
# copied its text for the others (issue 15): the same bytes in every format.
# golden_explain GOLDEN ARGS...: explain of the example with ARGS gives tests/data/golden/GOLDEN
golden_explain() {
    g=tests/data/golden/$1
    shift
    t "explain docs/examples/tenants.yaml $* matches $g byte for byte"
    run explain docs/examples/tenants.yaml "$@"
    expect_rc 0
    if cmp -s "$WORK/out" "$g"; then ok; else
        bad "output differs from $g"
        diff "$g" "$WORK/out" | head -n 10 | sed 's/^/  > /'
    fi
}
for fmt in table json yaml; do
    golden_explain "example-explain.$fmt" -f "$fmt"
done
golden_explain example-explain-verbose.table -v

# The README shows the bundled example's plan: it is the plan gpuvplan prints today.
t "README's example output is recommend docs/examples/tenants.yaml, byte for byte"
run recommend docs/examples/tenants.yaml
expect_rc 0
sed -n '/^\$ gpuvplan recommend docs\/examples\/tenants.yaml$/,/^```$/p' README.md | sed '1d;$d' \
    >"$WORK/readme-example.txt"
if cmp -s "$WORK/out" "$WORK/readme-example.txt"; then ok; else
    bad "README.md's example differs from the plan"
    diff "$WORK/readme-example.txt" "$WORK/out" | head -n 10 | sed 's/^/  > /'
fi
