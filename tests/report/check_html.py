#!/usr/bin/python3
"""Structural check of a `gpuvplan report` page against the plan it was drawn from.

usage: check_html.py PLAN.json REPORT.html

Parses the page back (it is well-formed XML as well as HTML) and checks: nothing is fetched or
run (no script, link, img, iframe, object or embed element, no src/href that is not a fragment,
no CSS url() that is not a fragment, no @import); every string of the plan reads back as text;
one <g class="gpu"> per GPU of the plan; on grid GPUs (MIG and mixed-size vGPU) every instance
rectangle sits at its plan start and size in grid units, and instances plus free and stranded
runs tile the grid exactly; on slot and whole GPUs the tenants and replicas match; every block
has its tenant's legend colour; with nodes, every GPU sits in its node's row and
each row shows the node's layout slot by slot, unused slots marked; every unplaced
tenant is listed with its reasons. Prints one line per problem; exits 1 when there is any.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

problems = []


def bad(msg):
    problems.append(msg)


def classes(el):
    return (el.get("class") or "").split()


def main():
    plan = json.load(open(sys.argv[1], encoding="utf-8"))
    text = open(sys.argv[2], encoding="utf-8").read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        print(f"{sys.argv[2]}: not well-formed: {e}")
        return 1
    parent = {c: p for p in root.iter() for c in p}

    # Nothing fetched, nothing run.
    for el in root.iter():
        if el.tag in ("script", "link", "img", "iframe", "object", "embed", "base", "a"):
            bad(f"element <{el.tag}> in the page")
        for k, v in el.attrib.items():
            if k.startswith("on"):
                bad(f"event handler {k} on <{el.tag}>")
            if k in ("src", "href", "srcset", "poster", "action", "background") or k.endswith("}href"):
                if not v.startswith("#"):
                    bad(f"<{el.tag} {k}='{v}'> points outside the page")
            if k == "style" and re.search(r"url\((?!#)", v):
                bad(f"style url() outside the page: {v}")
            if k in ("fill", "stroke") and "url(" in v and not v.startswith("url(#"):
                bad(f"{k} outside the page: {v}")
    for st in root.iter("style"):
        css = st.text or ""
        if "@import" in css or re.search(r"url\((?!#)", css):
            bad("the stylesheet fetches something")
        if "@media print" not in css:
            bad("no print stylesheet")

    # Legend colours.
    legend = {}
    for tr in root.iter("tr"):
        sw = [s for s in tr.iter("span") if "sw" in classes(s)]
        if sw:
            name = "".join(sw[0].tail or "")
            m = re.search(r"background:(#[0-9a-f]{6})", sw[0].get("style", ""))
            legend[name] = m.group(1) if m else None
    for t in plan["tenants"]:
        if t["name"] not in legend:
            bad(f"tenant {t['name']!r} is not in the legend as text")

    # One group per GPU.
    groups = {}
    for g in root.iter("g"):
        if "gpu" in classes(g):
            gid = g.get("data-id")
            if gid in groups:
                bad(f"GPU {gid!r} drawn twice")
            groups[gid] = g
    if len(groups) != len(plan["gpus"]):
        bad(f"{len(groups)} GPU groups for {len(plan['gpus'])} GPUs")

    nodes = any(g.get("node") is not None for g in plan["gpus"])
    for pg in plan["gpus"]:
        g = groups.get(pg["id"])
        if g is None:
            bad(f"GPU {pg['id']!r} is not drawn")
            continue
        insts = [e for e in g.iter("g") if "inst" in classes(e)]
        blocks = []
        for e in insts:
            rects = [r for r in e if r.tag == "rect" and "blk" in classes(r)]
            if len(rects) != 1:
                bad(f"{pg['id']}: an instance group with {len(rects)} block rectangles")
                continue
            blocks.append((e, rects[0]))
            colour = legend.get(e.get("data-tenant"))
            if colour and rects[0].get("fill") != colour:
                bad(f"{pg['id']}: {e.get('data-tenant')!r} drawn {rects[0].get('fill')}, legend {colour}")
        if len(blocks) != len(pg["instances"]):
            bad(f"{pg['id']}: {len(blocks)} instances drawn, plan has {len(pg['instances'])}")
        want = sorted((i["tenant"], i["replica"], i["start"], i["size"]) for i in pg["instances"])
        if g.get("data-units"):
            units = int(g.get("data-units"))
            x0 = float(g.get("data-x0"))
            uw = float(g.get("data-unit-width"))
            gap = float(g.get("data-gap"))
            got = []
            cover = [0] * units
            for e, r in blocks:
                start = (float(r.get("x")) - x0 - gap / 2) / uw
                size = (float(r.get("width")) + gap) / uw
                if abs(start - round(start)) > 0.02 or abs(size - round(size)) > 0.02:
                    bad(f"{pg['id']}: block at x={r.get('x')} width={r.get('width')} is not on the grid")
                start, size = round(start), round(size)
                if str(start) != e.get("data-start") or str(size) != e.get("data-size"):
                    bad(f"{pg['id']}: block drawn at {start}+{size}, labelled {e.get('data-start')}+{e.get('data-size')}")
                got.append((e.get("data-tenant"), int(e.get("data-replica")), start, size))
                for u in range(start, start + size):
                    if 0 <= u < units:
                        cover[u] += 1
            for e in g.iter("g"):
                if set(classes(e)) & {"free", "stranded"}:
                    s, n = int(e.get("data-start")), int(e.get("data-size"))
                    for u in range(s, s + n):
                        cover[u] += 1
            if got != want and sorted(got) != want:
                bad(f"{pg['id']}: drawn {sorted(got)}, plan {want}")
            if any(c != 1 for c in cover):
                bad(f"{pg['id']}: units covered {cover}, each should be once")
        else:
            got = sorted((e.get("data-tenant"), int(e.get("data-replica"))) for e, _ in blocks)
            if got != sorted((i["tenant"], i["replica"]) for i in pg["instances"]):
                bad(f"{pg['id']}: drawn {got}")
        if nodes:
            if g.get("data-node") != pg.get("node") or g.get("data-index") != str(pg.get("index")):
                bad(f"{pg['id']}: drawn as node {g.get('data-node')} index {g.get('data-index')}")
            p = parent.get(parent.get(g))
            while p is not None and "node" not in classes(p):
                p = parent.get(p)
            if p is None or p.get("data-node") != pg.get("node"):
                bad(f"{pg['id']}: not in the row of node {pg.get('node')!r}")

    for n in plan.get("nodes", []) if isinstance(plan.get("nodes"), list) else []:
        rows = [d for d in root.iter("div") if "node" in classes(d) and d.get("data-node") == n["name"]]
        if len(rows) != 1:
            bad(f"node {n['name']!r} has {len(rows)} rows")
            continue
        # Its slots in index order: each of the plan's GPUs, and the unused ones marked so.
        layout = n.get("layout") if isinstance(n.get("layout"), list) else []
        slots = []
        for svg in rows[0].iter("svg"):
            for g in svg:
                if g.tag != "g":
                    continue
                if "gpu" in classes(g):
                    slots.append((int(g.get("data-index")), g.get("data-id")))
                elif "unused" in classes(g):
                    if g.get("data-node") != n["name"]:
                        bad(f"node {n['name']!r}: an unused slot of node {g.get('data-node')!r}")
                    slots.append((int(g.get("data-index")), None))
        want = [(x["index"], x["gpu"]) for x in layout]
        if layout and slots != want:
            bad(f"node {n['name']!r}: slots drawn {slots}, layout {want}")

    # Unplaced tenants with their reasons.
    listed = {li.get("data-tenant"): li for li in root.iter("li") if li.get("data-tenant") is not None}
    for u in plan["unplaced"]:
        li = listed.get(u["tenant"])
        if li is None:
            bad(f"unplaced tenant {u['tenant']!r} is not listed")
            continue
        reasons = [x.text for x in li.iter("li") if x is not li]
        if reasons != u["reasons"]:
            bad(f"unplaced tenant {u['tenant']!r}: reasons {reasons}, plan {u['reasons']}")

    for p in problems:
        print(f"{sys.argv[2]}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
