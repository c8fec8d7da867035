// Decrypts, with panva's jose, the tokens tessera wrote (tests/jwe_interop.rs, the ignored test
// `tessera_to_jose`), and checks the plaintext. Usage: node verify.mjs <tokens.json>
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import { encKeyLen, jwks, password, secret, wrapLen } from './keys.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const want = input.plaintext_utf8;
let ok = 0;
const failures = [];

async function decryptionKey(alg, enc, label) {
  if (label === 'oct') return secret(alg === 'dir' ? encKeyLen[enc] : wrapLen(alg));
  if (label === 'pw') return password;
  return jose.importJWK(jwks[label], alg);
}

for (const t of input.tokens) {
  const key = await decryptionKey(t.alg, t.enc, t.key);
  try {
    const options = { keyManagementAlgorithms: [t.alg], contentEncryptionAlgorithms: [t.enc] };
    const c = await jose.compactDecrypt(t.compact, key, options);
    const f = await jose.flattenedDecrypt(JSON.parse(t.flattened), key, options);
    const got = [c, f].map((r) => new TextDecoder().decode(r.plaintext));
    if (got.every((g) => g === want)) ok++;
    else failures.push(`${t.alg} ${t.enc} ${t.key}: wrong plaintext`);
  } catch (e) {
    failures.push(`${t.alg} ${t.enc} ${t.key}: ${e.code ?? ''} ${e.message}`);
  }
}
console.log(`jose decrypted ${ok} of ${input.tokens.length} tessera tokens`);
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
