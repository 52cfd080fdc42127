# gpuvplan quiz / advise / compare: scripted quiz sessions, advise against explain, the matrix

# answers_for SEED COUNT [SHIFT]: the answer key of that quiz (one choice number per line),
# each shifted by SHIFT within its choices (0 = all right, 1 = all wrong).
answers_for() {
    "$GPUVPLAN" quiz --list --seed "$1" --count "$2" -f json >"$WORK/key.json" 2>/dev/null
    "$PY" -c '
import json, sys
shift = int(sys.argv[2])
for q in json.load(open(sys.argv[1]))["questions"]:
    print((q["answer"] - 1 + shift) % len(q["choices"]) + 1)
' "$WORK/key.json" "${3:-0}"
}

t "quiz --list -f json has at least 30 bank and 10 generated questions, each complete"
run quiz --list --seed 1 -f json
expect_rc 0
expect_json 'j["bank"] >= 30' True
expect_json 'j["generated"] >= 10' True
expect_json 'len(j["questions"]) == j["bank"] + j["generated"]' True
expect_json 'sum(q["source"] == "bank" for q in j["questions"]) >= 30' True
expect_json 'sum(q["source"] == "generated" for q in j["questions"]) >= 10' True
expect_json 'all(set(q) >= {"id", "topic", "question", "choices", "answer", "explanation", "source", "reference"} for q in j["questions"])' True
expect_json 'all(1 <= q["answer"] <= len(q["choices"]) and q["answer_text"] == q["choices"][q["answer"] - 1] for q in j["questions"])' True
expect_json 'len(set(q["id"] for q in j["questions"])) == len(j["questions"])' True

t "the generated questions teach the H100 truth: four 2g.20gb do not fit, four 1g.20gb do"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "gen-geometry-h100-80gb-4x2g.20gb"]' "['No']"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "gen-geometry-h100-80gb-4x1g.20gb"]' "['Yes']"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "gen-tenants-h100-80gb-4x20gb"]' "['4x 1g.20gb']"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "gen-max-h100-80gb-2g.20gb"]' "['3']"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "tenants-four-20gb-h100"]' "['4 × 1g.20gb']"

t "the generated questions on time-sliced MIG instances: 5 pods per 1g.10gb, and only pods needing no isolation"
expect_json '[q["answer_text"] for q in j["questions"] if q["id"] == "gen-ts-mig-clients-h100-80gb-5"]' "['5']"
expect_json '[(q["topic"], q["answer_text"], len(q["choices"])) for q in j["questions"] if q["id"] == "gen-ts-mig-when-h100-80gb"]' \
    "[('isolation', '20 pods, isolation: none', 5)]"
expect_json '[q for q in j["questions"] if q["id"] == "gen-ts-mig-when-h100-80gb"][0]["explanation"].count("soft-isolation-excludes-time-slicing")' 1

t "the same seed gives the same quiz; another seed another one"
run quiz --list --seed 42 --count 10 -f json
cp "$WORK/out" "$WORK/a.json"
run quiz --list --seed 42 --count 10 -f json
if cmp -s "$WORK/a.json" "$WORK/out"; then ok; else bad "seed 42 gave two different quizzes"; fi
run quiz --list --seed 43 --count 10 -f json
if cmp -s "$WORK/a.json" "$WORK/out"; then bad "seeds 42 and 43 gave the same quiz"; else ok; fi

t "a scripted quiz with every answer right scores 10/10 and explains each answer"
answers_for 7 10 0 >"$WORK/in"
run_in "$WORK/in" quiz --seed 7 --count 10
expect_rc 0
expect_out_line '^Score: 10/10$'
expect_out "Quiz: 10 questions (seed 7"
expect_out "Question 10/10"
if [ "$(grep -c '^Right\.$' "$WORK/out")" -eq 10 ]; then ok; else bad "not 10 'Right.' lines"; fi
if [ "$(grep -c '^Why: ' "$WORK/out")" -eq 10 ]; then ok; else bad "not 10 explanations"; fi
if [ "$(grep -c '^Source: ' "$WORK/out")" -eq 10 ]; then ok; else bad "not 10 sources"; fi
expect_err_empty

t "a scripted quiz with every answer wrong scores 0/10 and names each right answer"
answers_for 7 10 1 >"$WORK/in"
run_in "$WORK/in" quiz --seed 7 --count 10
expect_rc 0
expect_out_line '^Score: 0/10$'
if [ "$(grep -c '^Wrong\. The answer is [0-9])' "$WORK/out")" -eq 10 ]; then ok; else bad "not 10 'Wrong.' lines"; fi

t "some right, some wrong, some invalid: invalid answers count as wrong and say so"
answers_for 11 6 0 >"$WORK/key"
{
    sed -n 1p "$WORK/key"                                   # right
    sed -n 2p "$WORK/key"                                   # right
    echo "banana"                                           # invalid: not a number
    echo "9"                                                # invalid: out of range
    echo ""                                                 # invalid: empty
    sed -n 6p "$WORK/key"                                   # right
} >"$WORK/in"
run_in "$WORK/in" quiz --seed 11 --count 6
expect_rc 0
expect_out_line '^Score: 3/6$'
expect_out "'banana' is not a choice (answer with a number from 1 to"
expect_out "'9' is not a choice"
expect_out "'' is not a choice"

t "input that ends early stops the quiz with the score so far"
answers_for 5 10 0 >"$WORK/key"
head -n 3 "$WORK/key" >"$WORK/in"
run_in "$WORK/in" quiz --seed 5 --count 10
expect_rc 0
expect_out "Stopped after 3 of 10 questions."
expect_out_line '^Score: 3/3$'
{ sed -n 1p "$WORK/key"; echo q; } >"$WORK/in"
run_in "$WORK/in" quiz --seed 5 --count 10
expect_out "Stopped after 1 of 10 questions."
expect_out_line '^Score: 1/1$'
: >"$WORK/in"
run_in "$WORK/in" quiz --seed 5
expect_rc 0
expect_out_line '^Score: 0/0$'

t "quiz --topic asks only that topic; a wrong topic is a usage error with a suggestion"
run quiz --list --seed 3 --topic live-migration -f json
expect_rc 0
expect_json 'len(j["questions"]) >= 5 and all(q["topic"] == "live-migration" for q in j["questions"])' True
run quiz --seed 3 --topic mig-geometry --count 4
expect_out "Quiz: 4 questions on mig-geometry"
run quiz --topic live-migraton
expect_rc 2
expect_err "unknown topic 'live-migraton' (did you mean 'live-migration'?)"
run quiz --count 0
expect_rc 2
run quiz -f json
expect_rc 2
expect_err "-f goes with --list"

t "a bad question bank is reported at its line and column"
printf 'version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n    choices: [a, b]\n    answer: 3\n    explanation: x\n    source: y\n' >"$WORK/bank.yaml"
run quiz --bank "$WORK/bank.yaml" --list
expect_rc 3
expect_err "bank.yaml:7:13: error: answer 3 of question 'q1' is not a choice (it has 2)"
printf 'version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n    choices: [a, b]\n    answer: 2\n    explanation: x\n    source: y\n' >"$WORK/bank.yaml"
run quiz --bank "$WORK/bank.yaml" --list -f json --seed 1
expect_rc 0
expect_json 'j["bank"]' 1
rm -f "$WORK/bank.yaml"

t "advise with flags decides like explain: four 20GB tenants with hard isolation get 1g.20gb"
run advise --gpu h100-80gb --isolation hard --memory 20GB -f json
expect_rc 0
expect_json 'j["method"], j["profile"], j["gpu"]' "('mig', '1g.20gb', 'h100-80gb')"
expect_json 'j["rejected"]["vgpu"][0]["rule"]' containers-exclude-hypervisor-vgpu
run advise --gpu h100-80gb --isolation hard --memory 20GB
expect_rc 0
expect_out_line '^Advice: mig 1g\.20gb on h100-80gb$'
expect_out "decided by  hard-isolation:"

t "advise: hard isolation, live migration and no licence leave no method (exit 1)"
run advise --gpu h100-80gb --isolation hard --environment vm --live-migration --memory 16GiB
expect_rc 1
expect_out "Advice: no method fits this tenant"
expect_out "[live-migration-excludes-passthrough]"
expect_out "[mig-backed-vgpu-needs-ai-enterprise]"
run advise --gpu h100-80gb --isolation hard --environment vm --live-migration --memory 16GiB \
    --license ai_enterprise -f json
expect_rc 0
expect_json 'j["method"], j["profile"], j["mig_profile"]' "('mig-vgpu', 'H100-1-20C', '1g.20gb')"

t "advise reads its answers from standard input in the documented order"
printf 'hard\nh100-80gb\nno\ninference\nvm\nyes\nai_enterprise\n20GB\n' >"$WORK/in"
run_in "$WORK/in" advise -f json
expect_rc 0
cp "$WORK/out" "$WORK/walk.json"
run advise --isolation hard --gpu h100-80gb --workload inference --environment vm \
    --live-migration --license ai_enterprise --memory 20GB -f json
if cmp -s "$WORK/walk.json" "$WORK/out"; then ok; else bad "stdin answers and flags disagree"; fi
printf 'yes\n\n\n\n\n\n\n20GB\n' >"$WORK/in"
run_in "$WORK/in" advise -f json
expect_rc 0
expect_json 'j["method"]' mig

t "advise: a wrong or missing answer on standard input is an error at its line"
printf 'hard\nh100-80gb\nmaybe\n' >"$WORK/in"
run_in "$WORK/in" advise
expect_rc 3
expect_err "<stdin>:3: error: question 3 (full GPU): answer yes or no, not 'maybe'"
printf 'hard\nh100-80gb\n' >"$WORK/in"
run_in "$WORK/in" advise
expect_rc 3
expect_err "<stdin>:3: error: input ended before the answer to question 3 (full GPU)"
printf 'soft\n\nno\ninference\ncontainer\nno\nnone\n\n' >"$WORK/in"
run_in "$WORK/in" advise
expect_rc 3
expect_err "question 8 (memory): a tenant that shares a GPU needs a memory size"

t "advise: bad flags are usage errors with suggestions"
run advise --isolation hardd --memory 20GB
expect_rc 2
expect_err "unknown isolation 'hardd' (did you mean 'hard'?)"
run advise --license ai-enterprise --memory 20GB
expect_rc 2
expect_err "did you mean 'ai_enterprise'?"
run advise --memory 20
expect_rc 2
expect_err "memory '20':"
run advise --gpu h100-8gb --memory 20GB
expect_rc 2
expect_err "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?)"
run advise --full-gpu --compute 0.5
expect_rc 2
expect_err "asks for a whole GPU"

t "advise --tenant-yaml writes a tenants file on which explain decides the same"
run advise --gpu h100-80gb --isolation hard --memory 20GB --tenant-yaml
expect_rc 0
cp "$WORK/out" "$WORK/advice.yaml"
run explain "$WORK/advice.yaml" -f json
expect_rc 0
expect_json 'j["tenants"][0]["method"], j["tenants"][0]["profile"]' "('mig', '1g.20gb')"

t "advise agrees with explain on every tenant of every scenario file"
if "$PY" -c 'import yaml' 2>/dev/null; then
    problems=$("$PY" - "$GPUVPLAN" tests/data/scenarios/*.yaml <<'EOF'
import json, subprocess, sys, yaml

exe, files = sys.argv[1], sys.argv[2:]
bad, checked = [], 0

def run(args):
    p = subprocess.run([exe] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

def strip(d):
    # what the evaluator decided; the name and fleet costs are not the tenant's answers
    d = dict(d)
    d.pop("name", None)
    d["choices"] = [{k: v for k, v in c.items() if k != "cost_per_hour"} for c in d["choices"]]
    return d

for f in files:
    doc = yaml.safe_load(open(f))
    lic = [k for k, v in (doc.get("licenses") or {}).items() if v]
    fleet = [e["gpu"] for e in (doc.get("fleet") or [])]
    for t in doc["tenants"]:
        flags = []
        for key, opt in (("isolation", "--isolation"), ("workload", "--workload"),
                         ("environment", "--environment"), ("memory", "--memory"),
                         ("compute", "--compute"), ("gpus", "--gpus")):
            if key in t and not (key == "gpus" and t[key] == 0):
                flags += [opt, str(t[key])]
        for key, opt in (("live_migration", "--live-migration"), ("full_gpu", "--full-gpu"),
                         ("media", "--media")):
            if t.get(key):
                flags.append(opt)
        for l in lic:
            flags += ["--license", l]
        # Judge both on the same models: the pin, else each fleet model, else every model.
        models = [t["gpu"]] if t.get("gpu") else fleet if fleet else [None]
        for m in models:
            g = ["--gpu", str(m)] if m else []
            rc1, out1, err1 = run(["explain", f, "--tenant", t["name"], "-f", "json"] + g)
            rc2, out2, err2 = run(["advise", "-f", "json"] + flags + g)
            checked += 1
            where = "%s %s on %s" % (f, t["name"], m or "every model")
            if rc1 != rc2:
                bad.append("%s: exit %d vs %d %s" % (where, rc1, rc2, err2.strip()))
                continue
            e = strip(json.loads(out1)["tenants"][0])
            a = strip(json.loads(out2))
            if e != a:
                diff = [k for k in e if e.get(k) != a.get(k)]
                bad.append("%s: differ in %s (explain %s %s, advise %s %s)" %
                           (where, diff, e["method"], e["profile"], a["method"], a["profile"]))
if checked < 10:
    bad.append("only %d comparisons" % checked)
print("; ".join(bad) if bad else "ok %d" % checked)
EOF
)
    case $problems in
    "ok "*) ok ;;
    *) bad "$problems" ;;
    esac
else
    bad "/usr/bin/python3 has no yaml module: make check installs python3-yaml (scripts/deps.sh --test)"
fi

t "compare: the matrix of the six methods, from the rules and the database"
run_env COLUMNS=160 compare
expect_rc 0
expect_out_line '^ +passthrough +vGPU +MIG +MIG-backed vGPU +time-slicing +MPS$'
expect_out_line '^live migration +no \[[0-9]\] +yes +no \[[0-9]\] +yes +no \[[0-9]\] +no \[[0-9]\]$'
expect_out_line '^hard isolation +yes +whole GPU only \[[0-9]\] +yes +some types \[[0-9]\] +no \[[0-9]\] +no \[[0-9]\]$'
expect_out "takes only a type that holds the whole GPU"
expect_out_line '^tenants per GPU +1 +up to 32 +up to 7 +up to 48, 7 with hard +up to 64 +up to 48$'
expect_out "hard-isolation-excludes-sharing:"
expect_out "(rtx-pro-6000: DC-1-2Q, 12 VMs per 1g.24gb+gfx instance)"
expect_out "live-migration-excludes-bare-mig:"
run compare -f json
expect_rc 0
expect_json '[m["method"] for m in j["methods"]]' "['passthrough', 'vgpu', 'mig', 'mig-vgpu', 'time-slicing', 'mps']"
expect_json '[m["live_migration"]["allowed"] for m in j["methods"]]' '[False, True, False, True, False, False]'
expect_json '[m["hard_isolation"]["allowed"] for m in j["methods"]]' '[True, True, True, True, False, False]'
expect_json '[m["live_migration"]["rule"] for m in j["methods"]]' \
    "['live-migration-excludes-passthrough', None, 'live-migration-excludes-bare-mig', None, 'sharing-does-not-migrate', 'sharing-does-not-migrate']"
expect_json '[m["hard_isolation"]["rule"] for m in j["methods"]][4:]' \
    "['hard-isolation-excludes-sharing', 'hard-isolation-excludes-sharing']"
expect_json '[m["licenses"]["compute"] for m in j["methods"]]' "[[], ['ai_enterprise'], [], ['ai_enterprise'], [], []]"
expect_json '[m["tenants_per_gpu"]["max"] for m in j["methods"]]' '[1, 32, 7, 48, 64, 48]'
expect_json '[m["tenants_per_gpu"]["hard_isolation_max"] for m in j["methods"]]' '[1, 1, 7, 7, 0, 0]'
expect_json '[m["hard_isolation"]["time_sliced_types"] for m in j["methods"]]' '[0, 0, 0, 20, 0, 0]'
expect_json '[m["licenses"]["graphics"] for m in j["methods"]]' \
    "[['vws', 'vapps'], ['vws'], ['vws', 'vapps'], ['vws'], ['vws', 'vapps'], ['vws', 'vapps']]"
expect_json '"a30" in j["methods"][2]["gpus"] and "l40s" not in j["methods"][2]["gpus"]' True
expect_json 'len(j["methods"][0]["gpus"]) == j["models"]' True
expect_json '[s["method"] for s in j["scenarios"] if s["scenario"].startswith("SLA-bound VMs")]' "['mig-vgpu']"

t "compare --gpu h100-80gb: that model's real numbers"
run compare --gpu h100-80gb -f json
expect_rc 0
expect_json 'j["gpu"]' h100-80gb
expect_json '[m["tenants_per_gpu"]["max"] for m in j["methods"]]' '[1, 20, 7, 7, 64, 48]'
expect_json 'j["methods"][1]["tenants_per_gpu"]["detail"]' 'h100-80gb: H100-4C (20 per GPU) to H100-80C (1)'
expect_json 'j["methods"][2]["tenants_per_gpu"]["detail"]' 'h100-80gb: 7 instances of 1g.10gb'
expect_json '[(s["method"], s["rule"]) for s in j["scenarios"] if s["scenario"] in ("virtual desktops (VDI)", "graphics workstations")]' \
    "[('none', 'desktops-need-a-graphics-gpu'), ('none', 'desktops-need-a-graphics-gpu')]"
expect_json '[m["licenses"]["desktops"] for m in j["methods"]][:4]' '[None, None, None, None]'
run_env COLUMNS=160 compare --gpu h100-80gb
expect_out_line '^tenants per GPU +1 +1 to 20 +1 to 7 +1 to 7 +1 to 64 +1 to 48$'
expect_out_line '^  virtual desktops \(VDI\) +none on this model \(desktops-need-a-graphics-gpu\)$'
run compare --gpu l40s -f json
expect_rc 0
expect_json '[m["gpus"] for m in j["methods"]]' "[['l40s'], ['l40s'], [], [], ['l40s'], ['l40s']]"
expect_json 'j["methods"][2]["live_migration"]["allowed"]' False
run compare --gpu h100-8gb
expect_rc 3
expect_err "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?)"
run compare extra
expect_rc 2

t "on a terminal (tmux): the quiz re-asks an invalid answer and scores; advise walks the guide"
if command -v tmux >/dev/null 2>&1; then
    sock="gpuvplan-study-$$"
    answers_for 3 2 0 >"$WORK/key"
    a1=$(sed -n 1p "$WORK/key")
    # wait-for blocks until the command signals the channel: no sleeping, no polling.
    tmux -L "$sock" -f /dev/null new-session -d -s quiz -x 120 -y 200 \
        "$GPUVPLAN quiz --seed 3 --count 2; tmux -L $sock wait-for -S quiz-done; read x"
    tmux -L "$sock" send-keys -t quiz "zzz" Enter "$a1" Enter "q" Enter
    tmux -L "$sock" wait-for quiz-done
    tmux -L "$sock" capture-pane -p -S - -t quiz >"$WORK/out"
    expect_out "Type the number of your answer and press Enter; q quits."
    expect_out "'zzz' is not a choice: type a number from 1 to"
    expect_out "Right."
    expect_out "Stopped after 1 of 2 questions."
    expect_out_line '^Score: 1/1$'
    tmux -L "$sock" new-session -d -s advise -x 120 -y 200 \
        "$GPUVPLAN advise; tmux -L $sock wait-for -S advise-done; read x"
    tmux -L "$sock" send-keys -t advise "hardest" Enter "hard" Enter "h100-80gb" Enter "" Enter \
        "" Enter "" Enter "" Enter "" Enter "20GB" Enter
    tmux -L "$sock" wait-for advise-done
    tmux -L "$sock" capture-pane -p -S - -t advise >"$WORK/out"
    expect_out "Is isolation critical"
    expect_out "unknown isolation 'hardest'; try again"
    expect_out "How much GPU memory does one instance need?"
    expect_out_line '^Advice: mig 1g\.20gb on h100-80gb$'
    tmux -L "$sock" kill-server 2>/dev/null
else
    bad "tmux is not installed: make check installs it (scripts/deps.sh --test)"
fi
