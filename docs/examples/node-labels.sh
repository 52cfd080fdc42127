#!/bin/sh
# Node labels for the nodes of plan plan.json,
# written by gpuvplan export (docs/export.md). Do not edit: export again.
# Each node selects its mig-parted, vgpu-device-manager and device-plugin
# configs (gpuvplan export --to mig-parted|vgpu-device-manager|device-plugin)
# and keeps the fleet's labels. Apply the configs first.
set -eu
kubectl label node 'hgx-01' 'nvidia.com/mig.config=gpuvplan-h100-80gb-77d91ad4' 'nvidia.com/vgpu.config=gpuvplan-h100-80gb-927b2127' 'nvidia.com/device-plugin.config=gpuvplan-mig-mixed' 'nvidia.com/gpu.workload=ai' 'topology.kubernetes.io/zone=rack-a' --overwrite
kubectl label node 'gfx-1' 'nvidia.com/vgpu.config=gpuvplan-l40s-d5b13e61' 'nvidia.com/device-plugin.config=gpuvplan-mig-none' 'nvidia.com/gpu.workload=graphics' 'topology.kubernetes.io/zone=rack-b' --overwrite
