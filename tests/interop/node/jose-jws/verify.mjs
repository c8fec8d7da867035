// Verifies the JWS tessera produced (a JSON file given as argument, written by
// `cargo test --test jws_interop -- --ignored`) with panva's jose. Exits non-zero on failure.
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import { jwks, publicJwk, secret } from './keys.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const expected = input.payload_utf8;
const dec = (b) => new TextDecoder().decode(b);
let ok = 0;
const fail = (what, e) => { console.error(`FAIL ${what}: ${e?.message ?? e}`); process.exitCode = 1; };

async function verifyingKey(alg, label) {
  if (label.startsWith('oct')) return secret(Number(label.slice(3)));
  return jose.importJWK(publicJwk(jwks[label]), alg);
}

for (const t of input.tokens) {
  const key = await verifyingKey(t.alg, t.key);
  const algorithms = [t.alg];
  try {
    const r = await jose.compactVerify(t.compact, key, { algorithms });
    if (dec(r.payload) !== expected) throw new Error('payload differs');
    ok++;
  } catch (e) { fail(`${t.alg} compact`, e); }
  try {
    const r = await jose.flattenedVerify(t.flattened, key, { algorithms });
    if (dec(r.payload) !== expected) throw new Error('payload differs');
    ok++;
  } catch (e) { fail(`${t.alg} flattened`, e); }
  try {
    const r = await jose.flattenedVerify(t.unencoded, key, { algorithms });
    if (dec(r.payload) !== expected) throw new Error('payload differs');
    ok++;
  } catch (e) { fail(`${t.alg} unencoded`, e); }
  try {
    const r = await jose.flattenedVerify({ ...t.flattened_detached, payload: jose.base64url.encode(expected) }, key, { algorithms });
    if (dec(r.payload) !== expected) throw new Error('payload differs');
    ok++;
  } catch (e) { fail(`${t.alg} detached`, e); }
}
for (const [i, label] of ['RSA', 'P-521', 'oct32'].entries()) {
  const alg = ['RS256', 'ES512', 'HS256'][i];
  try {
    const r = await jose.generalVerify(input.general, await verifyingKey(alg, label), { algorithms: [alg] });
    if (dec(r.payload) !== expected) throw new Error('payload differs');
    ok++;
  } catch (e) { fail(`general ${alg}`, e); }
}
console.log(`jose verified ${ok} tessera JWS`);
