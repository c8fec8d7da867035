"""The independent JOSE peer for tessera's interoperability tests, built on jwcrypto.

    python peer.py produce < spec.json   > cases.json
    python peer.py consume < cases.json  > results.json

`produce` takes {"payload": str, "jws": [{"alg", "b64"?}], "jwe": [{"alg", "enc", "crv"?}],
"jwt": [{"alg", "claims"}]}, generates a fresh key per case with jwcrypto, signs or encrypts the
payload (a JWT gets "iat" = now and "exp" = now + 600 added to its claims), and prints
{"cases": [{"kind", "alg", "enc"?, "claims"?, "jwk" (private), "token"}]}.

`consume` takes {"cases": [{"kind", "alg", "enc"?, "jwk", "token", "payload" | "claims"}]},
verifies or decrypts each token with jwcrypto allowing only the case's algorithms (and for a
JWT, checking exp, iss and aud), and prints
{"results": [{"ok": bool, "payload"?: str, "error"?: str}]}.
"""

import json
import sys
import time

from jwcrypto import jwe, jwk, jws, jwt
from jwcrypto.common import json_encode

RSA = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
       "RSA-OAEP", "RSA-OAEP-256", "RSA1_5"}
EC = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
HMAC_BITS = {"HS256": 256, "HS384": 384, "HS512": 512}
KW_BITS = {"A128KW": 128, "A192KW": 192, "A256KW": 256,
           "A128GCMKW": 128, "A192GCMKW": 192, "A256GCMKW": 256}
ENC_BITS = {"A128GCM": 128, "A192GCM": 192, "A256GCM": 256,
            "A128CBC-HS256": 256, "A192CBC-HS384": 384, "A256CBC-HS512": 512}


def new_key(alg, enc=None, crv=None):
    if alg in RSA:
        return jwk.JWK.generate(kty="RSA", size=2048)
    if alg in EC:
        return jwk.JWK.generate(kty="EC", crv=EC[alg])
    if alg == "EdDSA":
        return jwk.JWK.generate(kty="OKP", crv="Ed25519")
    if alg.startswith("ML-DSA-"):
        # RFC 9964 AKP keys (jwcrypto >= 1.6 on cryptography >= 49, OpenSSL's ML-DSA).
        return jwk.JWK.generate(kty="AKP", alg=alg)
    if alg in HMAC_BITS:
        return jwk.JWK.generate(kty="oct", size=HMAC_BITS[alg])
    if alg in KW_BITS:
        return jwk.JWK.generate(kty="oct", size=KW_BITS[alg])
    if alg == "dir":
        return jwk.JWK.generate(kty="oct", size=ENC_BITS[enc])
    if alg.startswith("ECDH-ES"):
        crv = crv or "P-256"
        if crv == "X25519":
            return jwk.JWK.generate(kty="OKP", crv="X25519")
        return jwk.JWK.generate(kty="EC", crv=crv)
    raise ValueError("no key recipe for " + alg)


def produce(spec):
    payload = spec.get("payload", "").encode("utf-8")
    cases = []
    for c in spec.get("jws", []):
        alg = c["alg"]
        key = new_key(alg)
        if c.get("b64", True):
            s = jws.JWS(payload)
            s.add_signature(key, None, json_encode({"alg": alg}), None)
            token = s.serialize(compact=True)
        else:
            # RFC 7797 unencoded payload. jwcrypto 1.6.1 writes it only in the compact
            # serialization (its JSON writer fails on the bytes payload) and reads it only in
            # the JSON serialization (its compact reader always base64url-decodes).
            protected = {"alg": alg, "b64": False, "crit": ["b64"]}
            s = jws.JWS(payload)
            s.add_signature(key, None, json_encode(protected), None)
            token = s.serialize(compact=True)
        cases.append({"kind": "jws", "alg": alg, "b64": c.get("b64", True),
                      "jwk": json.loads(key.export(private_key=True)),
                      "token": token})
    for c in spec.get("jwe", []):
        alg, enc = c["alg"], c["enc"]
        key = new_key(alg, enc, c.get("crv"))
        e = jwe.JWE(payload, json_encode({"alg": alg, "enc": enc}))
        e.allowed_algs = [alg, enc]
        recipient = key if key.get("kty") == "oct" else jwk.JWK.from_json(key.export_public())
        e.add_recipient(recipient)
        cases.append({"kind": "jwe", "alg": alg, "enc": enc, "crv": c.get("crv"),
                      "jwk": json.loads(key.export(private_key=True)),
                      "token": e.serialize(compact=True)})
    for c in spec.get("jwt", []):
        alg = c["alg"]
        key = new_key(alg)
        now = int(time.time())
        claims = dict(c["claims"], iat=now, exp=now + 600)
        t = jwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=claims)
        t.make_signed_token(key)
        cases.append({"kind": "jwt", "alg": alg, "claims": claims,
                      "jwk": json.loads(key.export(private_key=True)),
                      "token": t.serialize()})
    return {"cases": cases}


def consume_one(case):
    key = jwk.JWK(**case["jwk"])
    if case["kind"] == "jwt":
        # Signature, then exp (required, with jwcrypto's default leeway), iss and aud.
        t = jwt.JWT(jwt=case["token"], key=key, algs=[case["alg"]],
                    check_claims={"exp": None, "iss": case["claims"]["iss"],
                                  "aud": case["claims"]["aud"]})
        return t.claims
    if case["kind"] == "jws":
        s = jws.JWS()
        s.allowed_algs = [case["alg"]]
        s.deserialize(case["token"])
        s.verify(key)
        return s.payload
    e = jwe.JWE()
    e.allowed_algs = [case["alg"], case["enc"]]
    e.deserialize(case["token"], key=key)
    return e.payload


def consume(doc):
    results = []
    for case in doc["cases"]:
        try:
            payload = consume_one(case)
            text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
            if case["kind"] == "jwt":
                ok = json.loads(text) == case["claims"]
            else:
                ok = text == case["payload"]
            results.append({"ok": ok, "payload": text})
        except Exception as exc:  # report every failure, keep going
            results.append({"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
    return {"results": results}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    doc = json.load(sys.stdin)
    if mode == "produce":
        out = produce(doc)
    elif mode == "consume":
        out = consume(doc)
    else:
        sys.exit("usage: peer.py produce|consume < input.json")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
