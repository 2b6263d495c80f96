import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { form, json, startTestServer, type TestServer } from '../helpers/test-server.js';

describe('POST /register', () => {
  let open: TestServer;
  let closed: TestServer;

  before(async () => {
    open = await startTestServer({ '--login': 'password', '--allow-registration': 'true' });
    closed = await startTestServer({ '--login': 'password' });
  });
  after(async () => {
    await open.close();
    await closed.close();
  });

  it('does not exist unless registration is allowed', async () => {
    const response = await fetch(`${closed.url}/register`, {
      method: 'POST',
      ...form({ id: 'eve', password: 'a fine long password' }),
    });
    assert.equal(response.status, 404);
    assert.equal((await closed.services.store.listUsers()).length, 0);
  });

  it('creates an account that can then log in', async () => {
    const response = await fetch(`${open.url}/register`, {
      method: 'POST',
      ...json({ id: 'Zoë', password: 'a fine long password' }),
    });
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { message: 'Registered', id: 'Zoë' });

    const login = await fetch(`${open.url}/login`, {
      method: 'POST',
      // The same id typed decomposed reaches the same (NFC) account.
      ...form({ id: 'Zoe\u0308', password: 'a fine long password' }),
    });
    assert.equal(login.status, 200);
  });

  const refusals: [string, Record<string, string>, number, string][] = [
    ['a taken id', { id: 'Zoë', password: 'another long password' }, 409, 'Id already registered'],
    [
      'a short password',
      { id: 'frank', password: 'short' },
      400,
      'Password does not meet the password policy',
    ],
    [
      'a common password',
      { id: 'frank', password: 'password123' },
      400,
      'Password does not meet the password policy',
    ],
    [
      'a password over 1024 characters',
      { id: 'frank', password: 'x'.repeat(1025) },
      400,
      'Password does not meet the password policy',
    ],
    [
      'control characters in the id',
      { id: 'fr\u001bank', password: 'a fine long password' },
      400,
      'Invalid request',
    ],
    [
      'an id over 256 characters',
      { id: 'f'.repeat(257), password: 'a fine long password' },
      400,
      'Invalid request',
    ],
    ['no password', { id: 'frank' }, 400, 'Invalid request'],
  ];

  for (const [name, fields, status, message] of refusals) {
    it(`refuses ${name} with ${status} and stores nothing`, async () => {
      const usersBefore = (await open.services.store.listUsers()).length;
      const response = await fetch(`${open.url}/register`, { method: 'POST', ...form(fields) });
      assert.equal(response.status, status);
      assert.deepEqual(await response.json(), { error: message });
      assert.equal((await open.services.store.listUsers()).length, usersBefore);
    });
  }
});
