import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, TokenRecord } from '../../../src/stores/store.js';
import { BASE_MS, digestsOf, HOUR_MS, makeToken, makeUser } from './records.js';

async function createUserWithTokens(
  store: Store,
  userId: string,
  createdOffsetsMs: readonly number[],
): Promise<TokenRecord[]> {
  await store.createUser(makeUser(userId));
  const tokens = createdOffsetsMs.map((offsetMs) => makeToken(userId, offsetMs));
  for (const token of tokens) await store.createToken(token, 100);
  return tokens;
}

export function describeTokenConformance(store: () => Store): void {
  describe('tokens', () => {
    it('returns a created token with every field as stored', async () => {
      await store().createUser(makeUser('ada'));
      const token = makeToken('ada', 5, {
        lastUsedAtMs: BASE_MS + 6,
        idleExpiresAtMs: BASE_MS + 600_000,
        expiresAtMs: BASE_MS + 7 * 24 * HOUR_MS,
        clientAddress: '2001:db8::1',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) "quoted"; ünïcode',
      });

      await store().createToken(token, 10);

      assert.deepEqual(await store().findToken(token.digest), token);
    });

    it('stores tokens of ids without an account, as open login issues them', async () => {
      const token = makeToken('no-account', 1);
      await store().createToken(token, 10);
      assert.deepEqual(await store().findToken(token.digest), token);
      assert.equal(await store().deleteUserTokens('no-account'), 1);
    });

    it('keeps an empty client address and user agent', async () => {
      await store().createUser(makeUser('ada'));
      const token = makeToken('ada', 0, { clientAddress: '', userAgent: '' });

      await store().createToken(token, 10);

      assert.deepEqual(await store().findToken(token.digest), token);
    });

    it('finds no token for an unknown digest', async () => {
      await createUserWithTokens(store(), 'ada', [0]);

      assert.equal(await store().findToken('no-such-digest'), null);
    });

    it('evicts the oldest token by creation time when over the limit', async () => {
      // Inserted out of creation order, so insertion order cannot stand in for age.
      const [middle, oldest, newest] = await createUserWithTokens(store(), 'ada', [20, 10, 30]);
      assert.ok(middle && oldest && newest);

      const latest = makeToken('ada', 40);
      await store().createToken(latest, 3);

      assert.equal(await store().findToken(oldest.digest), null);
      assert.deepEqual(digestsOf(await store().listUserTokens('ada')), [
        middle.digest,
        newest.digest,
        latest.digest,
      ]);
    });

    it('evicts as many old tokens as needed to get back under the limit', async () => {
      const tokens = await createUserWithTokens(store(), 'ada', [1, 2, 3, 4, 5]);

      const latest = makeToken('ada', 6);
      await store().createToken(latest, 2);

      assert.deepEqual(digestsOf(await store().listUserTokens('ada')), [
        tokens[4]?.digest,
        latest.digest,
      ]);
      assert.equal(await store().countTokens(), 2);
    });

    it("evicts only the creating user's tokens", async () => {
      const bobTokens = await createUserWithTokens(store(), 'bob', [0, 1, 2]);
      const adaTokens = await createUserWithTokens(store(), 'ada', [10, 11]);

      await store().createToken(makeToken('ada', 12), 2);

      assert.deepEqual(digestsOf(await store().listUserTokens('bob')), digestsOf(bobTokens));
      assert.equal(await store().findToken(adaTokens[0]?.digest ?? ''), null);
      assert.equal(await store().countTokens(), 5);
    });

    it('evicts nothing at exactly the limit', async () => {
      const tokens = await createUserWithTokens(store(), 'ada', [1, 2]);

      const latest = makeToken('ada', 3);
      await store().createToken(latest, 3);

      assert.deepEqual(digestsOf(await store().listUserTokens('ada')), [
        ...digestsOf(tokens),
        latest.digest,
      ]);
    });

    it('records uses by updating last use and idle deadline only', async () => {
      const [first, second] = await createUserWithTokens(store(), 'ada', [0, 1]);
      assert.ok(first && second);

      await store().recordTokenUses([
        { digest: first.digest, lastUsedAtMs: BASE_MS + 500, idleExpiresAtMs: BASE_MS + HOUR_MS },
        {
          digest: second.digest,
          lastUsedAtMs: BASE_MS + 700,
          idleExpiresAtMs: BASE_MS + HOUR_MS - 1,
        },
      ]);

      assert.deepEqual(await store().findToken(first.digest), {
        ...first,
        lastUsedAtMs: BASE_MS + 500,
        idleExpiresAtMs: BASE_MS + HOUR_MS,
      });
      assert.deepEqual(await store().findToken(second.digest), {
        ...second,
        lastUsedAtMs: BASE_MS + 700,
        idleExpiresAtMs: BASE_MS + HOUR_MS - 1,
      });
    });

    it('keeps the later use when an older one arrives late', async () => {
      const [token] = await createUserWithTokens(store(), 'ada', [0]);
      assert.ok(token);

      await store().recordTokenUses([
        { digest: token.digest, lastUsedAtMs: BASE_MS + 900, idleExpiresAtMs: BASE_MS + HOUR_MS },
      ]);
      await store().recordTokenUses([
        { digest: token.digest, lastUsedAtMs: BASE_MS + 400, idleExpiresAtMs: BASE_MS + 1_000 },
      ]);

      const found = await store().findToken(token.digest);
      assert.equal(found?.lastUsedAtMs, BASE_MS + 900);
      assert.equal(found?.idleExpiresAtMs, BASE_MS + HOUR_MS);
    });

    it('never recreates a deleted or unknown token when recording uses', async () => {
      const [deleted, kept] = await createUserWithTokens(store(), 'ada', [0, 1]);
      assert.ok(deleted && kept);
      await store().deleteToken(deleted.digest);

      await store().recordTokenUses([
        { digest: deleted.digest, lastUsedAtMs: BASE_MS + 5, idleExpiresAtMs: BASE_MS + 50 },
        { digest: 'never-existed', lastUsedAtMs: BASE_MS + 5, idleExpiresAtMs: BASE_MS + 50 },
        { digest: kept.digest, lastUsedAtMs: BASE_MS + 5, idleExpiresAtMs: BASE_MS + 50 },
      ]);

      assert.equal(await store().findToken(deleted.digest), null);
      assert.equal(await store().findToken('never-existed'), null);
      assert.equal((await store().findToken(kept.digest))?.lastUsedAtMs, BASE_MS + 5);
      assert.equal(await store().countTokens(), 1);
      assert.deepEqual(digestsOf(await store().listUserTokens('ada')), [kept.digest]);
    });

    it('accepts an empty batch of uses', async () => {
      await store().recordTokenUses([]);

      assert.equal(await store().countTokens(), 0);
    });

    it('deletes one token and reports whether it existed', async () => {
      const [gone, kept] = await createUserWithTokens(store(), 'ada', [0, 1]);
      assert.ok(gone && kept);

      assert.equal(await store().deleteToken(gone.digest), true);
      assert.equal(await store().deleteToken(gone.digest), false);
      assert.equal(await store().deleteToken('never-existed'), false);

      assert.equal(await store().findToken(gone.digest), null);
      assert.deepEqual(digestsOf(await store().listUserTokens('ada')), [kept.digest]);
    });

    it("deletes every token of one user, counts them and keeps the user's record", async () => {
      await createUserWithTokens(store(), 'ada', [0, 1, 2]);
      const bobTokens = await createUserWithTokens(store(), 'bob', [3]);

      assert.equal(await store().deleteUserTokens('ada'), 3);
      assert.equal(await store().deleteUserTokens('ada'), 0);
      assert.equal(await store().deleteUserTokens('ghost'), 0);

      assert.deepEqual(await store().listUserTokens('ada'), []);
      assert.deepEqual(await store().findUser('ada'), makeUser('ada'));
      assert.deepEqual(digestsOf(await store().listUserTokens('bob')), digestsOf(bobTokens));
      assert.equal(await store().countTokens(), 1);
    });

    it("lists one user's tokens, oldest first, with every field", async () => {
      const tokens = await createUserWithTokens(store(), 'ada', [30, 10, 20]);
      await createUserWithTokens(store(), 'bob', [15]);

      const listed = await store().listUserTokens('ada');

      const oldestFirst = [...tokens].sort((a, b) => a.createdAtMs - b.createdAtMs);
      assert.deepEqual(listed, oldestFirst);
      assert.deepEqual(await store().listUserTokens('ghost'), []);
    });

    it('lists tokens that are already dead', async () => {
      await store().createUser(makeUser('ada'));
      const dead = makeToken('ada', 0, { expiresAtMs: BASE_MS + 1, idleExpiresAtMs: BASE_MS + 1 });
      await store().createToken(dead, 10);

      assert.deepEqual(await store().listUserTokens('ada'), [dead]);
    });

    it('deletes tokens past either deadline, the deadline instant included', async () => {
      await store().createUser(makeUser('ada'));
      const deadlineMs = BASE_MS + HOUR_MS;
      const live = makeToken('ada', 0, {
        idleExpiresAtMs: deadlineMs + 1,
        expiresAtMs: deadlineMs + 2,
      });
      const dead = [
        makeToken('ada', 1, { idleExpiresAtMs: deadlineMs - 5, expiresAtMs: deadlineMs + 9 }),
        makeToken('ada', 2, { idleExpiresAtMs: deadlineMs + 9, expiresAtMs: deadlineMs - 5 }),
        makeToken('ada', 3, { idleExpiresAtMs: deadlineMs, expiresAtMs: deadlineMs + 9 }),
        makeToken('ada', 4, { idleExpiresAtMs: deadlineMs + 9, expiresAtMs: deadlineMs }),
      ];
      for (const token of [live, ...dead]) await store().createToken(token, 10);

      assert.equal(await store().deleteExpiredTokens(deadlineMs), 4);
      assert.equal(await store().deleteExpiredTokens(deadlineMs), 0);

      assert.deepEqual(await store().listUserTokens('ada'), [live]);
      for (const token of dead) assert.equal(await store().findToken(token.digest), null);
      assert.equal(await store().countTokens(), 1);
      assert.equal(await store().deleteUserTokens('ada'), 1);
    });

    it('deletes no token that is still live', async () => {
      await createUserWithTokens(store(), 'ada', [0, 1]);

      assert.equal(await store().deleteExpiredTokens(BASE_MS + 2), 0);

      assert.equal(await store().countTokens(), 2);
    });

    it('counts tokens across users', async () => {
      assert.equal(await store().countTokens(), 0);
      await createUserWithTokens(store(), 'ada', [0, 1]);
      await createUserWithTokens(store(), 'bob', [2]);

      assert.equal(await store().countTokens(), 3);
    });
  });
}
