import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthClient, InvalidCredentialsError } from '../../src/client/index.js';
import { form, startTestServer, type TestServer } from '../helpers/test-server.js';

const OLD_PASSWORD = 'the old long password';
const NEW_PASSWORD = 'a brand new long password';

describe('POST /password', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ '--login': 'password' });
  });
  after(() => server.close());

  async function login(id: string, password: string): Promise<Response> {
    return fetch(`${server.url}/login`, { method: 'POST', ...form({ id, password }) });
  }

  async function tokenOf(id: string, password: string): Promise<string> {
    const response = await login(id, password);
    assert.equal(response.status, 200);
    return ((await response.json()) as { token: string }).token;
  }

  function change(token: string, fields: Record<string, string>): Promise<Response> {
    return fetch(`${server.url}/password`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new URLSearchParams(fields),
    });
  }

  it('changes the password and revokes every token of the user, this one included', async () => {
    await server.services.accounts.addUser('ada', OLD_PASSWORD);
    const phone = await tokenOf('ada', OLD_PASSWORD);
    const laptop = await tokenOf('ada', OLD_PASSWORD);

    const response = await change(laptop, { password: OLD_PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { message: 'Password changed', revoked: 2 });

    for (const token of [phone, laptop]) {
      const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 401);
    }
    assert.equal((await login('ada', OLD_PASSWORD)).status, 401);
    assert.equal((await login('ada', NEW_PASSWORD)).status, 200);
    const events = server.logs.records().filter((record) => record.event === 'password_changed');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.userId, 'ada');
  });

  it('refuses a wrong current password with 401 and changes nothing', async () => {
    await server.services.accounts.addUser('bob', OLD_PASSWORD);
    const token = await tokenOf('bob', OLD_PASSWORD);
    const response = await change(token, { password: 'not it at all', new_password: NEW_PASSWORD });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: 'Invalid credentials' });
    assert.equal(response.headers.get('www-authenticate'), null);
    assert.equal((await login('bob', OLD_PASSWORD)).status, 200);
  });

  it('refuses a weak new password with 400 and keeps the tokens', async () => {
    await server.services.accounts.addUser('carl', OLD_PASSWORD);
    const token = await tokenOf('carl', OLD_PASSWORD);
    const response = await change(token, { password: OLD_PASSWORD, new_password: 'short' });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: 'Password does not meet the password policy',
    });
    const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
  });

  it('needs a token first, then both fields', async () => {
    const anonymous = await fetch(`${server.url}/password`, {
      method: 'POST',
      body: new URLSearchParams({ password: OLD_PASSWORD, new_password: NEW_PASSWORD }),
    });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: 'Missing token' });

    await server.services.accounts.addUser('dora', OLD_PASSWORD);
    const token = await tokenOf('dora', OLD_PASSWORD);
    const missing = await change(token, { password: OLD_PASSWORD });
    assert.equal(missing.status, 400);
  });

  it('is what AuthClient.changePassword calls; a wrong password is InvalidCredentialsError', async () => {
    await server.services.accounts.addUser('eve', OLD_PASSWORD);
    const client = new AuthClient({ baseUrl: server.url });
    await client.login('eve', OLD_PASSWORD);
    await assert.rejects(
      client.changePassword('wrong one here', NEW_PASSWORD),
      InvalidCredentialsError,
    );
    assert.equal(await client.changePassword(OLD_PASSWORD, NEW_PASSWORD), 1);
    assert.equal(client.token, undefined);
    await client.login('eve', NEW_PASSWORD);
  });
});

describe('POST /password in open mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ '--login': 'open' });
  });
  after(() => server.close());

  it('does not exist, since open mode has no passwords', async () => {
    const response = await fetch(`${server.url}/password`, { method: 'POST' });
    assert.equal(response.status, 404);
  });
});
