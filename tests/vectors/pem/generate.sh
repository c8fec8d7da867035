#!/bin/sh
# Regenerates the PEM/DER fixtures with OpenSSL (an independent implementation).
# The committed files were made by this script; tests/jwk_pem.rs compares tessera's import
# against `openssl pkey -text` and verifies signatures made by `openssl dgst` / `pkeyutl`.
set -eu
cd "$(dirname "$0")"
openssl version > OPENSSL_VERSION.txt
# JWS signing inputs: BASE64URL({"alg":ALG}) '.' BASE64URL("signed by openssl").
msg() { printf '%s.c2lnbmVkIGJ5IG9wZW5zc2w' "$(printf '{"alg":"%s"}' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '=')" > "msg.$1.txt"; }
for a in RS256 PS512 ES256 ES384 ES512 EdDSA; do msg $a; done

# RSA 2048: PKCS#8, SPKI, PKCS#1 (private and public), DER forms.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pkcs8.pem
openssl pkey -in rsa2048.pkcs8.pem -pubout -out rsa2048.spki.pem
openssl rsa -in rsa2048.pkcs8.pem -traditional -out rsa2048.pkcs1.pem
openssl rsa -in rsa2048.pkcs8.pem -RSAPublicKey_out -out rsa2048.pkcs1.pub.pem
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pkcs8.pem -outform DER -out rsa2048.pkcs8.der
openssl pkey -in rsa2048.pkcs8.pem -pubout -outform DER -out rsa2048.spki.der
openssl rsa -in rsa2048.pkcs8.pem -traditional -outform DER -out rsa2048.pkcs1.der
openssl pkey -in rsa2048.pkcs8.pem -text -noout > rsa2048.txt
openssl dgst -sha256 -sign rsa2048.pkcs8.pem -out rsa2048.rs256.sig msg.RS256.txt
openssl dgst -sha512 -sign rsa2048.pkcs8.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:64 -out rsa2048.ps512.sig msg.PS512.txt

# RSA 1024: refused unless the policy allows it.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pkcs8.pem

# EC: PKCS#8, SEC1, SPKI (uncompressed and compressed), DER forms.
for c in P-256:sha256:ES256 P-384:sha384:ES384 P-521:sha512:ES512; do
  crv=$(echo "$c" | cut -d: -f1); h=$(echo "$c" | cut -d: -f2); alg=$(echo "$c" | cut -d: -f3) n=$(echo "$crv" | tr -d -- '-' | tr 'P' 'p')
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$crv -out $n.pkcs8.pem
  openssl pkey -in $n.pkcs8.pem -pubout -out $n.spki.pem
  openssl ec -in $n.pkcs8.pem -out $n.sec1.pem
  openssl ec -in $n.pkcs8.pem -pubout -conv_form compressed -out $n.spki.compressed.pem
  openssl pkcs8 -topk8 -nocrypt -in $n.pkcs8.pem -outform DER -out $n.pkcs8.der
  openssl ec -in $n.pkcs8.pem -outform DER -out $n.sec1.der
  openssl pkey -in $n.pkcs8.pem -pubout -outform DER -out $n.spki.der
  openssl pkey -in $n.pkcs8.pem -text -noout > $n.txt
  openssl dgst -$h -sign $n.pkcs8.pem -out $n.sig.der msg.$alg.txt
done
# `openssl ecparam -genkey` writes an EC PARAMETERS block before the key.
openssl ecparam -name prime256v1 -genkey -out p256.ecparam.pem

# Ed25519 and X25519.
openssl genpkey -algorithm ed25519 -out ed25519.pkcs8.pem
openssl pkey -in ed25519.pkcs8.pem -pubout -out ed25519.spki.pem
openssl pkcs8 -topk8 -nocrypt -in ed25519.pkcs8.pem -outform DER -out ed25519.pkcs8.der
openssl pkey -in ed25519.pkcs8.pem -text -noout > ed25519.txt
openssl pkeyutl -sign -inkey ed25519.pkcs8.pem -rawin -in msg.EdDSA.txt -out ed25519.sig
openssl genpkey -algorithm x25519 -out x25519.pkcs8.pem
openssl pkey -in x25519.pkcs8.pem -pubout -out x25519.spki.pem
openssl pkey -in x25519.pkcs8.pem -text -noout > x25519.txt

# Encrypted PKCS#8: refused with a clear error.
openssl pkcs8 -topk8 -in p256.pkcs8.pem -passout pass:secret -v2 aes-256-cbc -out p256.encrypted.pem
