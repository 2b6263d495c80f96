import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthClient } from '../../src/client/auth-client.js';
import {
  type AuthClientError,
  BadRequestError,
  InvalidCredentialsError,
  InvalidTokenError,
  ServerUnavailableError,
} from '../../src/client/errors.js';
import { ManualClock } from '../../src/core/clock.js';
import { TOKEN_PREFIX } from '../../src/core/tokens.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const HOUR = 3_600_000;

/** Runs `action`, expects it to fail with `type`, and checks the error leaks no token. */
async function failure<T extends AuthClientError>(
  action: () => Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.ok(!error.message.includes(TOKEN_PREFIX));
    return error;
  }
  assert.fail(`expected ${type.name}, but the call succeeded`);
}

describe('AuthClient against a real server', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());

  before(async () => {
    server = await startTestServer({ '--token-ttl': '12h', '--idle-timeout': '30m' }, { clock });
  });
  after(() => server.close());

  it('logs in, keeps the token, and says who it belongs to', async () => {
    const client = new AuthClient({ baseUrl: `${server.url}/` });
    const login = await client.login('client-user');
    assert.equal(client.token, login.token);
    assert.equal(login.expiresInSeconds, 12 * 3600);

    assert.equal(await client.echo('hello'), 'You said: hello');
    const me = await client.me();
    assert.equal(me.id, 'client-user');
    assert.equal(me.expires_at, new Date(clock.nowMs() + 30 * 60_000).toISOString());
    assert.equal(me.expires_in, 30 * 60);
  });

  it('lists sessions and revokes one of them', async () => {
    const laptop = new AuthClient({ baseUrl: server.url });
    const phone = new AuthClient({ baseUrl: server.url });
    await laptop.login('two-devices');
    await phone.login('two-devices');

    const sessions = await laptop.sessions();
    assert.equal(sessions.length, 2);
    const other = sessions.find((session) => !session.current);
    assert.ok(other);
    assert.equal(other.id, (await phone.me()).session_id);

    await laptop.revokeSession(other.id);
    await failure(() => phone.me(), InvalidTokenError);
    assert.equal((await laptop.sessions()).length, 1);
  });

  it('logs out, forgets the token, and the old token is refused as invalid', async () => {
    const client = new AuthClient({ baseUrl: server.url });
    const { token } = await client.login('leaving-user');
    await client.logout();
    assert.equal(client.token, undefined);

    const stale = new AuthClient({ baseUrl: server.url, token });
    const error = await failure(() => stale.echo('still there?'), InvalidTokenError);
    assert.equal(error.status, 401);
    await stale.logout();
    await client.logout();
  });

  it('logs out everywhere and reports how many tokens were revoked', async () => {
    const clients = [1, 2, 3].map(() => new AuthClient({ baseUrl: server.url }));
    for (const client of clients) await client.login('everywhere-user');

    assert.equal(await clients[0]?.logoutAll(), 3);
    assert.equal(clients[0]?.token, undefined);
    for (const client of clients.slice(1)) await failure(() => client.me(), InvalidTokenError);
  });

  it('throws InvalidTokenError once the token has expired', async () => {
    const client = new AuthClient({ baseUrl: server.url });
    await client.login('expiring-user');
    clock.advance(13 * HOUR);
    await failure(() => client.me(), InvalidTokenError);
    await failure(() => client.sessions(), InvalidTokenError);
  });

  it('throws BadRequestError for a call the server refuses as malformed', async () => {
    const client = new AuthClient({ baseUrl: server.url });
    await client.login('sloppy-user');
    const error = await failure(() => client.request('POST', '/echo', {}), BadRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.message, 'Invalid request');
  });

  it('throws ServerUnavailableError with status 0 when nothing listens', async () => {
    const client = new AuthClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    const error = await failure(() => client.login('nobody'), ServerUnavailableError);
    assert.equal(error.status, 0);
  });
});

describe('AuthClient against a server with password login', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ '--login': 'password' });
    const added = await server.services.accounts.addUser('pat', 'correct horse battery staple');
    assert.ok(added.ok);
  });
  after(() => server.close());

  it('throws InvalidCredentialsError, not InvalidTokenError, for a wrong password', async () => {
    const client = new AuthClient({ baseUrl: server.url });
    const error = await failure(
      () => client.login('pat', 'wrong password'),
      InvalidCredentialsError,
    );
    assert.equal(error.status, 401);
    assert.ok(!error.message.includes('wrong password'));

    await client.login('pat', 'correct horse battery staple');
    assert.equal((await client.me()).id, 'pat');
  });
});
