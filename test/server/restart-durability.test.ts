import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/run-cli.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'a durable long password';

/** The README's promise: add a user, log in, restart (even by kill -9), still logged in. */
describe('the SQLite default store across restarts', () => {
  let folder: TempDir;
  let store: string;
  let path: string;

  before(async () => {
    folder = await makeTempDir('durability-');
    path = join(folder.path, 'tokenauth.db');
    store = `sqlite:${path}`;
  });
  after(() => folder.remove());

  it('keeps an acknowledged account and token through kill -9 and a restart', async () => {
    const added = await runCli(['users', 'add', 'ada', '--password-stdin', '--store', store], {
      stdin: PASSWORD,
    });
    assert.equal(added.code, 0, added.stderr);

    const first = await spawnServer(['--store', store]);
    const login = await fetch(`${first.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ id: 'ada', password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    await first.stop('SIGKILL');

    const second = await spawnServer(['--store', store]);
    try {
      const echo = await fetch(`${second.url}/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: new URLSearchParams({ text: 'still logged in' }),
      });
      assert.equal(echo.status, 200);
      assert.equal(await echo.text(), 'You said: still logged in');
    } finally {
      assert.equal(await second.stop(), 0);
    }

    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });

  it('says on start that a password-mode server has no users, with the command to add one', async () => {
    const empty = `sqlite:${join(folder.path, 'empty.db')}`;
    const server = await spawnServer(['--store', empty]);
    try {
      assert.match(server.output(), /no users yet: add one with `tokenauth users add ID --store/);
    } finally {
      await server.stop();
    }
  });
});
