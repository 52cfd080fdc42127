# gpuvplan mig check / mig layouts

t "mig check: four 2g.20gb on an H100-80GB are over the max of 3"
run mig check h100-80gb 4x2g.20gb
expect_rc 1
expect_out "not valid on NVIDIA H100 SXM5 80GB (h100-80gb)"
expect_out "4 x 2g.20gb asked, but a GPU holds at most 3"
expect_out "1g.20gb has as much memory and allows 4"
run mig check h100-80gb 4x2g.20gb -f json
expect_rc 1
expect_json 'j["valid"]' False
expect_json 'j["placement"]' '[]'
expect_json '[(r["kind"], r["profile"], r["count"], r["max"]) for r in j["reasons"]]' \
    "[('over-max', '2g.20gb', 4, 3)]"

t "mig check: four 1g.20gb sit at units 0, 2, 4 and 6"
run mig check h100-80gb 4x1g.20gb
expect_rc 0
expect_out "valid: 4 instances on NVIDIA H100 SXM5 80GB (h100-80gb)"
for s in 0 2 4 6; do
    expect_out_line "^  1g\\.20gb +15 +$s +2  $s-$((s + 1))\$"
done
expect_out_line '^   0   1   2   3   4   5   6   7$'
expect_out_line '^  \|1g\.20gb\|1g\.20gb\|1g\.20gb\|1g\.20gb\|$'
expect_out "maximal: no instance of any profile can be added"
run mig check h100-80gb 4x1g.20gb -f json
expect_rc 0
expect_json 'j["gpu"]' h100-80gb
expect_json 'j["valid"]' True
expect_json '[(p["profile"], p["start"], p["size"]) for p in j["placement"]]' \
    "[('1g.20gb', 0, 2), ('1g.20gb', 2, 2), ('1g.20gb', 4, 2), ('1g.20gb', 6, 2)]"
expect_json 'j["reasons"]' '[]'

t "mig check: profiles by nvidia-smi id, any case, joined by commas"
run mig check H100-80GB 4X15
expect_rc 0
expect_out_line '^  1g\.20gb +15 +6 +2  6-7$'
run mig check h100-80gb 5,9 -f json
expect_rc 0
expect_json '[(p["profile"], p["start"]) for p in j["placement"]]' "[('4g.40gb', 0), ('3g.40gb', 4)]"
run mig check h100-80gb 2x19,1G.20GB
expect_rc 0
expect_out "still fits: 1g.10gb (4 more)"

t "mig check: a placement conflict says which instances take the room"
run mig check h100-80gb 4g.40gb 3x2g.20gb -f json
expect_rc 1
expect_json 'j["reasons"][0]["kind"]' no-placement
expect_json 'j["reasons"][0]["fits"]' 1
expect_json 'j["reasons"][0]["starts"]' '[0, 2, 4]'
expect_json 'j["reasons"][0]["beside"]' "[{'profile': '4g.40gb', 'start': 0, 'size': 4}]"
expect_json 'j["reasons"][0]["message"]' \
    "4g.40gb takes units 0-3; 2g.20gb may start at 0, 2 or 4; only 1 of the 3 fits (at unit 4); the request needs 10 units, the grid has 8"
run mig check h100-80gb 4g.40gb 3x2g.20gb
expect_rc 1
expect_out "  - 4g.40gb takes units 0-3; 2g.20gb may start at 0, 2 or 4; only 1 of the 3"
expect_out_line '^      \|4g\.40gb        \|2g\.20gb\|free   \|$'

t "mig check: a profile missing on the model suggests the closest names"
run mig check h100-80gb 2g.10gb
expect_rc 1
expect_out "unknown profile '2g.10gb' on h100-80gb (did you mean '2g.20gb' or"
expect_out "profiles on h100-80gb (name and id): 1g.10gb (19)"
run mig check h100-80gb 2g.10gb 3g.40gb -f json
expect_rc 1
expect_json 'j["reasons"][0]["kind"]' unknown-profile
expect_json 'j["reasons"][0]["suggestions"][0]' 2g.20gb
expect_json 'len(j["reasons"])' 1
run mig check h100-80gb 42
expect_rc 1
expect_out "unknown profile '42' on h100-80gb"

t "mig check: driver rules (4g + 3g before R510, profiles newer than the driver)"
run mig check a100-40gb 4g.20gb 3g.20gb --driver 470
expect_rc 1
expect_out "4g.20gb cannot share a GPU with 3g.20gb on driver R470 (before R510)"
run mig check a100-40gb 4g.20gb 3g.20gb --driver 470 -f json
expect_json 'j["driver"]' 470
expect_json '[r["kind"] for r in j["reasons"]]' "['constraint']"
expect_json 'j["reasons"][0]["before_driver"]' 510
run mig check a100-40gb 4g.20gb 3g.20gb --driver R510
expect_rc 0
run mig check a100-40gb 4g.20gb 3g.20gb --driver 535.183.01
expect_rc 0
run mig check a100-40gb 4g.20gb 3g.20gb
expect_rc 0
run mig check a100-40gb 1g.10gb --driver 470 -f json
expect_rc 1
expect_json '[(r["kind"], r["since_driver"]) for r in j["reasons"]]' "[('too-new', 525)]"
run mig check a100-40gb 1g.10gb --driver newest
expect_rc 2
expect_err "--driver takes a driver version"

t "mig check: media-extension limits"
run mig check a30 1g.6gb+me 2g.12gb+me
expect_rc 1
expect_out "at most 1 in total of 1g.6gb+me and 2g.12gb+me per GPU, 2 asked"
run mig check h100-80gb 2x1g.10gb+me -f json
expect_rc 1
expect_json '[r["kind"] for r in j["reasons"]]' "['over-max', 'constraint']"
run mig check rtx-pro-6000 1g.24gb+me.all 1g.24gb
expect_rc 1
expect_out "1g.24gb+me.all cannot share a GPU with 1g.24gb"

t "mig check: the 12-unit RTX PRO 6000 grid"
run mig check rtx-pro-6000 4x1g.24gb -f json
expect_rc 0
expect_json '[p["start"] for p in j["placement"]]' '[0, 3, 6, 9]'
run mig check rtx-pro-6000 2g.48gb 2x1g.24gb
expect_rc 0
expect_out_line '^   0  1  2  3  4  5  6  7  8  9  10 11$'
expect_out_line '^  \|2g\.48gb          \|1g\.24gb \|1g\.24gb \|$'
run mig check rtx-pro-6000 4g.96gb 1g.24gb -f json
expect_rc 1
expect_json 'j["reasons"][0]["message"]' \
    "4g.96gb takes units 0-11; 1g.24gb may start at 0, 3, 6 or 9; it does not fit; the request needs 15 units, the grid has 12"

t "mig check: malformed specs exit 2, unknown or non-MIG GPUs exit 3"
for spec in 0x1g.10gb 3x 1001x1g.10gb 1g.10gb,,2g.20gb 1g/10gb ,1g.10gb; do
    run mig check h100-80gb "$spec"
    expect_rc 2
done
run mig check h100-80gb
expect_rc 2
expect_err "which profiles?"
run mig check
expect_rc 2
run mig check h100-8gb 1g.10gb
expect_rc 3
expect_err "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?)"
run mig check l40s 1g.10gb
expect_rc 3
expect_err "GPU 'l40s' (NVIDIA L40S) does not support MIG"
run mig layouts t4
expect_rc 3

t "mig layouts: every layout of an H100-80GB, with the count at the end"
run mig layouts h100-80gb
expect_rc 0
expect_out_line '^127 valid layouts, 44 maximal$'
expect_out_line '^  #1   7g\.80gb  maximal$'
expect_out_line '^  #2   4g\.40gb 3g\.40gb  maximal$'
run mig layouts h100-80gb --maximal
expect_rc 0
expect_out_line '^44 maximal layouts \(of 127 valid\)$'
run mig layouts h100-80gb -f json
expect_rc 0
expect_json 'j["count"]' 127
expect_json 'len(j["layouts"])' 127
expect_json 'j["layouts"][0]' "{'profiles': {'7g.80gb': 1}, 'maximal': True, 'placement': [{'profile': '7g.80gb', 'start': 0, 'size': 8}]}"
expect_json 'sum(1 for l in j["layouts"] if l["maximal"])' 44
expect_json 'all(sum(l["profiles"].values()) == len(l["placement"]) for l in j["layouts"])' True
run mig layouts h100-80gb --maximal -f json
expect_json 'j["count"]' 44
expect_json 'all(l["maximal"] for l in j["layouts"])' True

t "mig layouts: driver rules change the set"
run mig layouts a100-40gb --driver 470 -f json
expect_rc 0
expect_json 'j["count"]' 62
expect_json 'any("4g.20gb" in l["profiles"] and "3g.20gb" in l["profiles"] for l in j["layouts"])' False
expect_json 'any("1g.10gb" in l["profiles"] for l in j["layouts"])' False
run mig layouts a100-40gb -f json
expect_json 'any("4g.20gb" in l["profiles"] and "3g.20gb" in l["profiles"] for l in j["layouts"])' True

# The JSON of `mig layouts` against a brute force over the JSON of `show`: every set of
# (profile, start) pairs with disjoint intervals, counts within max, constraints holding.
brute_check() {
    "$GPUVPLAN" show "$1" -f json >"$WORK/show.json" 2>/dev/null
    "$GPUVPLAN" mig layouts "$1" -f json >"$WORK/layouts.json" 2>/dev/null
    "$PY" - "$WORK/show.json" "$WORK/layouts.json" <<'EOF'
import json, sys
show = json.load(open(sys.argv[1]))
lay = json.load(open(sys.argv[2]))
mig = show["mig"]
profs = mig["profiles"]
names = [p["name"] for p in profs]
pairs = [(i, s) for i, p in enumerate(profs) for s in p["starts"]]

def ok(counts):
    for i, p in enumerate(profs):
        if counts[i] > p["max"]:
            return False
    for c in mig["constraints"]:
        if "before_driver" in c:
            continue  # newest driver
        if c["kind"] == "max":
            if sum(counts[names.index(n)] for n in c["profiles"]) > c["max"]:
                return False
        else:
            if any(counts[names.index(n)] for n in c["a"]) and any(counts[names.index(n)] for n in c["b"]):
                return False
    return True

found = set()
def rec(k, used, counts):
    if k == len(pairs):
        if any(counts) and ok(counts):
            found.add(tuple(counts))
        return
    rec(k + 1, used, counts)
    i, s = pairs[k]
    span = set(range(s, s + profs[i]["size"]))
    if counts[i] < profs[i]["max"] and not (span & used):
        counts[i] += 1
        rec(k + 1, used | span, counts)
        counts[i] -= 1

rec(0, frozenset(), [0] * len(profs))
got = set()
for l in lay["layouts"]:
    got.add(tuple(l["profiles"].get(n, 0) for n in names))
    occ = set()
    for inst in l["placement"]:
        p = profs[names.index(inst["profile"])]
        assert inst["start"] in p["starts"], inst
        span = set(range(inst["start"], inst["start"] + p["size"]))
        assert not (span & occ), l
        occ |= span
print("same" if got == found and len(got) == lay["count"] else "differ %d %d" % (len(got), len(found)))
EOF
}

t "mig layouts agrees with a brute force over the database on a 4-, 8- and 12-unit grid"
for g in a30 h100-80gb rtx-pro-6000; do
    CMD="brute_check $g"
    v=$(brute_check "$g")
    if [ "$v" = same ]; then ok; else bad "$g: $v"; fi
done

t "mig help and usage"
run mig --help
expect_rc 0
expect_out "gpuvplan mig check GPU"
run mig check --help
expect_rc 0
expect_out "Reading the grid"
run mig layouts --help
expect_rc 0
expect_out "--maximal"
run help mig
expect_rc 0
run mig
expect_rc 2
run mig chek h100-80gb 1g.10gb
expect_rc 2
expect_err "unknown subcommand 'chek' (did you mean 'check'?)"
run mig layouts h100-80gb a30
expect_rc 2
run mig check h100-80gb 1g.10gb -f yaml
expect_rc 0
expect_out "valid: true"
run mig check h100-80gb 1g.10gb -f xml
expect_rc 2
expect_err "unknown format 'xml'"
