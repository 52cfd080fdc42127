# Errors say what went wrong: never an empty message (issue 9).

t "recommend over the packer's instance limit names the file and says why"
{
    echo "version: 1"
    echo "tenants:"
    i=0
    while [ $i -lt 64 ]; do
        echo "  - {name: t$i, memory: 10GB, replicas: 1000000, isolation: hard}"
        i=$((i + 1))
    done
} >"$WORK/big.yaml"
run recommend "$WORK/big.yaml" --gpu h100-80gb
expect_rc 3
expect_err "big.yaml: error: more than 50000000 instances in total; split the problem"
