#!/usr/bin/env python3
"""envelope_schema_check.py SCHEMA_DIR FILE... - the JSON Schema side of
tests/lib/test_envelope_schema.c: validates each file (one envelope's text)
against docs/schemas/envelope.schema.json, whose payload refs resolve to
docs/schemas/payload/<kind>.schema.json, and prints one line per file:
"PATH<TAB>accept" or "PATH<TAB>refuse<TAB>reason". Uses the jsonschema
package (Debian's python3-jsonschema 4.10, or newer)."""
import json
import os
import sys

import jsonschema


def load_store(schema_dir):
    store = {}
    for root, _, files in os.walk(schema_dir):
        for f in files:
            if f.endswith(".schema.json"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    s = json.load(fh)
                store[s["$id"]] = s
    return store


def make_validator(store):
    env = next(s for k, s in store.items() if k.endswith("/envelope.schema.json"))
    cls = jsonschema.validators.validator_for(env)
    try:  # jsonschema >= 4.18: the referencing library
        from referencing import Registry, Resource
        reg = Registry().with_resources((k, Resource.from_contents(s)) for k, s in store.items())
        return cls(env, registry=reg)
    except ImportError:
        resolver = jsonschema.RefResolver(env["$id"], env, store=store)
        return cls(env, resolver=resolver)


def main():
    v = make_validator(load_store(sys.argv[1]))
    for path in sys.argv[2:]:
        with open(path, "rb") as fh:
            raw = fh.read()
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            print(f"{path}\trefuse\tnot JSON: {e}")
            continue
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errs:
            where = "/".join(str(p) for p in errs[0].absolute_path) or "(top)"
            print(f"{path}\trefuse\t{where}: {errs[0].message[:160]}")
        else:
            print(f"{path}\taccept")


if __name__ == "__main__":
    main()
