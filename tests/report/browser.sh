#!/bin/sh
# Real-browser test: headless Chromium renders report pages to PNG. Checks that each page loads
# with no console message at all (the pages have no script, so any is an error: a script error,
# a blocked or failed load) and that each screenshot is not blank: enough colours, enough ink,
# and the tenants' colours present, which only the SVG drawings use (tests/report/png_check.py).
# The PNGs stay in OUTDIR (a CI artefact). With a third argument, the example's screenshot is
# also copied there, with a fourth the diff page's (`make report-screenshot` writes
# docs/report-example.png and docs/diff-example.png).
# Skipped, with a message, when Chromium is not installed (.ci/run installs it).
# usage: tests/report/browser.sh PATH/TO/gpuvplan OUTDIR [SCREENSHOT.png [DIFF.png]]
set -u
bin=${1:?usage: browser.sh PATH/TO/gpuvplan OUTDIR [SCREENSHOT.png]}
out=${2:?usage: browser.sh PATH/TO/gpuvplan OUTDIR [SCREENSHOT.png]}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "browser: chromium is not installed; real-browser test skipped"
    [ $# -ge 3 ] && exit 1
    exit 0
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
pass=0
fail=0

# shot HTML PNG WIDTH,HEIGHT: renders HTML to PNG; the browser's log is PNG.log.
shot() {
    profile=$(mktemp -d "${TMPDIR:-/tmp}/gpuvplan-chromium.XXXXXX")
    rm -f "$2"
    timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --hide-scrollbars --force-device-scale-factor=1 \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 --window-size="$3" \
        --screenshot="$2" "file://$1" >"$2.log" 2>&1
    status=$?
    rm -rf "$profile"
    if [ $status -ne 0 ] || [ ! -s "$2" ]; then
        echo "browser: FAIL chromium wrote no screenshot of $1 (exit $status); see $2.log"
        return 1
    fi
    return 0
}

# console PNG: true when the log of PNG's page has a console message or an uncaught error.
console() {
    grep -E "Uncaught|:CONSOLE" "$1.log" >/dev/null 2>&1
}

# The detector works on this Chromium: a page with a script error is caught.
printf '%s\n' '<!DOCTYPE html><html><body><p>x</p><script>throw new Error("gpuvplan-self-test")</script></body></html>' >"$out/selftest.html"
if shot "$out/selftest.html" "$out/selftest.png" 400,200; then
    if console "$out/selftest.png"; then pass=$((pass + 1)); else
        echo "browser: FAIL the console check did not see a script error; see $out/selftest.png.log"
        fail=$((fail + 1))
    fi
else
    fail=$((fail + 1))
fi

# check HTML PNG SIZE: renders, then no console message and not blank (two checks a page).
check() {
    shot "$1" "$2" "$3" || { fail=$((fail + 2)); return; }
    if console "$2"; then
        echo "browser: FAIL console messages while loading $1:"
        grep -E "Uncaught|:CONSOLE" "$2.log" | head -n 5 | sed 's/^/  /'
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
    colours=$(grep -o 'class="sw" style="background:#[0-9a-f]*"' "$1" | sed 's/.*background://; s/"//' |
        sort -u | head -n 3)
    # shellcheck disable=SC2086
    if /usr/bin/python3 "$(dirname "$0")/png_check.py" "$2" $colours; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
}

"$bin" recommend docs/examples/tenants.yaml -f json -o "$out/example.json" || exit 1
# From inside OUTDIR, so that the page names the plan "example.json", not a path of this machine.
(cd "$out" && "$bin" report example.json -o example.html) || exit 1
"$bin" report --compact tests/data/report/nodes.json -o "$out/nodes-compact.html" || exit 1
"$bin" show h100-80gb -f html >"$out/show-h100.html" || exit 1
# The change review: the example with one tenant grown and one added (exit 1: there are changes).
sed -e 's/{name: ds-dana, memory: 20GB/{name: ds-dana, memory: 40GB/' docs/examples/tenants.yaml \
    >"$out/changed.yaml" || exit 1
printf '  - {name: ds-erin, memory: 20GB, isolation: hard, workload: dev}\n' >>"$out/changed.yaml"
"$bin" recommend "$out/changed.yaml" -f json -o "$out/changed.json" || exit 1
(cd "$out" && "$bin" diff example.json changed.json -f html -o diff.html)
[ $? -eq 1 ] || exit 1
check "$out/example.html" "$out/example.png" 1400,1800
check "$out/nodes-compact.html" "$out/nodes-compact.png" 1400,1200
check "$out/show-h100.html" "$out/show-h100.png" 1100,1000
check "$out/diff.html" "$out/diff.png" 1400,1800

if [ $fail -eq 0 ] && [ $# -ge 3 ]; then
    cp "$out/example.png" "$3" || exit 1
    echo "browser: wrote $3"
fi
if [ $fail -eq 0 ] && [ $# -ge 4 ]; then
    cp "$out/diff.png" "$4" || exit 1
    echo "browser: wrote $4"
fi
# The last line is the summary scripts/check.sh adds to the totals.
echo "browser: 4 pages rendered by $($chromium --version 2>/dev/null | head -n 1)," \
    "screenshots and logs in $out"
echo "browser: $pass passed, $fail failed"
[ $fail -eq 0 ]
