import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/stores/store.js';
import { BASE_MS, byId, digestsOf, makeToken, makeUser } from './records.js';

export function describeUserConformance(store: () => Store): void {
  describe('users', () => {
    it('returns a created user with every field as stored', async () => {
      const user = makeUser('ada', { createdAtMs: BASE_MS + 42 });

      assert.equal(await store().createUser(user), true);

      assert.deepEqual(await store().findUser('ada'), user);
    });

    it('keeps a null password hash and a disabled flag', async () => {
      const user = makeUser('open-mode', { passwordHash: null, disabled: true });

      await store().createUser(user);

      assert.deepEqual(await store().findUser('open-mode'), user);
    });

    it('refuses a duplicate id and leaves the first user unchanged', async () => {
      const first = makeUser('ada');
      await store().createUser(first);

      const second = makeUser('ada', { passwordHash: null, disabled: true, createdAtMs: 1 });
      assert.equal(await store().createUser(second), false);

      assert.deepEqual(await store().findUser('ada'), first);
      assert.equal((await store().listUsers()).length, 1);
    });

    it('finds no user for an unknown id', async () => {
      assert.equal(await store().findUser('nobody'), null);
    });

    it('lists every user, and nothing when empty', async () => {
      assert.deepEqual(await store().listUsers(), []);
      const users = [makeUser('carol'), makeUser('ada', { disabled: true }), makeUser('bob')];
      for (const user of users) await store().createUser(user);

      assert.deepEqual(byId(await store().listUsers()), byId(users));
    });

    it('updates only the password hash', async () => {
      const user = makeUser('ada', { disabled: true, createdAtMs: BASE_MS + 7 });
      await store().createUser(user);

      assert.equal(await store().updateUserPassword('ada', '$argon2id$new'), true);

      assert.deepEqual(await store().findUser('ada'), { ...user, passwordHash: '$argon2id$new' });
    });

    it('sets a password on a user that had none', async () => {
      await store().createUser(makeUser('ada', { passwordHash: null }));

      await store().updateUserPassword('ada', '$argon2id$first');

      assert.equal((await store().findUser('ada'))?.passwordHash, '$argon2id$first');
    });

    it('disables and re-enables a user, changing nothing else', async () => {
      const user = makeUser('ada');
      await store().createUser(user);

      assert.equal(await store().updateUserDisabled('ada', true), true);
      assert.deepEqual(await store().findUser('ada'), { ...user, disabled: true });

      assert.equal(await store().updateUserDisabled('ada', false), true);
      assert.deepEqual(await store().findUser('ada'), user);
    });

    it('updates nothing and creates nobody for an unknown id', async () => {
      assert.equal(await store().updateUserPassword('ghost', '$argon2id$x'), false);
      assert.equal(await store().updateUserDisabled('ghost', true), false);

      assert.equal(await store().findUser('ghost'), null);
      assert.deepEqual(await store().listUsers(), []);
    });

    it('deletes a user with all of its tokens and keeps other users', async () => {
      await store().createUser(makeUser('ada'));
      await store().createUser(makeUser('bob'));
      const adaTokens = [makeToken('ada', 1), makeToken('ada', 2)];
      const bobToken = makeToken('bob', 3);
      for (const token of [...adaTokens, bobToken]) await store().createToken(token, 10);

      assert.equal(await store().deleteUser('ada'), true);

      assert.equal(await store().findUser('ada'), null);
      for (const token of adaTokens) assert.equal(await store().findToken(token.digest), null);
      assert.deepEqual(await store().listUserTokens('ada'), []);
      assert.deepEqual(await store().findToken(bobToken.digest), bobToken);
      assert.deepEqual(digestsOf(await store().listUserTokens('bob')), [bobToken.digest]);
      assert.equal(await store().countTokens(), 1);
      assert.deepEqual(byId(await store().listUsers()), [makeUser('bob')]);
    });

    it('reports false when deleting an unknown user', async () => {
      await store().createUser(makeUser('ada'));

      assert.equal(await store().deleteUser('ghost'), false);

      assert.equal((await store().listUsers()).length, 1);
    });

    it('lets a deleted id be created again, without the old tokens', async () => {
      await store().createUser(makeUser('ada'));
      await store().createToken(makeToken('ada'), 10);
      await store().deleteUser('ada');

      const reborn = makeUser('ada', { passwordHash: null, createdAtMs: BASE_MS + 99 });
      assert.equal(await store().createUser(reborn), true);

      assert.deepEqual(await store().findUser('ada'), reborn);
      assert.deepEqual(await store().listUserTokens('ada'), []);
    });
  });
}
