#!/usr/bin/env python3
"""Builds the seed corpus under fuzz/corpus/<target>/ from the project's test vectors.

Walks every JSON file under tests/vectors/ (copies of /work/shared/vectors, with their sources
noted there) and files every value that looks like an input of a target: compact JWS/JWE
strings, JWS/JWE JSON serializations, JWKs, JWK Sets, decoded protected headers, JSON
documents and base64url strings. Seeds are named by the SHA-1 of their content, as libFuzzer
does, so re-running is idempotent. Extra hand-written seeds live in fuzz/seeds/<target>/.

    python3 fuzz/make_corpus.py
"""
import base64
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "tests", "vectors")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


JWKS = []


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def put(target, data):
    if not os.path.exists(os.path.join(ROOT, "fuzz", "fuzz_targets", target + ".rs")):
        return
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


def header_of(seg):
    try:
        h = json.loads(b64d(seg))
        return h if isinstance(h, dict) else None
    except Exception:
        return None


def visit_str(s):
    parts = s.split(".")
    if len(parts) == 3 and all(c.isalnum() or c in "-_." for c in s):
        h = header_of(parts[0])
        if h is not None and "alg" in h and "enc" not in h:
            put("jws_compact", s)
            put("jws_header", b64d(parts[0]))
            try:
                if isinstance(json.loads(b64d(parts[1])), dict):
                    put("jwt_claims", b64d(parts[1]))
                    put("core_json_flat", b64d(parts[1]))
            except Exception:
                pass
            put("core_b64", parts[0])
            if parts[2]:
                put("core_b64", parts[2])
    elif len(parts) == 5 and all(c.isalnum() or c in "-_." for c in s):
        h = header_of(parts[0])
        if h is not None and "enc" in h:
            put("jwe_compact", s)
            put("jwe_header", b64d(parts[0]))


def visit(v):
    if isinstance(v, dict):
        if "kty" in v:
            put("jwk", dumps(v))
            JWKS.append(v)
            put("jwk_set", dumps({"keys": [v]}))
            put("core_json", dumps(v))
            put("core_json_flat", dumps(v))
        if isinstance(v.get("keys"), list):
            put("jwk_set", dumps(v))
            put("remote_jwks", "public, max-age=600\n" + dumps(v))
        if "payload" in v and ("signatures" in v or "signature" in v):
            put("jws_json", dumps(v))
            put("core_json", dumps(v))
            put("core_json_flat", dumps(v))
        if "ciphertext" in v and ("recipients" in v or "protected" in v or "encrypted_key" in v):
            put("jwe_json", dumps(v))
        for x in v.values():
            visit(x)
    elif isinstance(v, list):
        for x in v:
            visit(x)
    elif isinstance(v, str):
        visit_str(v)


def main():
    for dirpath, _, files in os.walk(VECTORS):
        for name in sorted(files):
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    visit(json.load(f))
    put("jwk_set", dumps({"keys": JWKS}))
    put("remote_jwks", "max-age=86400, must-revalidate\n" + dumps({"keys": JWKS}))
    if os.path.isdir(SEEDS):
        for target in sorted(os.listdir(SEEDS)):
            for name in sorted(os.listdir(os.path.join(SEEDS, target))):
                with open(os.path.join(SEEDS, target, name), "rb") as f:
                    put(target, f.read())
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    sys.exit(main())
