import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.js';
import { GUESS_WINDOW_MS } from '../../src/core/guess-throttle.js';
import { mintToken } from '../../src/core/tokens.js';
import { normalizeUserId } from '../../src/core/user-ids.js';
import { type RawResponse, rawRequest } from '../helpers/raw-http.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const SEED = 20_260_101;
const RUNS = 300;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** The statuses the documentation allows for this class of input. */
  readonly expected: readonly number[];
}

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const odd = fc.constantFrom(
  '',
  '\u0000',
  'a\r\nb',
  '\u001b[31m',
  '\u009b',
  '\u2028',
  '\ud800',
  'é',
  'x'.repeat(300),
  '%',
  '%zz',
  '+',
  '&',
  '=',
);
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  odd,
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const value = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 2 }),
);
const key = fc.oneof(fc.constantFrom('id', 'password', 'token', 'text', ...RESERVED), text);

/** True when a login body is one the open login accepts. */
function acceptableOpenLogin(fields: Record<string, unknown>): boolean {
  const keys = Object.keys(fields);
  if (!keys.includes('id') || keys.some((k) => k !== 'id' && k !== 'password')) return false;
  const { id, password } = fields;
  if (typeof id !== 'string' || id.length > 1024) return false;
  if (password !== undefined && (typeof password !== 'string' || password.length > 4096)) {
    return false;
  }
  return normalizeUserId(id).ok;
}

function encodeForm(pairs: readonly (readonly [string, string])[]): Buffer {
  return Buffer.from(
    pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
  );
}

/** Hostile and ordinary login bodies, JSON or form, with the status each must get. */
const loginProbe: fc.Arbitrary<Probe> = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 4 }).map((fields): Probe => {
    const json = JSON.stringify(fields);
    const hasReserved = RESERVED.some((k) => json.includes(`"${k}":`));
    return {
      method: 'POST',
      path: '/login',
      headers: { 'content-type': JSON_TYPE },
      body: Buffer.from(json),
      expected: hasReserved ? [400] : acceptableOpenLogin(fields) ? [200] : [400],
    };
  }),
  fc.array(fc.tuple(key, fc.string({ maxLength: 20 })), { maxLength: 4 }).map((pairs): Probe => {
    const fields: Record<string, unknown> = {};
    let valid = true;
    for (const [k, v] of pairs) {
      if (RESERVED.includes(k) || Object.hasOwn(fields, k)) valid = false;
      fields[k] = v;
    }
    // Lone surrogates cannot be percent-encoded as UTF-8; encodeURIComponent throws on them.
    const encodable = pairs.every(([k, v]) => wellFormed(k) && wellFormed(v));
    return {
      method: 'POST',
      path: '/login',
      headers: { 'content-type': FORM },
      body: encodable ? encodeForm(pairs) : Buffer.from('id=%ED%A0%80'),
      expected: encodable && valid && acceptableOpenLogin(fields) ? [200] : [400],
    };
  }),
  fc
    .tuple(fc.constantFrom('id=', 'id=a&text='), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .filter(([, bytes]) => !isUtf8(bytes))
    .map(
      ([prefix, bytes]): Probe => ({
        method: 'POST',
        path: '/login',
        headers: { 'content-type': FORM },
        body: Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]),
        expected: [400],
      }),
    ),
);

/** False for text with a lone surrogate, which has no UTF-8 form. */
function wellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A token that is almost right: a real one with one character changed, or noise. */
function tokenArbitrary(realToken: string): fc.Arbitrary<string> {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return fc.oneof(
    fc.constant(mintToken()),
    fc
      .tuple(fc.nat(realToken.length - 1), fc.constantFrom(...b64))
      .filter(([at, char]) => realToken[at] !== char)
      .map(([at, char]) => `${realToken.slice(0, at)}${char}${realToken.slice(at + 1)}`),
    fc.string({ unit: fc.constantFrom(...b64), minLength: 1, maxLength: 80 }),
  );
}

/** Bad tokens at every protected route, in the header or the body. */
function tokenProbe(realToken: string): fc.Arbitrary<Probe> {
  const routes = [
    ['GET', '/me'],
    ['GET', '/sessions'],
    ['POST', '/echo'],
    ['POST', '/logout/all'],
    ['DELETE', '/sessions/abc'],
    ['GET', '/verify'],
    ['POST', '/verify'],
  ] as const;
  return fc
    .tuple(fc.constantFrom(...routes), tokenArbitrary(realToken), fc.boolean())
    .map(([[method, path], token, inHeader]): Probe => {
      const useBody = !inHeader && method === 'POST' && path !== '/verify';
      return {
        method,
        path,
        headers: useBody ? { 'content-type': FORM } : { authorization: `Bearer ${token}` },
        ...(useBody
          ? {
              body: encodeForm([
                ['token', token],
                ['text', 'hi'],
              ]),
            }
          : {}),
        expected: [401],
      };
    });
}

/** Odd headers, content types and paths: never a 5xx, always a documented refusal. */
const headerProbe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    fc.constantFrom('/', '/login', '/echo', '/me', '/logout', '/healthz', '/nope', '/sessions/x'),
    fc.constantFrom(
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded; charset=latin1',
      '',
    ),
    fc.constantFrom('Basic YTpi', 'Bearer', 'Bearer a b', 'Bearer \u00e9', 'bearer    ', 'Token x'),
    fc.string({ maxLength: 30 }),
  )
  .map(
    ([method, path, contentType, authorization, body]): Probe => ({
      method,
      path,
      headers: {
        ...(contentType ? { 'content-type': contentType } : {}),
        authorization: Buffer.from(authorization, 'latin1').toString('latin1'),
      },
      ...(method === 'GET' ? {} : { body: Buffer.from(body) }),
      expected: [200, 400, 401, 404, 405, 413, 415],
    }),
  );

async function snapshot(server: TestServer): Promise<string> {
  const users = (await server.services.store.listUsers()).map((user) => user.id);
  return JSON.stringify({ tokens: await server.services.store.countTokens(), users });
}

async function send(server: TestServer, probe: Probe): Promise<RawResponse> {
  // An explicit length: Node sends a DELETE body unframed otherwise.
  const length = probe.body ? { 'content-length': String(probe.body.length) } : {};
  return rawRequest(`${server.url}${probe.path}`, {
    method: probe.method,
    headers: { ...probe.headers, ...length },
    ...(probe.body ? { body: probe.body } : {}),
  });
}

/** The invariants every answer keeps, whatever was sent. */
async function checkAnswer(server: TestServer, probe: Probe): Promise<void> {
  const before = await snapshot(server);
  const response = await send(server, probe);
  assert.ok(response.status < 500, `5xx for ${probe.method} ${probe.path}: ${response.body}`);
  assert.ok(
    probe.expected.includes(response.status),
    `${probe.method} ${probe.path} got ${response.status}, expected ${probe.expected}`,
  );
  if (response.status >= 400) {
    if (probe.method !== 'HEAD' && response.body !== '') {
      const body = JSON.parse(response.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(typeof body.error, 'string');
    }
    assert.equal(await snapshot(server), before, 'a refused request changed the store');
  }
}

describe('hostile input (property-based)', () => {
  let clock: ManualClock;
  let server: TestServer;
  let realToken: string;

  before(async () => {
    clock = new ManualClock();
    server = await startTestServer(
      { '--idle-timeout': '0', '--token-ttl': '365d', '--max-tokens-per-user': '10000' },
      { clock },
    );
    realToken = await loginOpen(server.url, 'holder');
  });
  after(() => server.close());

  // Each run starts a fresh guessing window, so the throttle never masks the status checked.
  const fresh = async (probe: Probe) => {
    clock.advance(GUESS_WINDOW_MS);
    await checkAnswer(server, probe);
  };

  it('answers login bodies of every shape with 200 or 400 and stores nothing on 400', async () => {
    await fc.assert(fc.asyncProperty(loginProbe, fresh), { seed: SEED, numRuns: RUNS });
  });

  it('answers bad tokens at every protected route with 401', async () => {
    await fc.assert(fc.asyncProperty(tokenProbe(realToken), fresh), {
      seed: SEED,
      numRuns: RUNS,
    });
  });

  it('answers odd headers, methods and content types without a 5xx', async () => {
    await fc.assert(fc.asyncProperty(headerProbe, fresh), { seed: SEED, numRuns: RUNS });
  });

  it('still serves a valid token afterwards', async () => {
    const response = await fetch(`${server.url}/me`, {
      headers: { authorization: `Bearer ${realToken}` },
    });
    assert.equal(response.status, 200);
  });
});

describe('hostile input against password login (property-based)', () => {
  let clock: ManualClock;
  let server: TestServer;

  before(async () => {
    clock = new ManualClock();
    server = await startTestServer({ '--login': 'password' }, { clock });
    await server.services.accounts.addUser('alice', 'a long enough password 42');
  });
  after(() => server.close());

  it('never issues a token or adds a user for a wrong or hostile login', async () => {
    const probe = fc
      .tuple(
        fc.constantFrom('alice', 'bob', 'a\u0000', ''),
        fc.oneof(text, fc.string()),
        fc.boolean(),
      )
      .map(([id, password, asJson]): Probe => {
        const encodable = wellFormed(id) && wellFormed(password);
        const body = asJson
          ? Buffer.from(JSON.stringify({ id, password }))
          : encodable
            ? encodeForm([
                ['id', id],
                ['password', password],
              ])
            : Buffer.from('id=%ED%A0%80');
        return {
          method: 'POST',
          path: '/login',
          headers: { 'content-type': asJson ? JSON_TYPE : FORM },
          body,
          expected: [400, 401, 429],
        };
      });
    await fc.assert(
      fc.asyncProperty(probe, async (p) => {
        clock.advance(GUESS_WINDOW_MS);
        await checkAnswer(server, p);
      }),
      { seed: SEED, numRuns: 120 },
    );
    assert.equal(await server.services.store.countTokens(), 0);
  });

  it('never changes a password for a wrong or hostile password change', async () => {
    const login = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ id: 'alice', password: 'a long enough password 42' }),
    });
    const { token } = (await login.json()) as { token: string };
    const probe = fc
      .tuple(fc.oneof(text, fc.string()), fc.oneof(text, fc.string(), fc.constant('short')))
      .map(
        ([password, newPassword]): Probe => ({
          method: 'POST',
          path: '/password',
          headers: { 'content-type': JSON_TYPE, authorization: `Bearer ${token}` },
          body: Buffer.from(JSON.stringify({ password, new_password: newPassword })),
          expected: [400, 401, 429],
        }),
      );
    await fc.assert(
      fc.asyncProperty(probe, async (p) => {
        clock.advance(GUESS_WINDOW_MS);
        await checkAnswer(server, p);
      }),
      { seed: SEED, numRuns: 60 },
    );
    const stillWorks = await server.services.accounts.verifyLogin(
      'alice',
      'a long enough password 42',
    );
    assert.equal(stillWorks.ok, true);
  });
});
