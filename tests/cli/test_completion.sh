# gpuvplan completion: the scripts come from the option tables; the bash one is loaded and run.

# complete_words WORDS...: loads the bash completion and completes the last word; prints
# the candidates, one a line.
complete_words() {
    "$GPUVPLAN" completion bash >"$WORK/comp.bash"
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gpuvplan
        printf "%s\n" "${COMPREPLY[@]}"' sh "$WORK/comp.bash" "$@"
}

t "the bash script loads and registers a completion for gpuvplan"
run completion bash
expect_rc 0
CMD="bash: . <(gpuvplan completion bash); complete -p gpuvplan"
r=$(bash -c '. "$1"; complete -p gpuvplan' sh "$WORK/out" 2>&1)
if [ "$r" = "complete -F _gpuvplan gpuvplan" ]; then ok; else bad "complete -p says '$r'"; fi

t "bash completes commands, subcommands, options, format values and GPU ids"
CMD="complete gpuvplan rec"
r=$(complete_words gpuvplan rec)
if [ "$r" = recommend ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan mig l"
r=$(complete_words gpuvplan mig l)
if [ "$r" = layouts ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan recommend t.yaml --no-"
r=$(complete_words gpuvplan recommend t.yaml --no-)
if [ "$r" = --no-upgrades ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan mig layouts h100-80gb --m"
r=$(complete_words gpuvplan mig layouts h100-80gb --m)
if [ "$r" = --maximal ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan explain -f ''"
r=$(complete_words gpuvplan explain -f '' | tr '\n' ' ')
if [ "$r" = "table json yaml " ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan recommend --strategy f"
r=$(complete_words gpuvplan recommend --strategy f)
if [ "$r" = first-fit ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan compare --gpu h100-8"
r=$(complete_words gpuvplan compare --gpu h100-8)
if [ "$r" = h100-80gb ]; then ok; else bad "got '$r'"; fi
CMD="complete gpuvplan show a3"
r=$(complete_words gpuvplan show a3)
if [ "$r" = a30 ]; then ok; else bad "got '$r'"; fi

t "every option of every table is in the bash, zsh and fish scripts"
for sh in bash zsh fish; do
    run completion "$sh"
    expect_rc 0
    cp "$WORK/out" "$WORK/comp.$sh"
done
for c in gpus show "mig check" "mig layouts" explain rules recommend check quiz advise compare; do
    "$GPUVPLAN" $c --gpuvplan-options | cut -f3 >"$WORK/longs"
    while read -r l; do
        CMD="gpuvplan completion: $c $l"
        if grep -qE -- "[' ]$l " "$WORK/comp.bash"; then ok; else bad "$l missing from bash"; fi
        if grep -qF -- " -l ${l#--} " "$WORK/comp.fish"; then ok; else bad "$l missing from fish"; fi
    done <"$WORK/longs"
done
CMD="gpuvplan completion zsh"
if head -n 1 "$WORK/comp.zsh" | grep -q '^#compdef gpuvplan$' &&
    grep -q '^autoload -U +X bashcompinit && bashcompinit$' "$WORK/comp.zsh" &&
    grep -q '^complete -F _gpuvplan_bash gpuvplan$' "$WORK/comp.zsh"; then ok; else bad "not a zsh script"; fi

t "completion needs one known shell"
run completion
expect_rc 2
expect_err "which shell?"
run completion bsh
expect_rc 2
expect_err "unknown shell 'bsh' (did you mean 'bash'?)"
