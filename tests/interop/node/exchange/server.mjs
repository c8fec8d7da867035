// A small authorization server written for tessera's interop tests, for the two grants
// oidc-provider 8.8.1 does not offer: token exchange (RFC 8693) and the JWT bearer grant
// (RFC 7523 §2.1). It is written from the RFCs, on panva's `jose` — not on tessera — and is
// strict where they say MUST:
//
// - the token endpoint takes `application/x-www-form-urlencoded` POSTs only, and a parameter
//   at most once (RFC 6749 §3.2), `resource` and `audience` aside (RFC 8693 §2.1);
// - client authentication is `client_secret_basic` with the RFC 6749 §2.3.1 form-decoding of
//   the user and password; a wrong one is `401 invalid_client` with a `Basic` challenge;
// - token exchange: `subject_token` and `subject_token_type` required; `actor_token_type`
//   required with `actor_token` and forbidden without it; a subject (or actor) token is
//   accepted only when it is a JWT the OpenID Provider signed (its JWK Set, its issuer, not
//   expired): an RFC 9068 access token (`typ: at+jwt`) for `access_token`, an ID token for
//   `id_token`, either for `jwt`; `audience`/`resource` must name the one target this server
//   knows (else `invalid_target`); `requested_token_type` may be `access_token` (default) or
//   `jwt`; the response carries `issued_token_type` (§2.2.1) and the issued token an `act`
//   claim naming the actor (§4.1);
// - JWT bearer: the assertion must be signed by a key registered for its `iss`, name this
//   server (its issuer or token endpoint) in `aud`, carry `sub` and `exp`, be used once (`jti`);
//   anything else is `invalid_grant` (RFC 7523 §3.1).
//
// Its own metadata (RFC 8414) and JWK Set are served at the usual places.

import { readFileSync } from 'node:fs';
import { randomUUID, timingSafeEqual } from 'node:crypto';

import { createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';

const here = new URL('.', import.meta.url);

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TT = 'urn:ietf:params:oauth:token-type:';

/** The one target service tokens are exchanged for. */
export const TARGET = { audience: 'calendar', resource: 'https://calendar.interop.example/' };
/** The one client. */
export const CLIENT = { id: 'agent', secret: 'agent-secret-0123456789abcdef0123456789abcdef' };

class OAuthError extends Error {
  constructor(code, description, status = 400) {
    super(description);
    this.code = code;
    this.status = status;
  }
}

function sameSecret(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 6749 §2.3.1: the user and password are form-encoded before base64. */
function formDecode(s) {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

function authenticate(req) {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!m) throw new OAuthError('invalid_client', 'only client_secret_basic is supported', 401);
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic credentials', 401);
  let id;
  let pass;
  try {
    id = formDecode(decoded.slice(0, colon));
    pass = formDecode(decoded.slice(colon + 1));
  } catch {
    throw new OAuthError('invalid_client', 'malformed Basic credentials', 401);
  }
  if (id !== CLIENT.id || !sameSecret(pass, CLIENT.secret)) {
    throw new OAuthError('invalid_client', 'client authentication failed', 401);
  }
  return id;
}

const MULTI = new Set(['resource', 'audience']);

function parseForm(req, body) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const params = new URLSearchParams(body);
  const one = {};
  const many = { resource: [], audience: [] };
  for (const [k, v] of params) {
    if (MULTI.has(k)) {
      many[k].push(v);
    } else if (k in one) {
      throw new OAuthError('invalid_request', `parameter ${k} given more than once`);
    } else {
      one[k] = v;
    }
  }
  return { one, many };
}

export async function startExchangeServer({ opIssuer, listen }) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'exchange-1' };
  delete publicJwk.d;

  const discovery = await (await fetch(`${opIssuer}/.well-known/openid-configuration`)).json();
  const opKeys = createRemoteJWKSet(new URL(discovery.jwks_uri));

  // Keys registered for JWT bearer assertions, by `iss` (the committed test client key).
  const clientKey = JSON.parse(readFileSync(new URL('../op/client-key.json', here), 'utf8'));
  const { d: _d, ...clientPublic } = clientKey;
  const assertionKeys = { [CLIENT.id]: await importJWK(clientPublic, 'ES256') };
  const seenJti = new Set();

  let origin;

  async function validateOpToken(token, type, what) {
    if (![`${TT}access_token`, `${TT}id_token`, `${TT}jwt`].includes(type)) {
      throw new OAuthError('invalid_request', `${what}_type ${type} is not supported`);
    }
    const typ = type === `${TT}access_token` ? 'at+jwt' : undefined;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, opKeys, {
        issuer: opIssuer,
        typ,
        requiredClaims: ['sub', 'exp'],
      });
      if (type === `${TT}id_token` && protectedHeader.typ === 'at+jwt') {
        throw new Error('an access token is not an ID token');
      }
      return payload;
    } catch (e) {
      throw new OAuthError('invalid_request', `${what} is not valid: ${e.message}`);
    }
  }

  async function issue({ sub, clientId, audience, scope, act, tokenType }) {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ client_id: clientId, scope, ...(act ? { act } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid, typ: tokenType === `${TT}jwt` ? 'JWT' : 'at+jwt' })
      .setIssuer(origin)
      .setSubject(sub)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID());
    return jwt.sign(privateKey);
  }

  async function tokenExchange(one, many, clientId) {
    if (!clientId) throw new OAuthError('invalid_client', 'client authentication is required', 401);
    const { subject_token: st, subject_token_type: stt, actor_token: at, actor_token_type: att } = one;
    if (!st || !stt) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required');
    if (at && !att) throw new OAuthError('invalid_request', 'actor_token_type is required with actor_token');
    if (!at && att) throw new OAuthError('invalid_request', 'actor_token_type without actor_token');
    const requested = one.requested_token_type ?? `${TT}access_token`;
    if (![`${TT}access_token`, `${TT}jwt`].includes(requested)) {
      throw new OAuthError('invalid_request', `requested_token_type ${requested} is not supported`);
    }
    const targets = [...many.audience, ...many.resource];
    if (targets.length === 0) throw new OAuthError('invalid_target', 'name the audience or resource');
    for (const t of many.audience) if (t !== TARGET.audience) throw new OAuthError('invalid_target', `unknown audience ${t}`);
    for (const r of many.resource) if (r !== TARGET.resource) throw new OAuthError('invalid_target', `unknown resource ${r}`);
    const subject = await validateOpToken(st, stt, 'subject_token');
    const actor = at ? await validateOpToken(at, att, 'actor_token') : null;
    const scope = one.scope ?? 'calendar.read';
    if (scope.split(' ').some((s) => !['calendar.read', 'calendar.write'].includes(s))) {
      throw new OAuthError('invalid_scope', `scope ${scope} is not available`);
    }
    const token = await issue({
      sub: subject.sub,
      clientId,
      audience: TARGET.audience,
      scope,
      act: actor ? { sub: actor.sub, ...(actor.act ? { act: actor.act } : {}) } : subject.act,
      tokenType: requested,
    });
    return {
      access_token: token,
      issued_token_type: requested,
      token_type: requested === `${TT}access_token` ? 'Bearer' : 'N_A',
      expires_in: 300,
      scope,
    };
  }

  async function jwtBearer(one, clientId) {
    if (!one.assertion) throw new OAuthError('invalid_request', 'assertion is required');
    let payload;
    try {
      const verified = await jwtVerify(one.assertion, async (header, token) => {
        const iss = JSON.parse(Buffer.from(token.payload, 'base64url').toString()).iss;
        const key = assertionKeys[iss];
        if (!key) throw new Error(`no key registered for issuer ${iss}`);
        return key;
      }, {
        audience: [origin, `${origin}/token`],
        requiredClaims: ['iss', 'sub', 'aud', 'exp'],
        algorithms: ['ES256'],
        maxTokenAge: '10m',
      });
      payload = verified.payload;
    } catch (e) {
      throw new OAuthError('invalid_grant', `the assertion is not valid: ${e.message}`);
    }
    if (payload.jti !== undefined) {
      if (seenJti.has(payload.jti)) throw new OAuthError('invalid_grant', 'the assertion was used before (jti)');
      seenJti.add(payload.jti);
    }
    const scope = one.scope ?? 'calendar.read';
    const token = await issue({
      sub: payload.sub,
      clientId: clientId ?? payload.iss,
      audience: TARGET.audience,
      scope,
      tokenType: `${TT}access_token`,
    });
    return { access_token: token, token_type: 'Bearer', expires_in: 300, scope };
  }

  function json(res, status, body, headers = {}) {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  const server = await listen((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') {
      return json(res, 200, {
        issuer: origin,
        token_endpoint: `${origin}/token`,
        jwks_uri: `${origin}/jwks`,
        grant_types_supported: [TOKEN_EXCHANGE, JWT_BEARER],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (req.method === 'GET' && path === '/jwks') return json(res, 200, { keys: [publicJwk] });
    if (path !== '/token') return json(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const { one, many } = parseForm(req, Buffer.concat(chunks).toString('utf8'));
        const clientId = authenticate(req);
        if (one.client_id !== undefined && one.client_id !== clientId) {
          throw new OAuthError('invalid_client', 'client_id does not match the authenticated client', 401);
        }
        let body;
        if (one.grant_type === TOKEN_EXCHANGE) body = await tokenExchange(one, many, clientId);
        else if (one.grant_type === JWT_BEARER) body = await jwtBearer(one, clientId);
        else throw new OAuthError('unsupported_grant_type', `grant_type ${one.grant_type} is not supported`);
        json(res, 200, body, { pragma: 'no-cache' });
      } catch (e) {
        if (!(e instanceof OAuthError)) {
          json(res, 500, { error: 'server_error', error_description: String(e) });
          return;
        }
        const headers = e.status === 401 ? { 'www-authenticate': 'Basic realm="exchange"' } : {};
        json(res, e.status, { error: e.code, error_description: e.message }, headers);
      }
    });
    return undefined;
  });
  origin = server.origin;
  return server;
}
