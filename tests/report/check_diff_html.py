#!/usr/bin/python3
"""Structural check of a `gpuvplan diff -f html` page against the diff's JSON and the two plans.

usage: check_diff_html.py DIFF.json OLD.json NEW.json PAGE.html

Parses the page back (well-formed XML as well as HTML) and checks: nothing is fetched or run
(no script, link, img, iframe, object, embed or anchor, no src/href or CSS url() that is not a
fragment, no @import); the summary figures are the JSON's; every GPU row of the JSON shown once:
a <g class="gpu"> (in the JSON's order, with its change, node, index and destroyed count), or,
only for a GPU that stays the same, its id on its node's line of unchanged GPUs; in each GPU the `before`
lane holds exactly the OLD plan's instances of that GPU and the `after` lane the NEW plan's, MIG
ones at their start and size in grid units; the instances marked destroyed are as many as the
JSON says, every instance that stays is on both sides, and no instance of a drained GPU stays;
every instance's fate is also written as text or in its title, and destroyed and appearing
blocks carry a pattern besides their colour; one row per tenant of the JSON that changes or is
disrupted, with its change, the others a row or a name on the line of tenants that stay; every
tenant name reads back as text. Prints one line per problem; exits 1 when there is any.
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


def text_of(el):
    return "".join(el.itertext())


def plan_gpus(plan):
    """The plan's GPUs by the identity the diff uses: node/index, or the id."""
    out = {}
    for g in plan.get("gpus", []):
        key = f"{g['node']}/{g['index']}" if g.get("node") is not None else g["id"]
        out[key] = g
    return out


def inst_key(x):
    return (x.get("profile"), int(x.get("start", -1) if x.get("start") is not None else -1),
            x.get("tenant"), int(x.get("replica", -1) if x.get("replica") is not None else -1))


def main():
    diff = json.load(open(sys.argv[1], encoding="utf-8"))
    old = json.load(open(sys.argv[2], encoding="utf-8"))
    new = json.load(open(sys.argv[3], encoding="utf-8"))
    text = open(sys.argv[4], encoding="utf-8").read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        print(f"{sys.argv[4]}: not well-formed: {e}")
        return 1

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
    for st in root.iter("style"):
        css = st.text or ""
        if "@import" in css or re.search(r"url\((?!#)", css):
            bad("a stylesheet fetches something")
    if "http://" in text or "https://" in text:
        bad("an external URL in the page")

    # The summary.
    keys = {s.get("data-key"): s.text for s in root.iter("span") if s.get("data-key")}
    for k, v in diff["summary"].items():
        if k not in keys:
            bad(f"summary: {k} not shown")
            continue
        want = "unknown" if v is None else f"{v:.2f}" if k.startswith("cost") else str(v)
        if keys[k] != want:
            bad(f"summary: {k} is {keys[k]!r}, the diff says {want!r}")

    # Every GPU row once: drawn (one group, in the diff's order), or, when it is the same on
    # both sides, named on its node's line of unchanged GPUs.
    groups = [g for g in root.iter("g") if "gpu" in classes(g)]
    listed = [sp.get("data-id") for sp in root.iter("span") if "same-gpu" in classes(sp)]
    drawn_ids = [g.get("data-id") for g in groups]
    rows = [r for r in diff["gpus"] if r["gpu"] in drawn_ids]
    for r in diff["gpus"]:
        n = drawn_ids.count(r["gpu"]) + listed.count(r["gpu"])
        if n != 1:
            bad(f"GPU {r['gpu']} shown {n} times")
        if r["gpu"] in listed and r["change"] != "same":
            bad(f"GPU {r['gpu']} is {r['change']} but only named as unchanged")
    if drawn_ids != [r["gpu"] for r in rows]:
        bad(f"GPUs drawn {drawn_ids}, diff order {[r['gpu'] for r in rows]}")
    if set(drawn_ids) | set(listed) != {r["gpu"] for r in diff["gpus"]}:
        bad("the GPUs shown are not the diff's")
    og, ng = plan_gpus(old), plan_gpus(new)
    for g, row in zip(groups, rows):
        gid = row["gpu"]
        if g.get("data-change") != row["change"]:
            bad(f"{gid}: change {g.get('data-change')}, diff {row['change']}")
        if int(g.get("data-destroyed", -1)) != row["instances_destroyed"]:
            bad(f"{gid}: destroyed {g.get('data-destroyed')}, diff {row['instances_destroyed']}")
        if row.get("node") is not None and (g.get("data-node") != row["node"]
                                            or int(g.get("data-index", -1)) != row["index"]):
            bad(f"{gid}: node/index {g.get('data-node')}/{g.get('data-index')}")
        sides = {s.get("data-side"): s for s in g.iter("g") if "side" in classes(s)}
        if set(sides) != {"before", "after"}:
            bad(f"{gid}: lanes {sorted(sides)}")
            continue
        drawn = {}
        for name, plan_side in (("before", og), ("after", ng)):
            lane = sides[name]
            insts = [x for x in lane.iter("g") if "inst" in classes(x)]
            pg = plan_side.get(gid)
            want = sorted(inst_key(x) for x in (pg["instances"] if pg else []))
            got = sorted((x.get("data-profile") or None, int(x.get("data-start")),
                          x.get("data-tenant") or None, int(x.get("data-replica"))) for x in insts)
            if got != want:
                bad(f"{gid} {name}: instances {got}, plan {want}")
            units = lane.get("data-units")
            if units:
                x0, uw = float(lane.get("data-x0")), float(lane.get("data-unit-width"))
                for x in insts:
                    rect = next(r for r in x.iter("rect") if "blk" in classes(r))
                    s, n = int(x.get("data-start")), int(x.get("data-size"))
                    if abs(float(rect.get("x")) - (x0 + s * uw + 1)) > 0.02 or \
                            abs(float(rect.get("width")) - (n * uw - 2)) > 0.02:
                        bad(f"{gid} {name}: {x.get('data-profile')}@{s} not at its units")
            for x in insts:
                st = x.get("data-status")
                title = x.find("title")
                if title is None or f"({st})" not in title.text:
                    bad(f"{gid} {name}: fate {st} not in the title")
                if st != "stays" and not any(c in ("goneh", "newh") for r in x.iter("rect")
                                             for c in classes(r)):
                    bad(f"{gid} {name}: a {st} block without its pattern")
                if (name == "before") != (st != "appears") and st != "stays":
                    bad(f"{gid} {name}: status {st} on the wrong side")
            drawn[name] = insts
        gone = sum(x.get("data-status") == "destroyed" for x in drawn["before"])
        if gone != row["instances_destroyed"]:
            bad(f"{gid}: {gone} drawn destroyed, diff {row['instances_destroyed']}")
        stays = [sorted((x.get("data-profile"), x.get("data-start"), x.get("data-tenant"))
                        for x in drawn[s] if x.get("data-status") == "stays") for s in sides]
        if stays[0] != stays[1]:
            bad(f"{gid}: what stays differs between the lanes")
        if row["change"] in ("reconfigured", "removed", "added") and stays[0]:
            bad(f"{gid}: {row['change']} but instances stay")

    # Tenants: a row for each that changes or is disrupted; the others a row, or named on the
    # line of tenants that stay.
    rows = {tr.get("data-tenant"): tr for tr in root.iter("tr") if tr.get("data-tenant") is not None}
    stay = [sp.get("data-tenant") for sp in root.iter("span") if "stay-tenant" in classes(sp)]
    for t in diff["tenants"]:
        tr = rows.get(t["name"])
        if tr is None:
            if t["change"] != "stays" or t["disrupted"]:
                bad(f"tenant {t['name']!r} ({t['change']}) has no row")
            elif stay.count(t["name"]) != 1:
                bad(f"tenant {t['name']!r} neither has a row nor is named as staying")
            continue
        if t["name"] in stay:
            bad(f"tenant {t['name']!r} has a row and is named as staying")
        if tr.get("data-change") != t["change"]:
            bad(f"tenant {t['name']!r}: change {tr.get('data-change')}, diff {t['change']}")
        if t["name"] not in text_of(tr):
            bad(f"tenant {t['name']!r} is not text in its row")
    if len(rows) + len(stay) != len(diff["tenants"]):
        bad(f"{len(rows)} tenant rows and {len(stay)} named, diff {len(diff['tenants'])}")

    for p in problems:
        print(f"{sys.argv[4]}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
