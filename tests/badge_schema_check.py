#!/usr/bin/env python3
"""Checks Open Badges 3.0 credentials against the official 1EdTech
AchievementCredential JSON Schema (tests/data/ob3/, Draft 2019-09), offline.

Usage: badge_schema_check.py SCHEMA FILE...
Each FILE is a JSON credential or a compact VC-JWT (whose payload is checked).
Exit 0 if every file is valid, 1 if any is not (errors on stderr), 2 if the
jsonschema module is missing (Debian: python3-jsonschema).
"""
import base64
import json
import sys

try:
    import jsonschema
except ImportError:
    print("badge_schema_check: python3 module jsonschema missing (apt install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)


def load_credential(path):
    text = open(path, encoding="utf-8").read().strip()
    if text.startswith("{"):
        return json.loads(text)
    payload = text.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in sys.argv[2:]:
        errors = sorted(validator.iter_errors(load_credential(path)), key=lambda e: list(e.path))
        for e in errors:
            print(f"{path}: {'/'.join(str(p) for p in e.path) or '(root)'}: {e.message}", file=sys.stderr)
        bad += bool(errors)
        print(f"{path}: {'INVALID' if errors else 'valid'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
