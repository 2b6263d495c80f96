import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { type OpenedStore, storeFixtures } from '../helpers/store-fixtures.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

async function meStatus(server: TestServer, token: string): Promise<number> {
  const response = await fetch(`${server.url}/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

// The memory store lives inside the server process: an administrator cannot reach it.
for (const fixture of storeFixtures().filter((each) => each.kind !== 'memory')) {
  describe(`tokenauth tokens revoke on the ${fixture.kind} store`, { skip: fixture.skip }, () => {
    let store: OpenedStore;
    let server: TestServer;
    let storeUrl: string;

    before(async () => {
      store = await fixture.open();
      storeUrl = store.flags['--store'] ?? '';
      server = await startTestServer(store.flags);
    });
    after(async () => {
      await server?.close();
      await store?.cleanup();
    });

    it('revokes every token of the user, which the running server then refuses', async () => {
      const alice = [await loginOpen(server.url, 'alice'), await loginOpen(server.url, 'alice')];
      const bob = await loginOpen(server.url, 'bob');

      const result = await runCli(['tokens', 'revoke', '--user', 'alice', '--store', storeUrl]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'revoked 2 tokens of alice\n');

      for (const token of alice) assert.equal(await meStatus(server, token), 401);
      assert.equal(await meStatus(server, bob), 200);
    });

    it('reports 0 for a user without tokens', async () => {
      const result = await runCli(['tokens', 'revoke', '--user', 'nobody', '--store', storeUrl]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'revoked 0 tokens of nobody\n');
    });

    it('refuses an invalid user id as a usage error (exit 2)', async () => {
      const result = await runCli(['tokens', 'revoke', '--user', '', '--store', storeUrl]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--user/);
    });
  });
}

describe('tokenauth tokens revoke with a store it cannot reach', () => {
  it('fails (exit 1) naming the store without its password', async () => {
    const url = 'redis://admin:hunter2-secret@127.0.0.1:9/0';
    const result = await runCli(['tokens', 'revoke', '--user', 'alice', '--store', url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /127\.0\.0\.1:9/);
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
  });
});
