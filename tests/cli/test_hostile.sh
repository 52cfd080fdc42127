# Hostile input, second pass (issue 17): each case of the issue is a test here.
H=tests/data/hostile

t "case 1: a constraint forbidding the profile the rules choose is rejected at load, not a crash"
run --profiles "$H/max-zero" recommend "$H/big.yaml"
expect_rc 3
expect_err "max-zero/lab.yaml:18:7: error: MIG constraint 1 makes profile '4g.24gb' unusable: no GPU can hold one instance of it"

t "case 1: a profile exclusive with itself is rejected at load"
run --profiles "$H/self-exclusive" recommend "$H/small.yaml"
expect_rc 3
expect_err "self-exclusive/lab.yaml:18:7: error: MIG constraint 1 makes profile '1g.6gb' unusable"

t "case 2: the greedy cover never spins on a profile no pattern serves"
run --profiles "$H/max-zero" recommend "$H/small.yaml" --gpu lab-grid
expect_rc 3
expect_err "makes profile '4g.24gb' unusable"

t "case 3: first-fit never writes a plan from an unusable profile"
run --profiles "$H/self-exclusive" recommend "$H/small.yaml" --gpu lab-grid --strategy first-fit -f json
expect_rc 3
expect_no_out '"start"'
