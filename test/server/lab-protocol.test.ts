import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { form, json, startTestServer, type TestServer } from '../helpers/test-server.js';

/** The lab's four checks, over real HTTP, with every way the lab's protocol can be spoken. */
describe("the lab's protocol in open mode", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers GET / with the plain-text banner', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'Authentication server running');
    assert.equal(response.headers.get('x-powered-by'), null);
  });

  const bodies = {
    form: (fields: Record<string, string>) => form(fields),
    json: (fields: Record<string, string>) => json(fields),
  };

  for (const [kind, encode] of Object.entries(bodies)) {
    it(`logs in with a ${kind} id and gets a token in the lab's and OAuth's shapes`, async () => {
      const response = await fetch(`${server.url}/login`, {
        method: 'POST',
        ...encode({ id: 'user@email.com' }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const text = await response.text();
      assert.match(text, /^\{"message":"Login successful","token":"tokenauth_/);
      const payload = JSON.parse(text) as Record<string, unknown>;
      assert.equal(payload.access_token, payload.token);
      assert.equal(payload.token_type, 'Bearer');
      assert.equal(payload.expires_in, 12 * 3600);
    });

    it(`echoes with the lab's ${kind} fields id, token and text`, async () => {
      const token = await login(server, encode);
      const response = await fetch(`${server.url}/echo`, {
        method: 'POST',
        ...encode({ id: 'user@email.com', token, text: 'Hello from authenticated user!' }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await response.text(), 'You said: Hello from authenticated user!');
    });

    it(`echoes with a Bearer header and a ${kind} text`, async () => {
      const token = await login(server, encode);
      const body = encode({ text: 'Hello!' });
      const response = await fetch(`${server.url}/echo`, {
        method: 'POST',
        body: body.body,
        headers: { ...('headers' in body ? body.headers : {}), authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'You said: Hello!');
    });

    it(`refuses an invalid ${kind} token with exactly the lab's 401`, async () => {
      const response = await fetch(`${server.url}/echo`, {
        method: 'POST',
        ...encode({ id: 'user@email.com', token: 'invalid_token', text: 'Hello!' }),
      });
      assert.equal(response.status, 401);
      assert.equal(await response.text(), '{"error":"Invalid token"}');
      assert.equal(
        response.headers.get('www-authenticate'),
        'Bearer realm="tokenauth", error="invalid_token"',
      );
    });
  }

  it('echoes markup as inert plain text', async () => {
    const token = await login(server, bodies.form);
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      ...form({ token, text: '<script>alert(1)</script>' }),
    });
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'You said: <script>alert(1)</script>');
  });

  it('mints a new token at every login', async () => {
    const first = await login(server, bodies.form);
    const second = await login(server, bodies.form);
    assert.notEqual(first, second);
  });
});

async function login(
  server: TestServer,
  encode: (fields: Record<string, string>) => { body: string | URLSearchParams },
): Promise<string> {
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    ...encode({ id: 'user@email.com' }),
  });
  return ((await response.json()) as { token: string }).token;
}
