import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { form, json, startTestServer, type TestServer } from '../helpers/test-server.js';

const PASSWORD = 'correct horse battery staple';

describe('password login', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ '--login': 'password' });
    const added = await server.services.accounts.addUser('ada@example.com', PASSWORD);
    assert.ok(added.ok);
    const disabled = await server.services.accounts.addUser('bob@example.com', PASSWORD);
    assert.ok(disabled.ok);
    await server.services.accounts.disableUser('bob@example.com');
  });
  after(() => server.close());

  async function login(fields: Record<string, string>, address?: string): Promise<Response> {
    const headers = address ? { 'x-forwarded-for': address } : {};
    const body = form(fields);
    return fetch(`${server.url}/login`, { method: 'POST', body: body.body, headers });
  }

  it('gives a token for the right password, in form and JSON bodies', async () => {
    const viaForm = await login({ id: 'ada@example.com', password: PASSWORD });
    assert.equal(viaForm.status, 200);
    const viaJson = await fetch(`${server.url}/login`, {
      method: 'POST',
      ...json({ id: 'ada@example.com', password: PASSWORD }),
    });
    assert.equal(viaJson.status, 200);
    const { token } = (await viaJson.json()) as { token: string };
    const echo = await fetch(`${server.url}/echo`, {
      method: 'POST',
      ...form({ id: 'ada@example.com', token, text: 'hi' }),
    });
    assert.equal(await echo.text(), 'You said: hi');
  });

  it('answers a wrong password, an unknown id and a disabled account identically', async () => {
    const answers = [
      await login({ id: 'ada@example.com', password: 'wrong password!' }),
      await login({ id: 'nobody@example.com', password: 'wrong password!' }),
      await login({ id: 'bob@example.com', password: PASSWORD }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.equal(await answer.text(), '{"error":"Invalid credentials"}');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.headers.get('www-authenticate'), null);
    }
    const names = (response: Response) => [...response.headers.keys()].filter((n) => n !== 'date');
    assert.deepEqual(names(answers[0] as Response), names(answers[1] as Response));
    assert.deepEqual(names(answers[0] as Response), names(answers[2] as Response));
  });

  it('refuses an open-mode login (no password) with 400', async () => {
    const response = await login({ id: 'ada@example.com' });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'Invalid request' });
  });

  it('refuses a password over 1024 characters before hashing it', async () => {
    const response = await login({ id: 'ada@example.com', password: 'p'.repeat(1025) });
    assert.equal(response.status, 400);
    assert.equal(server.services.hasher.inFlight + server.services.hasher.queued, 0);
  });

  it('stores no token for any refused login', async () => {
    const before = await server.services.store.countTokens();
    await login({ id: 'ada@example.com', password: 'nope nope nope' });
    await login({ id: 'ghost', password: PASSWORD });
    assert.equal(await server.services.store.countTokens(), before);
  });
});

describe('password login under brute force', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ '--login': 'password' });
    await server.services.accounts.addUser('carol@example.com', PASSWORD);
  });
  after(() => server.close());

  it('answers 429 once five free failures are spent, alike for known and unknown ids', async () => {
    for (const id of ['carol@example.com', 'unknown@example.com']) {
      for (let i = 0; i < 6; i += 1) {
        const response = await fetch(`${server.url}/login`, {
          method: 'POST',
          ...form({ id, password: 'guess guess guess' }),
        });
        assert.equal(response.status, 401, `attempt ${i + 1} for ${id}`);
      }
      const throttled = await fetch(`${server.url}/login`, {
        method: 'POST',
        ...form({ id, password: PASSWORD }),
      });
      assert.equal(throttled.status, 429, id);
      assert.deepEqual(await throttled.json(), { error: 'Too many login attempts' });
      assert.equal(throttled.headers.get('retry-after'), '1');
      assert.equal(throttled.headers.get('cache-control'), 'no-store');
    }
    const started = server.logs.records().filter((record) => record.event === 'lockout_started');
    assert.deepEqual(
      started.map((record) => record.userId),
      ['carol@example.com', 'unknown@example.com'],
    );
  });
});

describe('lockouts in the audit log', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());

  before(async () => {
    server = await startTestServer({ '--login': 'password' }, { clock });
    await server.services.accounts.addUser('erin@example.com', PASSWORD);
  });
  after(() => server.close());

  it('logs the end of a lockout at the next successful login', async () => {
    for (let i = 0; i < 6; i += 1) {
      await fetch(`${server.url}/login`, {
        method: 'POST',
        ...form({ id: 'erin@example.com', password: 'guess guess guess' }),
      });
    }
    clock.advance(1000); // the wait after the sixth failure
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      ...form({ id: 'erin@example.com', password: PASSWORD }),
    });
    assert.equal(response.status, 200);
    const ended = server.logs.records().filter((record) => record.event === 'lockout_ended');
    assert.deepEqual(
      ended.map((record) => record.userId),
      ['erin@example.com'],
    );
  });
});

describe('password hashing under load', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      '--login': 'password',
      '--hash-concurrency': '1',
      '--hash-queue': '2',
    });
    await server.services.accounts.addUser('dave@example.com', PASSWORD);
  });
  after(() => server.close());

  it('answers overflow with 503 and Retry-After instead of queueing', async () => {
    const attempts = Array.from({ length: 12 }, (_, i) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ id: `user${i}`, password: 'whatever you say' }),
        headers: { 'x-test': String(i) },
      }),
    );
    const responses = await Promise.all(attempts);
    const statuses = responses.map((response) => response.status);
    assert.ok(statuses.includes(503), `statuses: ${statuses.join(',')}`);
    const busy = responses.find((response) => response.status === 503);
    assert.equal(busy?.headers.get('retry-after'), '1');
    assert.deepEqual(await busy?.json(), { error: 'Service unavailable' });
    assert.ok(statuses.every((status) => status === 401 || status === 503));
  });

  it('keeps the event loop free: an echo is answered before a burst of logins finishes', async () => {
    const token = await fetch(`${server.url}/login`, {
      method: 'POST',
      ...form({ id: 'dave@example.com', password: PASSWORD }),
    }).then(async (response) => ((await response.json()) as { token: string }).token);

    let loginsDone = 0;
    const logins = Array.from({ length: 3 }, () =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        ...form({ id: 'dave@example.com', password: 'not the password' }),
      }).then(() => {
        loginsDone += 1;
      }),
    );
    const echo = await fetch(`${server.url}/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new URLSearchParams({ text: 'still here' }),
    });
    const doneWhenEchoAnswered = loginsDone;
    await Promise.all(logins);
    assert.equal(await echo.text(), 'You said: still here');
    // Hashes run one at a time here, so the burst takes several hash times; the echo must not
    // wait for them.
    assert.ok(doneWhenEchoAnswered < 3, `echo waited for ${doneWhenEchoAnswered} logins`);
  });
});
