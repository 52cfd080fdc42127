# gpuvplan diff OLD NEW -f html: the change review page parsed back and compared with the diff

"$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/dh-old.json"
sed -e 's/{name: ds-dana, memory: 20GB/{name: ds-dana, memory: 40GB/' docs/examples/tenants.yaml \
    >"$WORK/dh-t2.yaml"
printf '  - {name: ds-erin, memory: 20GB, isolation: hard, workload: dev}\n' >>"$WORK/dh-t2.yaml"
"$GPUVPLAN" recommend "$WORK/dh-t2.yaml" -f json -o "$WORK/dh-new.json"

# check_diff OLD NEW HTML: the structural checker (tests/report/check_diff_html.py) passes.
check_diff() {
    "$GPUVPLAN" diff "$1" "$2" -f json -o "$WORK/dh-diff.json"
    if /usr/bin/python3 tests/report/check_diff_html.py "$WORK/dh-diff.json" "$1" "$2" "$3" \
        >"$WORK/check" 2>&1; then
        ok
    else
        CMD="check_diff_html.py $1 $2 $3"
        bad "$(head -n 5 "$WORK/check")"
    fi
}

t "a change with every kind of GPU: the page has the diff's GPUs, instances and summary"
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f html -o "$WORK/dh.html"
expect_rc 1
expect_err_empty
check_diff "$WORK/dh-old.json" "$WORK/dh-new.json" "$WORK/dh.html"
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f html
expect_out '<span data-key="gpus_to_drain">4</span>'
expect_out '<span data-key="cost_per_hour_before">16.10</span> &#8594; <span data-key="cost_per_hour_after">17.20</span>'
expect_out '<g class="gpu" data-id="hgx-01/1" data-model="h100-80gb" data-change="in-place" data-destroyed="1" data-node="hgx-01" data-index="1">'
expect_out '<g class="inst" data-status="destroyed" data-tenant="ds-dana" data-profile="1g.20gb" data-start="6" data-size="2" data-replica="0">'
expect_out '<g class="inst" data-status="appears" data-tenant="ds-erin" data-profile="1g.20gb" data-start="6" data-size="2" data-replica="0">'
expect_out '<g class="inst" data-status="stays" data-tenant="ds-alice" data-profile="1g.20gb" data-start="0" data-size="2" data-replica="0">'
expect_out '<tr class="tenant" data-tenant="ds-erin" data-change="new">'
expect_out '<span class="stay-tenant" data-tenant="ds-alice" title="hgx-01/1 1g.20gb@0">'
expect_no_out '<tr class="tenant" data-tenant="ds-alice"'

expect_out '<span class="same-gpu" data-id="hgx-01/0" title="mig 1g.10gb@0 1g.10gb@1 1g.10gb@2 1g.10gb@3 1g.10gb@4 1g.10gb+me@5">hgx-01/0</span>'
expect_no_out '<g class="gpu" data-id="hgx-01/0"'

t "--all draws the GPUs that do not change too"
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f html --all -o "$WORK/dh-all.html"
expect_rc 1
check_diff "$WORK/dh-old.json" "$WORK/dh-new.json" "$WORK/dh-all.html"
n=$(grep -c '<g class="gpu" data-id=' "$WORK/dh-all.html")
if [ "$n" -eq 8 ]; then ok; else bad "$n GPUs drawn with --all, expected 8"; fi
if grep -q 'class="same-gpu"' "$WORK/dh-all.html"; then bad "--all still lists GPUs by name"; else ok; fi
n=$(grep -c '<tr class="tenant"' "$WORK/dh-all.html")
if [ "$n" -eq 14 ]; then ok; else bad "$n tenant rows with --all, expected 14"; fi

t "the same documents give the same bytes"
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f html -o "$WORK/dh2.html"
if cmp -s "$WORK/dh.html" "$WORK/dh2.html"; then ok; else bad "two runs differ"; fi

t "the reverse and no change: the page still checks; exit 0 when nothing changes"
run diff "$WORK/dh-new.json" "$WORK/dh-old.json" -f html -o "$WORK/dh-rev.html"
expect_rc 1
check_diff "$WORK/dh-new.json" "$WORK/dh-old.json" "$WORK/dh-rev.html"
run diff "$WORK/dh-old.json" "$WORK/dh-old.json" -f html -o "$WORK/dh-same.html"
expect_rc 0
check_diff "$WORK/dh-old.json" "$WORK/dh-old.json" "$WORK/dh-same.html"
if grep -q 'data-status="destroyed"' "$WORK/dh-same.html"; then bad "destroyed with no change"; else ok; fi

t "every name is escaped: a tenant called <script> is text"
run diff "$WORK/dh-old.json" tests/data/report/escape.json -f html -o "$WORK/dh-esc.html"
expect_rc 1
check_diff "$WORK/dh-old.json" tests/data/report/escape.json "$WORK/dh-esc.html"
run diff "$WORK/dh-old.json" tests/data/report/escape.json -f html
expect_no_out "<script"
expect_out 'data-tenant="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"'

t "states: counts-only or exact, against each other and against a plan"
"$GPUVPLAN" state tests/data/smi/h100-node.txt -f json -o "$WORK/dh-s1.json"
sed -e 's/^|   1  MIG 7g.80gb          0        0          0:8     |$/|   1  MIG 3g.40gb          9        1          0:4     |/' \
    tests/data/smi/h100-node.txt >"$WORK/dh-node.txt"
"$GPUVPLAN" state "$WORK/dh-node.txt" --node gpu-node-07 -f json -o "$WORK/dh-s2.json"
run diff "$WORK/dh-s1.json" "$WORK/dh-s2.json" -f html -o "$WORK/dh-states.html"
expect_rc 1
check_diff "$WORK/dh-s1.json" "$WORK/dh-s2.json" "$WORK/dh-states.html"
run diff "$WORK/dh-s1.json" "$WORK/dh-s2.json" -f html
expect_out '<g class="inst" data-status="destroyed" data-tenant="" data-profile="7g.80gb" data-start="0" data-size="8" data-replica="-1">'
expect_out '<span data-key="cost_per_hour_before">unknown</span>'
expect_out 'Instances disrupted'
run diff "$WORK/dh-s1.json" "$WORK/dh-old.json" -f html -o "$WORK/dh-state-plan.html"
expect_rc 1
check_diff "$WORK/dh-s1.json" "$WORK/dh-old.json" "$WORK/dh-state-plan.html"

t "plans without nodes: GPUs by id under (no node); a mixed-size vGPU plan and a MIG plan"
"$GPUVPLAN" recommend tests/data/recommend/mixed.yaml -f json -o "$WORK/dh-mixed.json"
"$GPUVPLAN" recommend tests/data/recommend/spread.yaml -f json -o "$WORK/dh-spread.json"
run diff "$WORK/dh-mixed.json" "$WORK/dh-spread.json" -f html -o "$WORK/dh-nonodes.html"
expect_rc 1
check_diff "$WORK/dh-mixed.json" "$WORK/dh-spread.json" "$WORK/dh-nonodes.html"
if grep -q '<div class="node" data-node="">' "$WORK/dh-nonodes.html" &&
    grep -q '<h3>(no node)</h3>' "$WORK/dh-nonodes.html"; then ok; else bad "no (no node) row"; fi

t "bad input writes no page; -q writes nothing"
run diff "$WORK/dh-old.json" tests/data/diff/bad-schema.json -f html -o "$WORK/dh-never.html"
expect_rc 3
if [ -e "$WORK/dh-never.html" ]; then bad "a page was written"; else ok; fi
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f html -q
expect_rc 1
if [ -s "$WORK/out" ]; then bad "stdout is not empty"; else ok; fi

t "diff lists html among its formats"
run diff --help
expect_out "or html (one page)"
run diff "$WORK/dh-old.json" "$WORK/dh-new.json" -f csv
expect_rc 2
expect_err "(this command writes: table, json, yaml, html)"
