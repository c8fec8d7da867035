// Signs with panva's jose for every JWS algorithm tessera implements, in every serialization,
// and writes tests/vectors/interop/jose-node-jws-tokens.json. Run: npm ci (in tests/interop/node) && node generate.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { algs, jwks, secret } from './keys.mjs';

const payload = new TextEncoder().encode('{"iss":"jose","note":"signed by panva/jose; a.b.c"}');
const version = JSON.parse(readFileSync(new URL('../node_modules/jose/package.json', import.meta.url))).version;
const out = { generator: `jose ${version} on Node ${process.version}`, payload_utf8: new TextDecoder().decode(payload), tokens: [] };

async function signingKey(alg, label) {
  if (label.startsWith('oct')) return secret(Number(label.slice(3)));
  return jose.importJWK(jwks[label], alg);
}

for (const [alg, label] of algs) {
  const key = await signingKey(alg, label);
  const compact = await new jose.CompactSign(payload)
    .setProtectedHeader({ alg, kid: label, typ: 'example+jws' })
    .sign(key);
  const flattened = await new jose.FlattenedSign(payload)
    .setProtectedHeader({ alg })
    .setUnprotectedHeader({ kid: label })
    .sign(key);
  // RFC 7797: unencoded payload (the payload contains '.', so compact must be detached).
  const unencoded = await new jose.FlattenedSign(payload)
    .setProtectedHeader({ alg, b64: false, crit: ['b64'] })
    .sign(key);
  const [h, , s] = compact.split('.');
  const { payload: _, ...detachedFlattened } = flattened;
  out.tokens.push({
    alg, key: label, compact, flattened, unencoded,
    compact_detached: `${h}..${s}`,
    flattened_detached: detachedFlattened,
    unencoded_compact_detached: `${unencoded.protected}..${unencoded.signature}`,
  });
}

// One general JWS with three signatures and per-signature headers.
const general = new jose.GeneralSign(payload);
general.addSignature(await signingKey('RS256', 'RSA')).setProtectedHeader({ alg: 'RS256' }).setUnprotectedHeader({ kid: 'RSA' });
general.addSignature(await signingKey('ES512', 'P-521')).setProtectedHeader({ alg: 'ES512', kid: 'P-521' });
general.addSignature(secret(32)).setProtectedHeader({ alg: 'HS256', typ: 'example+jws' }).setUnprotectedHeader({ kid: 'oct32' });
out.general = await general.sign();

writeFileSync(new URL('../../../vectors/interop/jose-node-jws-tokens.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.tokens.length} algorithms x 6 forms, plus one general JWS with 3 signatures`);
