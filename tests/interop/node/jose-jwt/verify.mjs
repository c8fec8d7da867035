// Verifies JWTs issued by tessera with panva's jose (jwtVerify). Reads JSON
// { now, issuer, audience, jwks, tokens: [{ alg, token, typ? }] } from the file named by the first
// argument; prints one line per token and
// exits non-zero if any fails. Run by `cargo test --test jwt_interop -- --ignored`.
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const localSet = jose.createLocalJWKSet(input.jwks);
// jose's JWK Set resolver does not take HMAC keys; resolve those by kid directly.
const keys = (header, token) => header.alg.startsWith('HS')
  ? jose.importJWK(input.jwks.keys.find((k) => k.kid === header.kid), header.alg)
  : localSet(header, token);
let failed = 0;
for (const { alg, token, typ } of input.tokens) {
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, keys, {
      issuer: input.issuer,
      audience: input.audience,
      algorithms: [alg],
      currentDate: new Date(input.now * 1000),
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      ...(typ ? { typ } : {}),
    });
    if (protectedHeader.alg !== alg || payload.email !== 'ann@example.com') throw new Error('unexpected content');
    console.log(`ok ${alg}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${alg}: ${e.code ?? ''} ${e.message}`);
  }
}
console.log(`jose verified ${input.tokens.length - failed} of ${input.tokens.length} tessera JWTs`);
process.exit(failed ? 1 : 0);
