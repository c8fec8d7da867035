// The JWS test keys, read from the same vector files tests/jws_interop.rs uses.
import { readFileSync } from 'node:fs';

const root = new URL('../../../vectors/', import.meta.url);
const load = (p) => JSON.parse(readFileSync(new URL(p, root), 'utf8'));
const strip = ({ use, alg, kid, ...k }) => k;

export const jwks = {
  RSA: strip(load('rfc7520-cookbook/jwk/3_4.rsa_private_key.json')),
  'P-256': strip(load('rfc-appendix/rfc7515_appendix_A.json')[2].jwk),
  'P-384': strip(load('rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json').input.key),
  'P-521': strip(load('rfc7520-cookbook/jwk/3_2.ec_private_key.json')),
  Ed25519: strip(load('rfc-appendix/rfc8037_appendix_A.json')['A.1_private_key']),
};

export const publicJwk = ({ d, p, q, dp, dq, qi, ...k }) => k;

// HMAC keys: byte i is (i * 29) ^ 0x5a, as long as the hash.
export const secret = (len) => Uint8Array.from({ length: len }, (_, i) => ((i * 29) & 0xff) ^ 0x5a);

// Every JWS algorithm tessera implements, with the key it uses.
export const algs = [
  ['HS256', 'oct32'], ['HS384', 'oct48'], ['HS512', 'oct64'],
  ['RS256', 'RSA'], ['RS384', 'RSA'], ['RS512', 'RSA'],
  ['PS256', 'RSA'], ['PS384', 'RSA'], ['PS512', 'RSA'],
  ['ES256', 'P-256'], ['ES384', 'P-384'], ['ES512', 'P-521'],
  ['EdDSA', 'Ed25519'], ['Ed25519', 'Ed25519'],
];
