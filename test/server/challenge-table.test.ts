import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { CHALLENGE } from '../../src/server/errors.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type OpenedStore, storeFixtures } from '../helpers/store-fixtures.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * RFC 6750 §3 on every protected route, as one table: each row presents credentials in one
 * way, and every route must answer it the same way. `/logout` differs only where the spec says
 * so: a dead or unknown token logs out successfully.
 */

type Outcome = 'ok' | 'missing' | 'invalid_token' | 'invalid_request';

interface Presentation {
  readonly headers?: Record<string, string | string[]>;
  /** Form fields, in order; a name may repeat. */
  readonly fields?: readonly (readonly [string, string])[];
  readonly query?: string;
}

interface Case {
  readonly user: string;
  readonly token: string;
}

interface Row {
  readonly name: string;
  readonly expect: Outcome;
  /** Spoils the case's token first: revokes or expires it. */
  readonly spoil?: (server: TestServer, clock: ManualClock, token: string) => Promise<void>;
  readonly present: (presented: Case) => Presentation;
}

interface Route {
  readonly method: string;
  readonly path: string;
  /** What an authenticated call answers. */
  readonly okStatus: number;
  /** Body fields the route itself needs; undefined for routes that read no body (GET). */
  readonly fields?: readonly (readonly [string, string])[];
  /** POST /logout: a token that is dead or unknown still logs out. */
  readonly idempotent?: boolean;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Same shape and length as a real token, with the last checksum character changed. */
function breakChecksum(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -1)}${last}`;
}

const ROWS: readonly Row[] = [
  { name: 'no credentials at all', expect: 'missing', present: () => ({}) },
  {
    name: 'another scheme only (Basic)',
    expect: 'missing',
    present: () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
  },
  { name: 'a valid Bearer header', expect: 'ok', present: (c) => ({ headers: bearer(c.token) }) },
  {
    name: 'the scheme in lower case',
    expect: 'ok',
    present: (c) => ({ headers: { authorization: `bearer ${c.token}` } }),
  },
  {
    name: 'the scheme in upper case',
    expect: 'ok',
    present: (c) => ({ headers: { authorization: `BEARER ${c.token}` } }),
  },
  {
    name: 'a token with a wrong checksum',
    expect: 'invalid_token',
    present: (c) => ({ headers: bearer(breakChecksum(c.token)) }),
  },
  {
    name: 'a token of the wrong shape',
    expect: 'invalid_token',
    present: () => ({ headers: bearer('abc.def') }),
  },
  {
    name: 'a token far too long',
    expect: 'invalid_token',
    present: () => ({ headers: bearer('a'.repeat(600)) }),
  },
  {
    name: 'a revoked token',
    expect: 'invalid_token',
    spoil: async (server, _clock, token) => {
      await server.services.tokens.revoke(token);
    },
    present: (c) => ({ headers: bearer(c.token) }),
  },
  {
    name: 'an expired token',
    expect: 'invalid_token',
    spoil: async (_server, clock) => clock.advance(13 * 3_600_000),
    present: (c) => ({ headers: bearer(c.token) }),
  },
  {
    name: 'Bearer with no token',
    expect: 'invalid_request',
    present: () => ({ headers: { authorization: 'Bearer' } }),
  },
  {
    name: 'Bearer with two words',
    expect: 'invalid_request',
    present: (c) => ({ headers: { authorization: `Bearer ${c.token} extra` } }),
  },
  {
    name: 'two Authorization headers',
    expect: 'invalid_request',
    present: (c) => ({ headers: { authorization: [`Bearer ${c.token}`, `Bearer ${c.token}`] } }),
  },
  {
    name: 'a Bearer header and a Basic header',
    expect: 'invalid_request',
    present: (c) => ({ headers: { authorization: [`Bearer ${c.token}`, 'Basic dXNlcjpwYXNz'] } }),
  },
  {
    name: 'the token in the query string',
    expect: 'invalid_request',
    present: (c) => ({ query: `access_token=${c.token}` }),
  },
  {
    name: 'a valid header plus the token in the query string',
    expect: 'invalid_request',
    present: (c) => ({ headers: bearer(c.token), query: `token=${c.token}` }),
  },
  {
    name: 'the token in the lab’s form fields',
    expect: 'ok',
    present: (c) => ({
      fields: [
        ['id', c.user],
        ['token', c.token],
      ],
    }),
  },
  {
    name: 'the token in the form without an id',
    expect: 'ok',
    present: (c) => ({ fields: [['token', c.token]] }),
  },
  {
    name: 'the token in the form under someone else’s id',
    expect: 'invalid_token',
    present: (c) => ({
      fields: [
        ['id', `not-${c.user}`],
        ['token', c.token],
      ],
    }),
  },
  {
    name: 'the token in the header and in the form',
    expect: 'invalid_request',
    present: (c) => ({ headers: bearer(c.token), fields: [['token', c.token]] }),
  },
  {
    name: 'the token field twice in the form',
    expect: 'invalid_request',
    present: (c) => ({
      fields: [
        ['token', c.token],
        ['token', c.token],
      ],
    }),
  },
  {
    name: 'an empty token field',
    expect: 'invalid_request',
    present: () => ({ fields: [['token', '']] }),
  },
];

const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/echo', okStatus: 200, fields: [['text', 'hello']] },
  { method: 'GET', path: '/me', okStatus: 200 },
  { method: 'GET', path: '/sessions', okStatus: 200 },
  // Authenticated, then no such session of this user: 404 shows the token was accepted.
  { method: 'DELETE', path: '/sessions/no-such-session', okStatus: 404, fields: [] },
  { method: 'POST', path: '/logout/all', okStatus: 200, fields: [] },
  { method: 'POST', path: '/logout', okStatus: 200, fields: [], idempotent: true },
];

const EXPECTED = {
  missing: { status: 401, challenge: CHALLENGE.none, error: 'Missing token' },
  invalid_token: { status: 401, challenge: CHALLENGE.invalidToken, error: 'Invalid token' },
  invalid_request: { status: 400, challenge: CHALLENGE.invalidRequest, error: 'Invalid request' },
} as const;

function send(server: TestServer, route: Route, presented: Presentation) {
  const fields = [...(route.fields ?? []), ...(presented.fields ?? [])];
  const headers: Record<string, string | string[]> = { connection: 'close' };
  Object.assign(headers, presented.headers);
  let body: string | undefined;
  if (fields.length > 0) {
    body = new URLSearchParams(
      fields.map(([name, value]): [string, string] => [name, value]),
    ).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const query = presented.query === undefined ? '' : `?${presented.query}`;
  return rawRequest(`${server.url}${route.path}${query}`, {
    method: route.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

for (const fixture of storeFixtures()) {
  describe(`the RFC 6750 challenge table on the ${fixture.kind} store`, {
    skip: fixture.skip,
  }, () => {
    let store: OpenedStore;
    let server: TestServer;
    const clock = new ManualClock(Date.now());
    let caseNumber = 0;

    before(async () => {
      store = await fixture.open();
      server = await startTestServer(store.flags, { clock });
    });
    after(async () => {
      await server?.close();
      await store?.cleanup();
    });

    for (const route of ROUTES) {
      for (const row of ROWS) {
        // GET has no body semantics (RFC 6750 §2.2): form rows apply to body routes only.
        if (row.present({ user: '', token: '' }).fields && route.fields === undefined) continue;

        it(`${route.method} ${route.path}: ${row.name}`, async () => {
          // Each case starts in a fresh window of the rejected-token throttle.
          clock.advance(5 * 60_000);
          caseNumber += 1;
          const user = `table-user-${caseNumber}`;
          const token = await loginOpen(server.url, user);
          await row.spoil?.(server, clock, token);

          const response = await send(server, route, row.present({ user, token }));
          const outcome = route.idempotent && row.expect === 'invalid_token' ? 'ok' : row.expect;
          if (outcome === 'ok') {
            assert.equal(response.status, route.okStatus, response.body);
            assert.equal(response.headers['www-authenticate'], undefined);
            return;
          }
          const expected = EXPECTED[outcome];
          assert.equal(response.status, expected.status, response.body);
          assert.equal(response.headers['www-authenticate'], expected.challenge);
          assert.deepEqual(JSON.parse(response.body), { error: expected.error });
        });
      }
    }
  });
}
