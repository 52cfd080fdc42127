"""Schema-invalid mutations of a plan (issue 17, case 5), run through `gpuvplan check`.

usage: mutate.py GPUVPLAN PLAN.json SCHEMA.json WORKDIR
Walks the plan beside docs/plan.schema.json and, once per schema location and kind, makes one
mutation the schema rejects: a value of the wrong type, below a minimum, above a maximum, out
of an enum, a required member removed, an unknown member added. Each mutation is confirmed
invalid with the jsonschema package, then `check` must fail on it (exit 1 or 3, never 0, never
a crash). Prints one line per escaped mutation and a summary; exits 1 if any escaped.
"""
import copy
import json
import os
import subprocess
import sys

import jsonschema

gpuvplan, plan_path, schema_path, work = sys.argv[1:5]
plan = json.load(open(plan_path))
schema = json.load(open(schema_path))
validator = jsonschema.Draft202012Validator(schema)
TYPES = {"string": "x", "integer": 7, "number": 0.5, "boolean": True, "null": None,
         "object": {}, "array": []}
mutations = []
seen = set()


def add(key, path, fn):
    if key in seen:
        return
    seen.add(key)
    mutations.append((key, path, fn))


def setter(path, value):
    def fn(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return fn


def deleter(path, member):
    def fn(doc):
        node = doc
        for p in path:
            node = node[p]
        del node[member]
    return fn


def walk(value, sch, path, spath):
    types = sch.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    if types and path:
        for t, bad in TYPES.items():
            if t not in types and not (t == "integer" and "number" in types):
                add((spath, "type"), path, setter(path, bad))
                break
    if path and isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in sch:
            add((spath, "minimum"), path, setter(path, sch["minimum"] - 1))
        if "exclusiveMinimum" in sch:
            add((spath, "exclusiveMinimum"), path, setter(path, sch["exclusiveMinimum"]))
        if "maximum" in sch:
            add((spath, "maximum"), path, setter(path, sch["maximum"] + 1))
    if path and "enum" in sch:
        add((spath, "enum"), path, setter(path, "not-a-value"))
    if path and "const" in sch:
        add((spath, "const"), path, setter(path, "gpuvplan.plan/999"))
    if isinstance(value, dict):
        for r in sch.get("required", []):
            if r in value:
                add((spath, "required", r), path, deleter(path, r))
        if sch.get("additionalProperties") is False:
            add((spath, "extra"), path + ["bogus_member"], setter(path + ["bogus_member"], 1))
        for k, v in value.items():
            if k in sch.get("properties", {}):
                walk(v, sch["properties"][k], path + [k], spath + "." + k)
    elif isinstance(value, list) and "items" in sch:
        for i, v in enumerate(value):
            walk(v, sch["items"], path + [i], spath + "[]")


walk(plan, schema, [], "")
escaped = tried = 0
for key, path, fn in mutations:
    doc = copy.deepcopy(plan)
    fn(doc)
    if validator.is_valid(doc):
        continue  # this edit happens to be allowed (a type the schema accepts after all)
    tried += 1
    f = os.path.join(work, "mutant.json")
    with open(f, "w") as out:
        json.dump(doc, out)
    p = subprocess.run([gpuvplan, "check", f, "--allow-unplaced"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode not in (1, 3):
        escaped += 1
        print("escaped: %s %s: exit %d" % (key[0] or "/", key[1:], p.returncode))
print("schema mutations: %d tried, %d escaped" % (tried, escaped))
sys.exit(1 if escaped else 0)
