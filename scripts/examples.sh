#!/bin/sh
# Writes the bundled example's plan and its exported files (docs/examples) into OUTDIR.
# `make examples` runs it on docs/examples; tests/cli/test_export.sh runs it on a scratch
# directory and compares, so the committed files cannot drift from what the binary writes.
# usage: scripts/examples.sh PATH/TO/gpuvplan OUTDIR
set -eu
bin=${1:?usage: examples.sh PATH/TO/gpuvplan OUTDIR}
out=${2:?usage: examples.sh PATH/TO/gpuvplan OUTDIR}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
mkdir -p "$out"
"$bin" recommend docs/examples/tenants.yaml -f json -o "$out/plan.json"
# From inside OUTDIR, so every file names its plan "plan.json" wherever it was written.
cd "$out"
"$bin" export plan.json --to mig-parted -o mig-parted.yaml
"$bin" export plan.json --to labels -o node-labels.sh
"$bin" export plan.json --to labels -f json -o node-labels.json
"$bin" export plan.json --to vgpu-device-manager -o vgpu-device-manager.yaml
"$bin" export plan.json --to device-plugin -o device-plugin.yaml
"$bin" export plan.json --to dra -o dra.yaml
