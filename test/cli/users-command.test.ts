import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('tokenauth users', () => {
  let folder: TempDir;
  let store: string;

  before(async () => {
    folder = await makeTempDir('users-cli-');
    store = `sqlite:${join(folder.path, 'users.db')}`;
  });
  after(() => folder.remove());

  const users = (args: string[], stdin?: string) =>
    runCli(['users', ...args, '--store', store], stdin === undefined ? {} : { stdin });

  it('adds a user with the password from standard input', async () => {
    const result = await users(['add', 'ada', '--password-stdin'], 'a fine long password\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'added user ada\n');
    assert.doesNotMatch(result.stdout + result.stderr, /fine long/);
  });

  it('lists users without their hashes', async () => {
    const result = await users(['list']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ada\tenabled\tcreated /);
    assert.doesNotMatch(result.stdout, /argon2/);
  });

  it('refuses a duplicate id with exit 1 and a clear message', async () => {
    const result = await users(['add', 'ada', '--password-stdin'], 'another long password');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already taken/);
  });

  it('refuses a weak password with exit 1, naming the rule', async () => {
    const result = await users(['add', 'bob', '--password-stdin'], 'short');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /at least 8/);
    assert.doesNotMatch(result.stderr, /short\b.*short/);
  });

  it('refuses an unknown id with exit 1', async () => {
    for (const command of ['remove', 'disable', 'enable']) {
      const result = await users([command, 'nobody']);
      assert.equal(result.code, 1, command);
      assert.match(result.stderr, /no user has this id/);
    }
  });

  it('changes a password, disables, enables and removes', async () => {
    const passwd = await users(['passwd', 'ada', '--password-stdin'], 'a new long password');
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.match(passwd.stdout, /revoked 0 tokens/);
    assert.equal((await users(['disable', 'ada'])).code, 0);
    assert.match((await users(['list'])).stdout, /^ada\tdisabled/);
    assert.equal((await users(['enable', 'ada'])).code, 0);
    const removed = await users(['remove', 'ada']);
    assert.equal(removed.code, 0);
    assert.equal((await users(['list'])).stdout, '');
  });

  it('never takes a password from a flag', async () => {
    const result = await runCli(['users', 'add', 'carl', '--password', 'x', '--store', store]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option/);
  });

  it('reports an unreachable store with exit 1, hiding its credentials', async () => {
    const result = await runCli(
      ['users', 'list', '--store', 'redis://admin:hunter2secret@127.0.0.1:9/0'],
      {
        timeoutMs: 20_000,
      },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot use the store/);
    assert.doesNotMatch(result.stderr, /hunter2secret/);
  });

  it('reports a store URL it cannot use with exit 2', async () => {
    const result = await runCli(['users', 'list', '--store', 'ftp://nowhere']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /store/);
  });
});
