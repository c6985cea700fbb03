#!/usr/bin/env python3
"""event_schema_check.py SCHEMA_DIR FILE... - validates each file (one
sf:events message) against docs/schemas/events/<message_type>.schema.json;
prints "PATH<TAB>ok" or "PATH<TAB>bad<TAB>reason" and exits 1 on any bad
one. Debian's python3-jsonschema."""
import json
import os
import sys

import jsonschema


def main():
    bad = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as fh:
            msg = json.load(fh)
        name = os.path.join(sys.argv[1], "%s.schema.json" % msg.get("message_type", "?"))
        try:
            with open(name, encoding="utf-8") as fh:
                schema = json.load(fh)
            jsonschema.validators.validator_for(schema)(schema).validate(msg)
            print("%s\tok" % path)
        except (OSError, jsonschema.ValidationError) as e:
            bad += 1
            print("%s\tbad\t%s" % (path, str(e).splitlines()[0]))
    sys.exit(1 if bad else 0)


main()
