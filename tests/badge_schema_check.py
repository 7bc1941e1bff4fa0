#!/usr/bin/env python3
"""Checks Open Badges 3.0 credentials against the official 1EdTech
AchievementCredential JSON Schema (tests/data/ob3/, Draft 2019-09), offline.

Usage: badge_schema_check.py SCHEMA FILE...
Each FILE is a JSON credential or a compact VC-JWT (whose payload is checked).
A CLR 2.0 ClrCredential (credmesh portfolio export) is checked this way: the
official CLR 2.0 schema is not vendored (no offline copy was available), so
its envelope is checked against the fields CLR 2.0 requires (listed in
clr_problems) and every embedded credential against the OB 3.0 schema.
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


ASSOCIATION_TYPES = {"exactMatchOf", "isChildOf", "isParentOf", "isPartOf", "isPeerOf",
                     "isRelatedTo", "precedes", "replacedBy"}


def clr_problems(clr):
    """The CLR 2.0 ClrCredential / ClrSubject / Association requirements."""
    out = []
    for field in ("@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject"):
        if field not in clr:
            out.append(f"missing {field}")
    ctx = clr.get("@context", [])
    if not (isinstance(ctx, list) and ctx[:1] == ["https://www.w3.org/ns/credentials/v2"]
            and any(str(c).startswith("https://purl.imsglobal.org/spec/clr/v2p0/context") for c in ctx)):
        out.append("@context must start with the VC 2.0 context and hold the CLR 2.0 context")
    if not (isinstance(clr.get("type"), list) and {"VerifiableCredential", "ClrCredential"} <= set(clr["type"])):
        out.append("type must be an array with VerifiableCredential and ClrCredential")
    subject = clr.get("credentialSubject", {})
    stype = subject.get("type")
    if "ClrSubject" not in (stype if isinstance(stype, list) else [stype]):
        out.append("credentialSubject.type must hold ClrSubject")
    vcs = subject.get("verifiableCredential")
    if not (isinstance(vcs, list) and vcs):
        out.append("credentialSubject.verifiableCredential must be a non-empty array")
    ids = [a.get("id") for a in subject.get("achievement", [])]
    if len(ids) != len(set(ids)) or None in ids:
        out.append("credentialSubject.achievement ids must be present and unique")
    for i, a in enumerate(subject.get("association", [])):
        if a.get("type") != "Association" or a.get("associationType") not in ASSOCIATION_TYPES \
                or not a.get("sourceId") or not a.get("targetId"):
            out.append(f"association[{i}] is not a CLR 2.0 Association")
        elif a["sourceId"] not in ids or a["targetId"] not in ids:
            out.append(f"association[{i}] names an achievement the record does not list")
    return out


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in sys.argv[2:]:
        cred = load_credential(path)
        problems = []
        if "ClrCredential" in cred.get("type", []):
            problems += [f"(CLR) {p}" for p in clr_problems(cred)]
            embedded = cred.get("credentialSubject", {}).get("verifiableCredential", [])
        else:
            embedded = [cred]
        for i, vc in enumerate(embedded):
            where = f"verifiableCredential[{i}]/" if embedded != [cred] else ""
            for e in sorted(validator.iter_errors(vc), key=lambda e: list(e.path)):
                problems.append(f"{where}{'/'.join(str(p) for p in e.path) or '(root)'}: {e.message}")
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        bad += bool(problems)
        print(f"{path}: {'INVALID' if problems else 'valid'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
