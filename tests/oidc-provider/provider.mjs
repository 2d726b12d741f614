// A real OpenID provider (npm `oidc-provider`) for Tocsin's integration tests.
//
// Usage: node provider.mjs [--port N]   (or OIDC_PROVIDER_PORT=N; 0 = any free port)
// Listens on 127.0.0.1 only and prints one line `READY <issuer-url>` on stdout when ready.
// Exits when its stdin closes, so a crashed test run leaves no provider behind.
//
// Users need no browser: CIBA (poll mode) approves at once. The login_hint encodes the account:
// `alice:analyst,reviewer` → account id and sub `alice`, roles [analyst, reviewer]. The roles
// are remembered per account; the latest hint for an account wins.
//
// Test-only routes (same server, never part of a real provider):
//   POST /test/mint    {claims, key}  sign any ID token; key: es256 | rs256 | foreign | stray | <kid>
//   POST /test/rotate  {}             publish a new ES256 key in the JWKS; answers {kid}
//   GET  /test/stats                  {jwks_requests}: how often /jwks was fetched
//   POST /test/device/approve {user_code, login_hint}  approve a device-flow user code

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

// Keep stdout for the READY line: oidc-provider's notices go to stderr.
console.log = console.error;
console.info = console.error;

const CIBA = 'urn:openid:params:grant-type:ciba';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const ROLE_SPEC = /^([a-z0-9._-]{1,64})(?::([a-z_,-]*))?$/;

function portArgument() {
  const flag = process.argv.indexOf('--port');
  const raw = flag >= 0 ? process.argv[flag + 1] : (process.argv[2] ?? process.env.OIDC_PROVIDER_PORT ?? '0');
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port \`${raw}\``);
  }
  return port;
}

function kid() {
  return randomBytes(9).toString('base64url');
}

async function signingKey(alg, id = kid()) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: id, alg, use: 'sig' };
  return { alg, kid: id, privateKey, jwk };
}

function publicJwk({ jwk }) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

/** `alice:analyst,reviewer` → { sub: 'alice', roles: ['analyst', 'reviewer'] }, or undefined. */
function parseHint(hint) {
  const match = ROLE_SPEC.exec(String(hint ?? ''));
  if (!match) return undefined;
  const roles = (match[2] ?? '').split(',').filter(Boolean);
  return { sub: match[1], roles };
}

/** Registers the account a hint describes; returns its account id, or undefined. */
function registerHint(hint) {
  const spec = parseHint(hint);
  if (!spec) return undefined;
  accounts.set(spec.sub, spec.roles);
  return spec.sub;
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 65536) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const port = portArgument();
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const es256 = await signingKey('ES256');
const rs256 = await signingKey('RS256');
// Same kid as the published ES256 key, different key material: a bad signature.
const foreign = await signingKey('ES256', es256.kid);
// A key whose kid is never published.
const stray = await signingKey('ES256');
const keysByName = { es256, rs256, foreign, stray };
const rotated = new Map();
const accounts = new Map();
let jwksRequests = 0;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'tocsin',
      client_secret: 'tocsin-test-secret',
      grant_types: [CIBA, DEVICE_CODE, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      backchannel_token_delivery_mode: 'poll',
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: 'other-app',
      client_secret: 'other-app-test-secret',
      grant_types: [CIBA, DEVICE_CODE],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      backchannel_token_delivery_mode: 'poll',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [es256.jwk, rs256.jwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'profile', 'roles'],
  claims: { openid: ['sub'], profile: ['name'], roles: ['roles'] },
  ttl: {
    AccessToken: 3600,
    BackchannelAuthenticationRequest: 600,
    DeviceCode: 600,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 86400,
    Session: 3600,
  },
  // Put scope-granted claims (roles) into the ID token itself, not only at userinfo.
  conformIdTokenClaims: false,
  async findAccount(_ctx, accountId) {
    const roles = accounts.get(accountId) ?? parseHint(accountId)?.roles;
    if (!roles) return undefined;
    return {
      accountId,
      async claims() {
        return { sub: accountId, name: accountId, roles };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      async processLoginHint(_ctx, loginHint) {
        return registerHint(loginHint);
      },
      async validateRequestContext() {},
      async verifyUserCode() {},
      // Approve at once, before /backchannel answers: the first token poll succeeds.
      async triggerAuthenticationDevice(_ctx, request, account, client) {
        const grant = new provider.Grant({ clientId: client.clientId, accountId: account.accountId });
        grant.addOIDCScope(request.scope);
        await grant.save();
        await provider.backchannelResult(request, grant, { authTime: Math.floor(Date.now() / 1000) });
      },
    },
  },
});

// Count JWKS fetches and serve rotated-in keys beside the provider's own.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.method === 'GET' && ctx.path === '/jwks') {
    jwksRequests += 1;
    if (rotated.size > 0 && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: [...ctx.body.keys, ...[...rotated.values()].map(publicJwk)] };
    }
  }
});

async function mint({ claims = {}, key = 'es256' }) {
  const signer = keysByName[key] ?? rotated.get(key);
  if (!signer) throw new Error(`unknown key \`${key}\``);
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: issuer, aud: 'tocsin', sub: 'minted', iat: now, exp: now + 600, ...claims };
  for (const [name, value] of Object.entries(payload)) {
    if (value === null) delete payload[name];
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
    .sign(signer.privateKey);
}

async function approveDevice({ user_code: userCode, login_hint: loginHint }) {
  const accountId = registerHint(loginHint);
  if (!accountId) throw new Error('invalid login_hint');
  const normalized = String(userCode ?? '').toUpperCase().replace(/\W/g, '');
  const code = await provider.DeviceCode.findByUserCode(normalized);
  if (!code || code.accountId || code.error) throw new Error('unknown or used user_code');
  const grant = new provider.Grant({ clientId: code.clientId, accountId });
  grant.addOIDCScope(code.params.scope ?? 'openid');
  Object.assign(code, {
    accountId,
    grantId: await grant.save(),
    scope: code.params.scope ?? 'openid',
    authTime: Math.floor(Date.now() / 1000),
  });
  await code.save();
}

async function testRoute(req, res) {
  try {
    if (req.method === 'POST' && req.url === '/test/mint') {
      send(res, 200, { id_token: await mint(await readJson(req)) });
    } else if (req.method === 'POST' && req.url === '/test/rotate') {
      const key = await signingKey('ES256');
      rotated.set(key.kid, key);
      send(res, 200, { kid: key.kid });
    } else if (req.method === 'GET' && req.url === '/test/stats') {
      send(res, 200, { jwks_requests: jwksRequests });
    } else if (req.method === 'POST' && req.url === '/test/device/approve') {
      await approveDevice(await readJson(req));
      send(res, 200, { approved: true });
    } else {
      send(res, 404, { error: 'not_found' });
    }
  } catch (err) {
    send(res, 400, { error: err.message });
  }
}

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/test/')) {
    testRoute(req, res);
  } else {
    providerCallback(req, res);
  }
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

process.stdout.write(`READY ${issuer}\n`);
