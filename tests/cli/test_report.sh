# gpuvplan report, recommend -f html, show -f html: pages parsed back and compared with the plan

# check_page PLAN HTML: the structural checker (tests/report/check_html.py) passes.
check_page() {
    if /usr/bin/python3 tests/report/check_html.py "$1" "$2" >"$WORK/check" 2>&1; then
        ok
    else
        CMD="check_html.py $1 $2"
        bad "$(head -n 5 "$WORK/check")"
    fi
}

"$GPUVPLAN" recommend docs/examples/tenants.yaml -f json -o "$WORK/site.json"
"$GPUVPLAN" recommend tests/data/recommend/mixed.yaml -f json -o "$WORK/mixed.json"
"$GPUVPLAN" recommend tests/data/recommend/spread.yaml -f json -o "$WORK/spread.json"
"$GPUVPLAN" recommend tests/data/report/stranded.yaml -f json -o "$WORK/stranded.json"

t "the example plan: every GPU once, every instance at its start and size"
run report "$WORK/site.json" -o "$WORK/site.html"
expect_rc 0
expect_err_empty
check_page "$WORK/site.json" "$WORK/site.html"

t "compact mode draws the same GPUs and instances"
run report --compact "$WORK/site.json" -o "$WORK/compact.html"
expect_rc 0
check_page "$WORK/site.json" "$WORK/compact.html"
if grep -q '<body class="compact">' "$WORK/compact.html"; then ok; else bad "no compact body"; fi
gpus_at=$(grep -n '<section id="gpus">' "$WORK/compact.html" | cut -d: -f1)
tenants_at=$(grep -n '<section id="tenants">' "$WORK/compact.html" | cut -d: -f1)
if [ "${gpus_at:-0}" -gt 0 ] && [ "${tenants_at:-0}" -gt "${gpus_at:-0}" ]; then ok; else
    bad "compact: the tenant table (line $tenants_at) is not after the drawings (line $gpus_at)"
fi

t "mixed-size vGPU, spread and unplaced plans"
for p in mixed spread stranded; do
    run report "$WORK/$p.json" -o "$WORK/$p.html"
    expect_rc 0
    check_page "$WORK/$p.json" "$WORK/$p.html"
done

t "the unit left beside seven 1g.10gb instances is stranded; the unplaced tenant has its reason"
run report "$WORK/stranded.json"
expect_rc 0
expect_out '<g class="stranded" data-start="7" data-size="1">'
expect_out "h100-80gb: fleet exhausted: 1 of 1 GPU in use; 1 replica left, it needs one whole GPU"
expect_out "Unplaced tenants (1)"

t "a plan with nodes is drawn per node, in pools of one model"
run report tests/data/report/nodes.json -o "$WORK/nodes.html"
expect_rc 0
check_page tests/data/report/nodes.json "$WORK/nodes.html"
run report tests/data/report/nodes.json
expect_out "GPUs by node, in pools of one model"
expect_out '<div class="node" data-node="hgx-02">'
expect_out "zone=eu-west-1b, rack=r07"
expect_out '<g class="gpu" data-id="hgx-02/1" data-model="h100-80gb" data-mode="passthrough" data-node="hgx-02" data-index="1">'

t "a node of 4 with 2 GPUs used shows 4 slots, 2 of them unused, in index order"
run report tests/data/report/nodes.json
expect_out '<g class="unused" data-node="hgx-01" data-index="2" data-model="h100-80gb">'
expect_out '<g class="unused" data-node="gfx-01" data-index="3" data-model="l40s">'
n=$(grep -c '<g class="unused"' "$WORK/out")
if [ "$n" -eq 5 ]; then ok; else bad "$n unused slots, expected 5 (2 + 2 + 1)"; fi
run report --compact tests/data/report/nodes.json -o "$WORK/nodes-compact.html"
check_page tests/data/report/nodes.json "$WORK/nodes-compact.html"
sed 's/<g class="unused" data-node="hgx-01" data-index="2"/<g class="unused" data-node="hgx-01" data-index="5"/' \
    "$WORK/nodes-compact.html" >"$WORK/nodes-bad-slot.html"
if /usr/bin/python3 tests/report/check_html.py tests/data/report/nodes.json \
    "$WORK/nodes-bad-slot.html" >"$WORK/check" 2>&1; then
    bad "the checker did not notice a slot drawn at the wrong index"
else
    if grep -qF "node 'hgx-01': slots drawn" "$WORK/check"; then ok; else
        bad "$(head -n 3 "$WORK/check")"
    fi
fi

t "every name is escaped: a tenant called <script> is text"
run report tests/data/report/escape.json -o "$WORK/escape.html"
expect_rc 0
check_page tests/data/report/escape.json "$WORK/escape.html"
run report tests/data/report/escape.json
expect_no_out "<script"
expect_no_out "<img"
expect_no_out "<b>"
expect_out "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
expect_out "no room &lt;b&gt;left&lt;/b&gt; &amp; &quot;more&quot;"

t "the checker fails a page whose drawing does not match the plan"
sed '0,/<rect class="blk" fill="\([^"]*\)" x="7"/s//<rect class="blk" fill="\1" x="57"/' \
    "$WORK/site.html" >"$WORK/moved.html"
if cmp -s "$WORK/site.html" "$WORK/moved.html"; then bad "the edit did not apply"; else ok; fi
if /usr/bin/python3 tests/report/check_html.py "$WORK/site.json" "$WORK/moved.html" >"$WORK/check"; then
    bad "a moved block passed"
elif grep -q "plan \[" "$WORK/check"; then ok; else bad "$(head -n 3 "$WORK/check")"; fi
sed 's|<footer>|<img src="https://example.com/pixel.png"/><footer>|' "$WORK/site.html" >"$WORK/fetch.html"
if /usr/bin/python3 tests/report/check_html.py "$WORK/site.json" "$WORK/fetch.html" >"$WORK/check"; then
    bad "an external image passed"
elif grep -q "points outside the page" "$WORK/check"; then ok; else bad "$(head -n 3 "$WORK/check")"; fi

t "the same plan gives the same bytes"
run report "$WORK/site.json" -o "$WORK/again.html"
if cmp -s "$WORK/site.html" "$WORK/again.html"; then ok; else bad "two runs differ"; fi

t "recommend -f html writes the page report draws"
run recommend docs/examples/tenants.yaml -f html -o "$WORK/rec.html"
expect_rc 0
check_page "$WORK/site.json" "$WORK/rec.html"
# The only difference: report names the plan file it read.
grep -v '^<p class="meta">' "$WORK/site.html" >"$WORK/a"
grep -v '^<p class="meta">' "$WORK/rec.html" >"$WORK/b"
if cmp -s "$WORK/a" "$WORK/b"; then ok; else bad "recommend -f html and report differ"; fi
run recommend tests/data/report/stranded.yaml -f html
expect_rc 1
expect_out "</html>"

t "show -f html draws every profile's allowed starts"
run show h100-80gb -f html
expect_rc 0
expect_out '<g class="profile" data-profile="2g.20gb" data-size="2" data-max="3">'
expect_out "2g.20gb may start at unit 4, covering units 4 to 5"
expect_out "2g.20gb never uses unit 6"
/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$WORK/out" \
    && ok || bad "show -f html is not well-formed"
run show l40s -f html
expect_rc 0
expect_out "vGPU types"
expect_no_out "MIG placement grid"

t "a plan that is not valid is refused and nothing is written"
run report tests/data/bad/plan-overlap.json -o "$WORK/never.html"
expect_rc 3
expect_err "gpuvplan: tests/data/bad/plan-overlap.json: error: gpu 'h100-80gb-1': instances 0 (1g.20gb at 0) and 1 (1g.20gb at 0) overlap"
expect_err "not a valid plan (1 problem); nothing written"
if [ -e "$WORK/never.html" ]; then bad "a page was written"; else ok; fi
run report tests/data/bad/plan-summary-empty.json
expect_rc 3
expect_err "gpuvplan: tests/data/bad/plan-summary-empty.json: error: not a plan: summary has no 'gpus_used'"
if [ -s "$WORK/out" ]; then bad "something was printed"; else ok; fi
run report tests/data/report/stranded.yaml
expect_rc 3
expect_err "stranded.yaml: error: not a plan: no 'schema' (expected 'gpuvplan.plan/1')"
printf '{"schema": "gpuvplan.plan/1",' >"$WORK/truncated.json"
run report "$WORK/truncated.json" -o "$WORK/never.html"
expect_rc 3
expect_err "truncated.json:1:"
if [ -e "$WORK/never.html" ]; then bad "a page was written"; else ok; fi

t "a YAML plan (recommend -f yaml) gives the page of its JSON plan"
"$GPUVPLAN" recommend docs/examples/tenants.yaml -f yaml -o "$WORK/site.yaml"
run report "$WORK/site.yaml" -o "$WORK/site-yaml.html"
expect_rc 0
expect_err_empty
grep -v '^<p class="meta">' "$WORK/site.html" >"$WORK/a"
grep -v '^<p class="meta">' "$WORK/site-yaml.html" >"$WORK/b"
if cmp -s "$WORK/a" "$WORK/b"; then ok; else bad "the YAML plan's page differs"; fi

t "a plan on standard input"
run_in "$WORK/site.json" report -
expect_rc 0
expect_out "</html>"

t "usage"
run report
expect_rc 2
expect_err "which plan?"
run report "$WORK/site.json" "$WORK/site.json"
expect_rc 2
run report --frobnicate "$WORK/site.json"
expect_rc 2
run report --help
expect_rc 0
expect_out "usage: gpuvplan report PLAN.json"
expect_out "--compact"
run report "$WORK/site.json" -o "$WORK/site.json"
expect_rc 2
expect_err "refusing to write the output over the input file"
run report "$WORK/site.json" -f html
expect_rc 2
expect_err "unknown option"

t "-f html is recommend's, show's and diff's only; elsewhere a usage error that says so"
run show h100-80gb -f HTML -o "$WORK/show.html"
expect_rc 0
if grep -q '</html>' "$WORK/show.html"; then ok; else bad "show -f html -o wrote no page"; fi
for c in gpus rules compare "quiz --list" "check $WORK/site.json" "explain docs/examples/tenants.yaml" \
    "mig check h100-80gb 1g.10gb" "lint docs/examples/tenants.yaml"; do
    # shellcheck disable=SC2086
    run $c -f html
    expect_rc 2
    expect_err "this command does not write html (it writes: table, json, yaml)"
done
run recommend docs/examples/tenants.yaml -f csv
expect_rc 2
expect_err "(this command writes: table, json, yaml, html)"

t "completions know report and the html format"
run completion bash
expect_rc 0
expect_out "report"
expect_out "--compact"
expect_out "html"
