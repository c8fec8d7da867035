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
                    put("core_json", b64d(parts[1]))
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
            if v["kty"] == "AKP":
                # akp_key mode 0 (the first byte): a whole JWK.
                put("akp_key", b"\x00" + dumps(v).encode())
            JWKS.append(v)
            put("jwk_set", dumps({"keys": [v]}))
            put("core_json", dumps(v))
            put("core_json", dumps(v))
        if isinstance(v.get("keys"), list):
            put("jwk_set", dumps(v))
            put("remote_jwks", "public, max-age=600\n" + dumps(v))
        if "payload" in v and ("signatures" in v or "signature" in v):
            put("jws_json", dumps(v))
            put("core_json", dumps(v))
            put("core_json", dumps(v))
        if "ciphertext" in v and ("recipients" in v or "protected" in v or "encrypted_key" in v):
            put("jwe_json", dumps(v))
        for x in v.values():
            visit(x)
    elif isinstance(v, list):
        for x in v:
            visit(x)
    elif isinstance(v, str):
        visit_str(v)


def ed25519_seeds():
    """ed25519_verify inputs (mode ‖ key[32] ‖ sig[64] ‖ message): RFC 8037 A.4 with the fixed
    key (mode 0), every 64-byte Wycheproof signature with its key (mode 1), and RFC 8032 TEST 1-3
    seeds signing (mode 2, zero mask: the valid signature)."""
    with open(os.path.join(VECTORS, "rfc-appendix", "rfc8037_appendix_A.json")) as f:
        v = json.load(f)
    h, p, sig = v["A.4_compact"].split(".")
    put("ed25519_verify", b"\x00" + bytes(32) + b64d(sig) + (h + "." + p).encode())
    with open(os.path.join(VECTORS, "wycheproof", "ed25519_test.json")) as f:
        w = json.load(f)
    for g in w["testGroups"]:
        pk = bytes.fromhex(g["publicKey"]["pk"])
        for t in g["tests"]:
            sig = bytes.fromhex(t["sig"])
            if len(pk) == 32 and len(sig) == 64:
                put("ed25519_verify", b"\x01" + pk + sig + bytes.fromhex(t["msg"]))
    for seed, msg in [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", ""),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72"),
        ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82"),
    ]:
        put("ed25519_verify", b"\x02" + bytes.fromhex(seed) + bytes(64) + bytes.fromhex(msg))


def main():
    for dirpath, _, files in os.walk(VECTORS):
        for name in sorted(files):
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    visit(json.load(f))
    put("jwk_set", dumps({"keys": JWKS}))
    ed25519_seeds()
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
