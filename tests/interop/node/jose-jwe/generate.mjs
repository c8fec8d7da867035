// Encrypts with panva's jose for every alg x enc pair tessera supports, to the test keys, and
// writes tests/vectors/interop/jose-node-tokens.json. Run: npm ci (in tests/interop/node) && node generate.mjs
import { writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { algs, encKeyLen, encs, jwks, password, publicJwk, secret, wrapLen } from './keys.mjs';

const plaintext = new TextEncoder().encode('The true sign of intelligence is not knowledge but imagination.');
const out = { generator: `jose ${JSON.parse((await import('node:fs')).readFileSync(new URL('../node_modules/jose/package.json', import.meta.url))).version} on Node ${process.version}`, plaintext_utf8: new TextDecoder().decode(plaintext), tokens: [] };

async function encryptionKey(alg, enc, label) {
  if (label === 'oct') return secret(alg === 'dir' ? encKeyLen[enc] : wrapLen(alg));
  if (label === 'pw') return password;
  return jose.importJWK(publicJwk(jwks[label]), alg);
}

for (const [alg, labels] of algs) {
  for (const label of labels) {
    for (const enc of encs) {
      const key = await encryptionKey(alg, enc, label);
      const compact = new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg, enc, kid: label });
      if (alg.startsWith('PBES2')) compact.setKeyManagementParameters({ p2c: 1000 });
      const flat = new jose.FlattenedEncrypt(plaintext)
        .setProtectedHeader({ enc })
        .setUnprotectedHeader({ alg, kid: label })
        .setAdditionalAuthenticatedData(new TextEncoder().encode('aad from jose'));
      if (alg.startsWith('PBES2')) flat.setKeyManagementParameters({ p2c: 1000 });
      out.tokens.push({
        alg, enc, key: label,
        compact: await compact.encrypt(key),
        flattened: await flat.encrypt(key),
      });
    }
  }
}

// One general JWE to three recipients with shared and per-recipient unprotected headers.
const general = new jose.GeneralEncrypt(plaintext)
  .setProtectedHeader({ enc: 'A256GCM' })
  .setSharedUnprotectedHeader({ cty: 'text/plain' })
  .setAdditionalAuthenticatedData(new TextEncoder().encode('general aad'));
general.addRecipient(await jose.importJWK(publicJwk(jwks.RSA), 'RSA-OAEP-256')).setUnprotectedHeader({ alg: 'RSA-OAEP-256', kid: 'RSA' });
general.addRecipient(await jose.importJWK(publicJwk(jwks['P-521']), 'ECDH-ES+A256KW')).setUnprotectedHeader({ alg: 'ECDH-ES+A256KW', kid: 'P-521' });
general.addRecipient(secret(32)).setUnprotectedHeader({ alg: 'A256GCMKW', kid: 'oct' });
out.general = await general.encrypt();

writeFileSync(new URL('../../../vectors/interop/jose-node-tokens.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.tokens.length} alg/enc/key combinations, plus one general JWE`);
