# The man page lists every option of every command, as the option tables declare them
# (`gpuvplan CMD --gpuvplan-options` prints a command's table).

man=docs/gpuvplan.1

# man_section CMD: the lines of the man page from ".SS CMD" to the next section.
man_section() {
    awk -v want=".SS $1" '$0 == want { on = 1; next } on && /^\.S[SH] / { exit } on' "$man"
}

# Every command of `gpuvplan --help`; mig is its two subcommands.
# A summary wrapped on a narrow terminal goes on under itself, indented further.
cmds=$("$GPUVPLAN" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on && /^  [^ ]/ { print $1 }')

t "the man page has a section for every command and lists every option of its table"
n=0
for c in $cmds; do
    case $c in mig) subs="mig_check mig_layouts" ;; *) subs=$c ;; esac
    for s in $subs; do
        cmd=$(echo "$s" | tr _ ' ')
        CMD="gpuvplan $cmd --gpuvplan-options"
        sec=$(man_section "$cmd")
        if [ -n "$sec" ]; then ok; else bad "no '.SS $cmd' section in $man"; continue; fi
        # Fields: command, short, long, value, choices, help (tab-separated).
        "$GPUVPLAN" $cmd --gpuvplan-options | while IFS='	' read -r _ short long value _ _; do
            [ "$long" = --help ] && continue
            if printf '%s\n' "$sec" | grep -qF -- "\\fB$(printf '%s' "$long" | sed 's/-/\\-/g')\\fR"; then
                echo ok
            else
                echo "FAIL [man page] $cmd: $long is not in its section of $man"
            fi
            if [ "$short" != - ]; then
                if printf '%s\n' "$sec" | grep -qF -- "\\fB\\$short\\fR"; then
                    echo ok
                else
                    echo "FAIL [man page] $cmd: $short is not in its section of $man"
                fi
            fi
        done >"$WORK/man-check"
        n=$((n + $(grep -c '^ok$' "$WORK/man-check")))
        if grep '^FAIL' "$WORK/man-check"; then fail=$((fail + $(grep -c '^FAIL' "$WORK/man-check"))); fi
    done
done
CMD="man page options"
if [ "$n" -gt 50 ]; then ok; else bad "only $n options checked"; fi
pass=$((pass + n))
