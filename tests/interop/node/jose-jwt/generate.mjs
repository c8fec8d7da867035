// Issues JWTs with panva's jose (SignJWT) for every JWS algorithm tessera implements, plus
// profile and failure cases, and writes tests/vectors/interop/jose-node-jwt-tokens.json.
// Run: npm ci (in tests/interop/node) && node generate.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { algs, jwks, publicJwk, secret } from '../jose-jws/keys.mjs';

const T = 1_700_000_000;
const ISS = 'https://op.example';
const version = JSON.parse(readFileSync(new URL('../node_modules/jose/package.json', import.meta.url))).version;
const out = { generator: `jose ${version} on Node ${process.version}`, now: T, issuer: ISS, audience: 'api', jwks: { keys: [] }, tokens: [], cases: {} };

async function signingKey(alg, label) {
  if (label.startsWith('oct')) return secret(Number(label.slice(3)));
  return jose.importJWK(jwks[label], alg);
}

// The verification keys, as a JWK Set (one entry per label; HMAC keys as oct).
for (const label of new Set(algs.map(([, l]) => l))) {
  const jwk = label.startsWith('oct')
    ? { kty: 'oct', k: jose.base64url.encode(secret(Number(label.slice(3)))) }
    : publicJwk(jwks[label]);
  out.jwks.keys.push({ ...jwk, kid: label });
}

const claims = {
  email: 'ann@example.com',
  realm_access: { roles: ['user', 'auditor'] },
  'https://example.com/tenant': 't-42',
};

for (const [alg, label] of algs) {
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: label, typ: 'JWT' })
    .setIssuer(ISS)
    .setSubject('user-1')
    .setAudience(['api', 'other'])
    .setIssuedAt(T)
    .setNotBefore(T - 5)
    .setExpirationTime(T + 3600)
    .setJti(`jti-${alg}`)
    .sign(await signingKey(alg, label));
  out.tokens.push({ alg, kid: label, token });
}

const es = await signingKey('ES256', 'P-256');
const base = () => new jose.SignJWT({}).setIssuer(ISS).setAudience('api').setIssuedAt(T).setExpirationTime(T + 600);
// RFC 9068 access token.
out.cases.access_token = await new jose.SignJWT({ client_id: 'client-7', scope: 'read write' })
  .setProtectedHeader({ alg: 'ES256', kid: 'P-256', typ: 'at+jwt' })
  .setIssuer(ISS).setSubject('user-1').setAudience('api').setIssuedAt(T).setExpirationTime(T + 600).setJti('at-1')
  .sign(es);
// Failures, each with its own error in tessera.
out.cases.expired = await base().setExpirationTime(T - 120).setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);
out.cases.not_yet_valid = await base().setNotBefore(T + 300).setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);
out.cases.wrong_issuer = await base().setIssuer('https://evil.example').setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);
out.cases.wrong_audience = await base().setAudience(['web', 'mobile']).setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);
out.cases.no_exp = await new jose.SignJWT({}).setIssuer(ISS).setAudience('api').setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);
// jose accepts any claim value; a string exp is a type error in tessera.
out.cases.exp_as_string = await new jose.SignJWT({ exp: String(T + 600) }).setIssuer(ISS).setAudience('api').setProtectedHeader({ alg: 'ES256', kid: 'P-256' }).sign(es);

writeFileSync(new URL('../../../vectors/interop/jose-node-jwt-tokens.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.tokens.length} algorithms, ${Object.keys(out.cases).length} cases`);
