import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { rawRequest } from '../helpers/raw-http.js';
import { form, json, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Every bad input gets its documented status and a JSON error body, stores nothing, leaks
 * nothing and leaves the server running.
 */
describe('bad input', () => {
  let server: TestServer;
  let tokensBefore: number;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());
  beforeEach(async () => {
    tokensBefore = await server.services.store.countTokens();
  });

  async function assertRefused(
    response: Response | { status: number; body: string; headers: Record<string, unknown> },
    status: number,
    message: string,
  ): Promise<void> {
    const body = response instanceof Response ? await response.text() : response.body;
    assert.equal(response.status, status, body);
    assert.deepEqual(JSON.parse(body), { error: message });
    assert.equal(await server.services.store.countTokens(), tokensBefore, 'nothing stored');
  }

  const loginCases: [string, RequestInit, number, string][] = [
    ['no id', { method: 'POST', ...form({}) }, 400, 'Invalid request'],
    ['an empty id', { method: 'POST', ...form({ id: '' }) }, 400, 'Invalid request'],
    [
      'an id sent twice',
      { method: 'POST', body: 'id=a&id=b', headers: formType() },
      400,
      'Invalid request',
    ],
    ['an id as an object', { method: 'POST', ...json({ id: { a: 1 } }) }, 400, 'Invalid request'],
    ['an id as an array', { method: 'POST', ...json({ id: ['a'] }) }, 400, 'Invalid request'],
    ['an id as a number', { method: 'POST', ...json({ id: 5 }) }, 400, 'Invalid request'],
    ['a JSON array body', { method: 'POST', ...json(['a']) }, 400, 'Invalid request'],
    [
      'an unknown field',
      { method: 'POST', ...form({ id: 'a', admin: 'true' }) },
      400,
      'Invalid request',
    ],
    [
      'control characters in the id',
      { method: 'POST', ...form({ id: 'a\u0007b' }) },
      400,
      'Invalid request',
    ],
    [
      'an id over 256 characters',
      { method: 'POST', ...form({ id: 'x'.repeat(257) }) },
      400,
      'Invalid request',
    ],
    [
      'malformed JSON',
      { method: 'POST', body: '{"id":', headers: jsonType() },
      400,
      'Malformed JSON body',
    ],
    [
      'an empty JSON body',
      { method: 'POST', body: '', headers: jsonType() },
      400,
      'Malformed JSON body',
    ],
    [
      'a __proto__ key',
      { method: 'POST', body: '{"id":"a","__proto__":{"x":1}}', headers: jsonType() },
      400,
      'Malformed JSON body',
    ],
    [
      'a constructor key',
      {
        method: 'POST',
        body: '{"id":"a","constructor":{"prototype":{"x":1}}}',
        headers: jsonType(),
      },
      400,
      'Malformed JSON body',
    ],
    [
      'a __proto__ form field',
      { method: 'POST', body: 'id=a&__proto__=x', headers: formType() },
      400,
      'Invalid request',
    ],
    [
      'a text/plain body',
      { method: 'POST', body: 'id=a', headers: { 'content-type': 'text/plain' } },
      415,
      'Unsupported content type',
    ],
    [
      'an XML body',
      { method: 'POST', body: '<id>a</id>', headers: { 'content-type': 'application/xml' } },
      415,
      'Unsupported content type',
    ],
    [
      'a body over 8 KiB',
      { method: 'POST', ...form({ id: 'a', pad: 'x'.repeat(9000) }) },
      413,
      'Request body too large',
    ],
  ];

  for (const [name, init, status, message] of loginCases) {
    it(`refuses a login with ${name} (${status})`, async () => {
      await assertRefused(await fetch(`${server.url}/login`, init), status, message);
    });
  }

  it('counts a chunked body over 8 KiB by its bytes and refuses it with 413', async () => {
    const chunk = `id=a&pad=${'x'.repeat(1000)}`;
    const response = await rawRequest(`${server.url}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'transfer-encoding': 'chunked',
      },
      chunks: Array.from({ length: 10 }, () => chunk),
    });
    await assertRefused(response, 413, 'Request body too large');
  });

  it('refuses an echo without text only after the token is found valid', async () => {
    const token = await loginOpen(server.url);
    tokensBefore = await server.services.store.countTokens();
    const withToken = await fetch(`${server.url}/echo`, { method: 'POST', ...form({ token }) });
    await assertRefused(withToken, 400, 'Invalid request');
    const withoutToken = await fetch(`${server.url}/echo`, { method: 'POST', ...form({}) });
    await assertRefused(withoutToken, 401, 'Missing token');
  });

  it('refuses an echo whose text is sent twice', async () => {
    const token = await loginOpen(server.url);
    tokensBefore = await server.services.store.countTokens();
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      body: `token=${token}&text=a&text=b`,
      headers: formType(),
    });
    await assertRefused(response, 400, 'Invalid request');
  });

  it("refuses another user's token with the lab's 401", async () => {
    const token = await loginOpen(server.url, 'alice');
    tokensBefore = await server.services.store.countTokens();
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      ...form({ id: 'mallory', token, text: 'hi' }),
    });
    assert.equal(response.status, 401);
    assert.equal(await response.text(), '{"error":"Invalid token"}');
  });

  it('refuses a token with a broken checksum', async () => {
    const token = await loginOpen(server.url);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const broken = `${token.slice(0, -1)}${last}`;
    tokensBefore = await server.services.store.countTokens();
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      ...form({ token: broken, text: 'hi' }),
    });
    await assertRefused(response, 401, 'Invalid token');
  });

  it('answers an unknown path with a JSON 404', async () => {
    await assertRefused(await fetch(`${server.url}/nope`), 404, 'Not found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const response = await fetch(`${server.url}/login`);
    assert.equal(response.headers.get('allow'), 'POST');
    await assertRefused(response, 405, 'Method not allowed');
  });

  it('keeps serving after all of the above', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
  });

  it('never puts a stack trace or internal message in a response', async () => {
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: '{"id":',
      headers: jsonType(),
    });
    const text = await response.text();
    assert.doesNotMatch(text, /at |Error|JSON\.parse|position/);
  });
});

function formType(): Record<string, string> {
  return { 'content-type': 'application/x-www-form-urlencoded' };
}

function jsonType(): Record<string, string> {
  return { 'content-type': 'application/json' };
}
