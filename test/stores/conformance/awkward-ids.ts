import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/stores/store.js';
import {
  AWKWARD_IDS,
  BASE_MS,
  byId,
  byName,
  digestsOf,
  makeClient,
  makeToken,
  makeUser,
} from './records.js';

/** Every identifier must round-trip byte for byte and never match another one by pattern. */
export function describeAwkwardIdConformance(store: () => Store): void {
  describe('awkward identifiers', () => {
    it('keeps users apart and returns their ids exactly', async () => {
      const users = AWKWARD_IDS.map((id, index) => makeUser(id, { createdAtMs: BASE_MS + index }));
      for (const user of users) assert.equal(await store().createUser(user), true);

      for (const user of users) assert.deepEqual(await store().findUser(user.id), user);
      assert.deepEqual(byId(await store().listUsers()), byId(users));
    });

    it("keeps each awkward user's tokens apart from every other user's", async () => {
      const tokensByUser = new Map<string, string[]>();
      for (const [index, id] of AWKWARD_IDS.entries()) {
        await store().createUser(makeUser(id));
        const tokens = [makeToken(id, index * 2), makeToken(id, index * 2 + 1)];
        for (const token of tokens) await store().createToken(token, 2);
        tokensByUser.set(id, digestsOf(tokens));
      }

      for (const id of AWKWARD_IDS) {
        assert.deepEqual(digestsOf(await store().listUserTokens(id)), tokensByUser.get(id), id);
      }
      assert.equal(await store().deleteUserTokens('*'), 2);
      assert.equal(await store().deleteUserTokens('%'), 2);
      assert.equal(await store().deleteUser('a*b'), true);
      assert.equal(await store().countTokens(), (AWKWARD_IDS.length - 3) * 2);
      assert.deepEqual(digestsOf(await store().listUserTokens('?')), tokensByUser.get('?'));
    });

    it('finds tokens by awkward digests and session ids exactly', async () => {
      await store().createUser(makeUser('ada'));
      const tokens = AWKWARD_IDS.map((id, index) =>
        makeToken('ada', index, { digest: id, sessionId: `session ${id}` }),
      );
      for (const token of tokens) await store().createToken(token, 100);

      for (const token of tokens) assert.deepEqual(await store().findToken(token.digest), token);
      assert.equal(await store().deleteToken('*'), true);
      assert.equal(await store().countTokens(), AWKWARD_IDS.length - 1);
    });

    it('keeps counters and failures of awkward keys apart', async () => {
      const nowMs = Date.now();
      for (const key of AWKWARD_IDS) {
        const counter = await store().incrementCounter(key, 60_000, nowMs);
        const failures = await store().recordLoginFailure(key, nowMs, 60_000);
        assert.equal(counter.count, 1, key);
        assert.equal(failures.failures, 1, key);
      }

      await store().clearLoginFailures('*');

      assert.equal(await store().readLoginFailures('*', nowMs), null);
      assert.equal((await store().readLoginFailures('a*b', nowMs))?.failures, 1);
      assert.equal((await store().incrementCounter('%', 60_000, nowMs)).count, 2);
    });

    it('keeps clients with awkward names apart', async () => {
      const clients = AWKWARD_IDS.map((name) => makeClient(name));
      for (const client of clients) await store().saveClient(client);

      for (const client of clients) assert.deepEqual(await store().findClient(client.name), client);
      assert.deepEqual(byName(await store().listClients()), byName(clients));
      assert.equal(await store().deleteClient('*'), true);
      assert.equal((await store().listClients()).length, AWKWARD_IDS.length - 1);
    });
  });
}
