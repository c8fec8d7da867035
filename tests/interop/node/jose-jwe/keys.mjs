// The test keys, read from the same vector files the Rust tests use.
import { readFileSync } from 'node:fs';

const root = new URL('../../../vectors/', import.meta.url);
const load = (p) => JSON.parse(readFileSync(new URL(p, root), 'utf8'));
const strip = ({ use, ...k }) => k;

export const jwks = {
  RSA: strip(load('rfc-appendix/rfc7516_appendix_A.json')[0].jwk),
  'P-256': strip(load('rfc7520-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json').input.key),
  'P-384': strip(load('rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json').input.key),
  'P-521': strip(load('rfc7520-cookbook/jwk/3_2.ec_private_key.json')),
  X25519: strip(load('rfc-appendix/rfc8037_appendix_A6.json').bob_private),
};

export const publicJwk = ({ d, p, q, dp, dq, qi, ...k }) => k;

// Symmetric keys: byte i is (i * 29) ^ 0x5a, as in tests/jwe_roundtrip.rs and tests/jwe_interop.rs.
export const secret = (len) => Uint8Array.from({ length: len }, (_, i) => ((i * 29) & 0xff) ^ 0x5a);
export const password = new TextEncoder().encode('correct horse battery staple');

export const encs = ['A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512', 'A128GCM', 'A192GCM', 'A256GCM'];
export const encKeyLen = { 'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64, A128GCM: 16, A192GCM: 24, A256GCM: 32 };
export const algs = [
  ['RSA-OAEP', ['RSA']], ['RSA-OAEP-256', ['RSA']], ['RSA-OAEP-384', ['RSA']], ['RSA-OAEP-512', ['RSA']],
  ['A128KW', ['oct']], ['A192KW', ['oct']], ['A256KW', ['oct']], ['dir', ['oct']],
  ['A128GCMKW', ['oct']], ['A192GCMKW', ['oct']], ['A256GCMKW', ['oct']],
  ['PBES2-HS256+A128KW', ['pw']], ['PBES2-HS384+A192KW', ['pw']], ['PBES2-HS512+A256KW', ['pw']],
  ...['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'].map((a) => [a, ['P-256', 'P-384', 'P-521', 'X25519']]),
];
export const wrapLen = (alg) => ({ 128: 16, 192: 24, 256: 32 })[alg.match(/A(128|192|256)(GCM)?KW/)[1]];
