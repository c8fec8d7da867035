// panva's oidc-provider (OpenID Certified), configured for tessera's interop tests.
//
// Started by `cargo xtask interop` as `node op/server.mjs`; everything listens on 127.0.0.1 on
// ports the kernel picks. When all servers answer, it prints, one per line:
//
//   issuer=http://127.0.0.1:PORT             the provider (DPoP nonces not demanded)
//   nonce_issuer=http://127.0.0.1:PORT       the same configuration, demanding DPoP nonces
//   rotating_issuer=http://127.0.0.1:PORT    the same again, whose signing keys can be rotated
//   exchange_issuer=http://127.0.0.1:PORT    ../exchange/server.mjs (RFC 8693, RFC 7523)
//   ready
//
// (the harness passes them to the tests as TESSERA_OP_ISSUER, TESSERA_OP_NONCE_ISSUER, …)
// and then serves until it is killed. State is in memory (oidc-provider's MemoryAdapter).
//
// One route is not the provider's: `POST /__test/rotate` on the rotating issuer replaces the
// provider by a new instance with the same issuer, clients and configuration, whose JWK Set is
// a newly generated signing key first and the previous keys after it, so that from then on
// ID tokens carry a `kid` the relying party has not seen (the signing key rotation test).

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import { startExchangeServer } from '../exchange/server.mjs';

// stdout carries only the lines above, for the harness; oidc-provider's notices go to stderr.
console.log = console.error;
console.info = console.error;

const here = new URL('.', import.meta.url);
const clientKey = JSON.parse(readFileSync(new URL('client-key.json', here), 'utf8'));
const { d: _private, ...clientPublicKey } = clientKey;

/** The resource server whose access tokens are RFC 9068 JWTs. */
export const API = 'https://api.interop.example/';

const secret = (name) => `${name}-secret-0123456789abcdef0123456789abcdef`;

// One static client per token endpoint authentication method. All are native (RFC 8252):
// oidc-provider then lets a loopback redirect URI use any port, as `tessera login` needs.
const common = {
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1/logged-out'],
  response_types: ['code'],
  grant_types: [
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'urn:ietf:params:oauth:grant-type:device_code',
  ],
};
const CLIENTS = [
  {
    ...common,
    client_id: 'basic',
    client_secret: secret('basic'),
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    // A secret with the characters RFC 6749 §2.3.1 form-encodes inside Basic credentials.
    ...common,
    client_id: 'basic:special',
    client_secret: 'a secret:with+special%25chars&=/',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...common,
    client_id: 'post',
    client_secret: secret('post'),
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    ...common,
    client_id: 'secret-jwt',
    client_secret: secret('secret-jwt'),
    token_endpoint_auth_method: 'client_secret_jwt',
    token_endpoint_auth_signing_alg: 'HS256',
  },
  {
    ...common,
    client_id: 'private-key-jwt',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    request_object_signing_alg: 'ES256',
    jwks: { keys: [clientPublicKey] },
  },
  {
    ...common,
    client_id: 'public',
    token_endpoint_auth_method: 'none',
    grant_types: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
  },
];

const cookieKeys = [randomBytes(32).toString('base64url')];
const dpopNonceSecret = randomBytes(32);

async function signingKey(alg, kid) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid };
}

function configuration({ keys, demandDpopNonces }) {
  return {
    clients: CLIENTS,
    jwks: { keys },
    cookies: { keys: cookieKeys },
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'api:read'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.com`, email_verified: true, name: `User ${id}` };
        },
      };
    },
    // A refresh token for every client allowed the grant, rotated on every use.
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      requestObjects: { request: true, requestUri: false },
      dPoP: {
        enabled: true,
        nonceSecret: dpopNonceSecret,
        requireNonce: () => demandDpopNonces,
      },
      registration: { enabled: true, initialAccessToken: 'interop-initial-access-token' },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (ctx, resource) => {
          if (resource !== API) throw new errors.InvalidTarget();
          return {
            scope: 'api:read',
            audience: API,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  };
}

/** Listens on 127.0.0.1, on a free port; resolves to the server and its origin. */
function listen(handler) {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, origin: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

/**
 * A provider on its own port. With `rotatable`, `POST /__test/rotate` replaces it by a new
 * instance (same issuer, clients and configuration; the in-memory state is shared) whose JWK
 * Set starts with newly generated ES256 and RS256 keys, followed by the previous ones.
 */
async function startProvider({ demandDpopNonces, rotatable, name }) {
  let keys = [await signingKey('ES256', `${name}-es256-1`), await signingKey('RS256', `${name}-rs256-1`)];
  let generation = 1;
  let handle;
  const { server, origin } = await listen((req, res) => {
    if (rotatable && req.method === 'POST' && req.url === '/__test/rotate') {
      generation += 1;
      Promise.all([
        signingKey('ES256', `${name}-es256-${generation}`),
        signingKey('RS256', `${name}-rs256-${generation}`),
      ]).then((fresh) => {
        keys = [...fresh, ...keys];
        handle = new Provider(origin, configuration({ keys, demandDpopNonces })).callback();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kids: fresh.map((k) => k.kid) }));
      }, (e) => {
        res.writeHead(500);
        res.end(String(e));
      });
      return;
    }
    handle(req, res);
  });
  handle = new Provider(origin, configuration({ keys, demandDpopNonces })).callback();
  return { server, origin };
}

// The provider most tests use; the same demanding DPoP nonces (RFC 9449 §8, §9); and one whose
// signing keys a test rotates (kept apart so that no other test sees a kid it has not fetched).
const main = await startProvider({ demandDpopNonces: false, rotatable: false, name: 'op' });
const nonce = await startProvider({ demandDpopNonces: true, rotatable: false, name: 'nonce' });
const rotating = await startProvider({ demandDpopNonces: false, rotatable: true, name: 'rot' });

const exchange = await startExchangeServer({ opIssuer: main.origin, listen });

// Ready only when discovery answers.
for (const { origin } of [main, nonce, rotating]) {
  const r = await fetch(`${origin}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`discovery at ${origin} answered ${r.status}`);
}

// Started by the harness (which holds our stdin open while it runs): exit when it goes away.
if (process.env.TESSERA_OP_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

process.stdout.write(
  `issuer=${main.origin}\nnonce_issuer=${nonce.origin}\nrotating_issuer=${rotating.origin}\n`
    + `exchange_issuer=${exchange.origin}\nready\n`,
);
