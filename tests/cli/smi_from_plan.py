"""Writes what nvidia-smi would print on each node of a plan, one file per node.

usage: smi_from_plan.py GPUVPLAN PLAN.json OUTDIR
Per node: a `# node:` line, `nvidia-smi --query-gpu=... --format=csv` and `nvidia-smi mig -lgi`,
as an operator would capture them after applying the plan. Bare MIG and MIG-backed vGPU GPUs
have MIG on with the plan's instances; the others have MIG off (or N/A without MIG).
"""
import json
import os
import subprocess
import sys

gpuvplan, plan_path, outdir = sys.argv[1:4]
plan = json.load(open(plan_path))
models = {}


def model(mid):
    if mid not in models:
        out = subprocess.run([gpuvplan, "show", mid, "-f", "json"], check=True,
                             capture_output=True, text=True).stdout
        models[mid] = json.loads(out)
    return models[mid]


by_id = {g["id"]: g for g in plan["gpus"]}
for node in plan["nodes"]:
    m = model(node["model"])
    pci = next(a for a in m["aliases"] if a.startswith("0x"))
    ids = {p["name"]: p["id"] for p in (m["mig"] or {}).get("profiles", [])}
    lines = ["# node: %s" % node["name"],
             "$ nvidia-smi --query-gpu=index,name,pci.device_id,memory.total,"
             "mig.mode.current --format=csv",
             "index, name, pci.device_id, memory.total [MiB], mig.mode.current"]
    lgi = []
    gi = 1
    for ix in range(node["gpus"]):
        g = by_id.get("%s/%d" % (node["name"], ix))
        mig = g is not None and g["mode"] in ("mig", "mig-vgpu")
        mode = "[N/A]" if not m["mig"] else ("Enabled" if mig else "Disabled")
        lines.append("%d, %s, %s10DE, %d MiB, %s" % (ix, m["name"], pci, m["memory_mib"], mode))
        for inst in (g["instances"] if mig else []):
            lgi.append("|  %2d  MIG %-12s %4d %8d %10d:%d     |"
                       % (ix, inst["profile"], ids[inst["profile"]], gi, inst["start"], inst["size"]))
            gi += 1
    if any(ids):
        lines += ["$ nvidia-smi mig -lgi",
                  "+----------------------------------------------------+",
                  "| GPU instances:                                     |",
                  "| GPU   Name             Profile  Instance   Placement  |",
                  "|                          ID       ID       Start:Size |",
                  "|====================================================|"]
        lines += lgi if lgi else ["No GPU instances found"]
        lines.append("+----------------------------------------------------+")
    with open(os.path.join(outdir, node["name"] + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
