import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/stores/store.js';
import { BASE_MS, byName, makeClient } from './records.js';

export function describeClientConformance(store: () => Store): void {
  describe('clients', () => {
    it('returns a saved client with every field as stored', async () => {
      const client = makeClient('billing', { createdAtMs: BASE_MS + 3 });

      await store().saveClient(client);

      assert.deepEqual(await store().findClient('billing'), client);
    });

    it('keeps a client with a single secret or none', async () => {
      const single = makeClient('single', { secretDigests: ['only'] });
      const none = makeClient('none', { secretDigests: [] });

      await store().saveClient(single);
      await store().saveClient(none);

      assert.deepEqual(await store().findClient('single'), single);
      assert.deepEqual(await store().findClient('none'), none);
    });

    it('replaces a client saved under the same name', async () => {
      await store().saveClient(makeClient('billing'));
      const rotated = makeClient('billing', {
        secretDigests: ['secret-c'],
        createdAtMs: BASE_MS + 1_000,
      });

      await store().saveClient(rotated);

      assert.deepEqual(await store().findClient('billing'), rotated);
      assert.deepEqual(await store().listClients(), [rotated]);
    });

    it('finds no client for an unknown name', async () => {
      assert.equal(await store().findClient('nobody'), null);
    });

    it('lists every client, and nothing when empty', async () => {
      assert.deepEqual(await store().listClients(), []);
      const clients = [makeClient('ops'), makeClient('billing'), makeClient('audit')];
      for (const client of clients) await store().saveClient(client);

      assert.deepEqual(byName(await store().listClients()), byName(clients));
    });

    it('deletes a client and reports whether it existed', async () => {
      await store().saveClient(makeClient('billing'));
      await store().saveClient(makeClient('ops'));

      assert.equal(await store().deleteClient('billing'), true);
      assert.equal(await store().deleteClient('billing'), false);
      assert.equal(await store().deleteClient('ghost'), false);

      assert.equal(await store().findClient('billing'), null);
      assert.deepEqual(await store().listClients(), [makeClient('ops')]);
    });
  });
}
