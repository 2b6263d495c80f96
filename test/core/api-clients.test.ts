import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApiClients,
  CLIENT_SECRET_PREFIX,
  digestSecret,
  isValidClientName,
} from '../../src/core/api-clients.js';
import { ManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/server/logger.js';
import { openStore } from '../../src/stores/open-store.js';
import type { Store } from '../../src/stores/store.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** Adds a client and returns its secret, failing the test on a refusal. */
async function added(clients: ApiClients, name: string): Promise<string> {
  const result = await clients.addClient(name);
  assert.ok(result.ok, `adding ${name} was refused`);
  return result.secret;
}

async function rotated(clients: ApiClients, name: string, keepPrevious = true): Promise<string> {
  const result = await clients.rotateSecret(name, { keepPrevious });
  assert.ok(result.ok, `rotating ${name} was refused`);
  return result.secret;
}

describe('ApiClients on a SQLite store', () => {
  const clock = new ManualClock();
  let dir: TempDir;
  let store: Store;
  let clients: ApiClients;

  before(async () => {
    dir = await makeTempDir('api-clients');
    store = await openStore(`sqlite:${join(dir.path, 'clients.db')}`, createLogger('silent'));
    clients = new ApiClients({ store, clock });
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('mints a prefixed 256-bit secret and stores only its SHA-256 digest', async () => {
    const secret = await added(clients, 'billing-api');

    assert.match(secret, new RegExp(`^${CLIENT_SECRET_PREFIX}[A-Za-z0-9_-]{43}$`));
    const record = await store.findClient('billing-api');
    const expected = createHash('sha256').update(secret).digest('base64url');
    assert.deepEqual(record?.secretDigests, [expected]);
    assert.equal(record?.createdAtMs, clock.nowMs());
    assert.ok(!JSON.stringify(record).includes(secret.slice(CLIENT_SECRET_PREFIX.length)));
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const secret = await added(clients, 'orders');

    assert.equal(await clients.verify('orders', secret), true);
    assert.equal(await clients.verify('orders', `${secret}x`), false);
    assert.equal(await clients.verify('orders', ''), false);
    assert.equal(await clients.verify('Orders', secret), false);
  });

  it("refuses another client's secret, an unknown name and an invalid name", async () => {
    const secret = await added(clients, 'shipping');
    await added(clients, 'invoices');

    assert.equal(await clients.verify('invoices', secret), false);
    assert.equal(await clients.verify('nobody', secret), false);
    assert.equal(await clients.verify('bad name', secret), false);
  });

  it('refuses a name that is taken and keeps the first secret', async () => {
    const first = await added(clients, 'taken');
    const second = await clients.addClient('taken');

    assert.deepEqual(second, { ok: false, reason: 'name_taken' });
    assert.equal(await clients.verify('taken', first), true);
  });

  it('refuses invalid names without touching the store', async () => {
    for (const name of ['', 'a b', 'a:b', 'é', 'x'.repeat(65), 'semi;colon']) {
      assert.deepEqual(await clients.addClient(name), { ok: false, reason: 'invalid_name' });
    }
    assert.equal(
      (await clients.listClients()).some((client) => client.name === ''),
      false,
    );
  });

  it('accepts names of 1 to 64 letters, digits, dots, underscores and hyphens', () => {
    assert.ok(isValidClientName('a'));
    assert.ok(isValidClientName('Resource_Server-2.eu'));
    assert.ok(isValidClientName('x'.repeat(64)));
    assert.equal(isValidClientName('x'.repeat(65)), false);
  });

  it('keeps the previous secret live after a rotation, so servers can switch over', async () => {
    const first = await added(clients, 'rotating');
    const second = await rotated(clients, 'rotating');

    assert.notEqual(first, second);
    assert.equal(await clients.verify('rotating', first), true);
    assert.equal(await clients.verify('rotating', second), true);
  });

  it('drops the oldest secret when a third one is issued', async () => {
    const first = await added(clients, 'thrice');
    const second = await rotated(clients, 'thrice');
    const third = await rotated(clients, 'thrice');

    assert.equal(await clients.verify('thrice', first), false);
    assert.equal(await clients.verify('thrice', second), true);
    assert.equal(await clients.verify('thrice', third), true);
    assert.deepEqual((await store.findClient('thrice'))?.secretDigests, [
      digestSecret(second),
      digestSecret(third),
    ]);
  });

  it('revokes every earlier secret when rotating without keeping the previous one', async () => {
    const first = await added(clients, 'leaked');
    const second = await rotated(clients, 'leaked');
    const third = await rotated(clients, 'leaked', false);

    assert.equal(await clients.verify('leaked', first), false);
    assert.equal(await clients.verify('leaked', second), false);
    assert.equal(await clients.verify('leaked', third), true);
  });

  it('refuses to rotate or remove a client that does not exist', async () => {
    assert.deepEqual(await clients.rotateSecret('ghost'), { ok: false, reason: 'unknown_client' });
    assert.deepEqual(await clients.removeClient('ghost'), { ok: false, reason: 'unknown_client' });
  });

  it('removes a client, after which its secret no longer verifies', async () => {
    const secret = await added(clients, 'short-lived');
    assert.deepEqual(await clients.removeClient('short-lived'), { ok: true });

    assert.equal(await clients.verify('short-lived', secret), false);
    assert.equal(await store.findClient('short-lived'), null);
  });

  it('lists clients by name with their count of live secrets and no secret material', async () => {
    await added(clients, 'listed');
    await rotated(clients, 'listed');

    const listed = (await clients.listClients()).find((client) => client.name === 'listed');
    assert.deepEqual(listed, { name: 'listed', liveSecrets: 2, createdAtMs: clock.nowMs() });
    const names = (await clients.listClients()).map((client) => client.name);
    assert.deepEqual(names, [...names].sort());
  });

  it('refuses a client whose stored digest is damaged instead of throwing', async () => {
    await store.saveClient({ name: 'damaged', secretDigests: ['short'], createdAtMs: 0 });

    assert.equal(await clients.verify('damaged', 'short'), false);
  });
});
