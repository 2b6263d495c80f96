import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOKEN_PREFIX } from '../../src/core/tokens.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

describe('what the store holds', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('keeps only digests: no stored field contains any issued token', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 50; i += 1) tokens.push(await loginOpen(server.url, `user${i % 5}`));

    const stored: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      for (const record of await server.services.store.listUserTokens(`user${i}`)) {
        stored.push(JSON.stringify(record));
      }
    }
    assert.equal(stored.length, 50);
    const everything = stored.join('\n');
    assert.ok(!everything.includes(TOKEN_PREFIX));
    for (const token of tokens) assert.ok(!everything.includes(token.slice(TOKEN_PREFIX.length)));
  });

  it('never writes a token to the log', async () => {
    const token = await loginOpen(server.url);
    await fetch(`${server.url}/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    assert.ok(server.logs.lines.length > 0);
    assert.ok(!server.logs.text.includes(token.slice(TOKEN_PREFIX.length)));
    assert.ok(server.logs.text.includes('login_succeeded'));
  });
});
