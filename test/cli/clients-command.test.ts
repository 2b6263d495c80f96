import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { form, loginOpen, startTestServer } from '../helpers/test-server.js';

const SECRET_LINE = /^tokenauth_secret_[A-Za-z0-9_-]{43}\n$/;

describe('tokenauth clients', () => {
  let folder: TempDir;
  let store: string;
  let dbFile: string;

  before(async () => {
    folder = await makeTempDir('cli-clients');
    dbFile = join(folder.path, 'tokens.db');
    store = `sqlite:${dbFile}`;
  });
  after(() => folder.remove());

  const clients = (...args: string[]) => runCli(['clients', ...args, '--store', store]);

  /** Introspects a token as `name`, with a server started on the same store. */
  async function introspectWith(name: string, secret: string): Promise<number> {
    const server = await startTestServer({ '--store': store });
    try {
      const token = await loginOpen(server.url);
      const basic = Buffer.from(`${name}:${secret}`).toString('base64');
      const response = await fetch(`${server.url}/introspect`, {
        method: 'POST',
        ...form({ token }),
        headers: { authorization: `Basic ${basic}` },
      });
      return response.status;
    } finally {
      await server.close();
    }
  }

  it('adds a client, printing only the secret on stdout and the reminder on stderr', async () => {
    const result = await clients('add', 'reports');

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, SECRET_LINE);
    assert.match(result.stderr, /added API client reports/);
    assert.match(result.stderr, /Store this secret now/);
  });

  it('keeps only a digest of the secret in the store', async () => {
    const result = await clients('add', 'digest-only');
    const secret = result.stdout.trim();
    const file = await readFile(dbFile);

    assert.equal(file.includes(secret), false);
    assert.equal(file.includes(secret.slice('tokenauth_secret_'.length)), false);
  });

  it('prints a secret that a resource server can introspect with at once', async () => {
    const secret = (await clients('add', 'resource-server')).stdout.trim();

    assert.equal(await introspectWith('resource-server', secret), 200);
    assert.equal(await introspectWith('resource-server', `${secret}x`), 401);
  });

  it('refuses a name that is taken with exit code 1', async () => {
    await clients('add', 'twice');
    const result = await clients('add', 'twice');

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /already exists: twice/);
  });

  it('refuses an invalid name with exit code 2 before opening the store', async () => {
    const result = await runCli(['clients', 'add', 'bad name', '--store', 'redis://127.0.0.1:9']);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /1 to 64 of the characters/);
  });

  it('rotates a secret, keeping the previous one live', async () => {
    const first = (await clients('add', 'rotated')).stdout.trim();
    const rotation = await clients('rotate', 'rotated');

    assert.equal(rotation.code, 0, rotation.stderr);
    assert.match(rotation.stdout, SECRET_LINE);
    assert.match(rotation.stderr, /previous secret still works/);
    assert.equal(await introspectWith('rotated', first), 200);
    assert.equal(await introspectWith('rotated', rotation.stdout.trim()), 200);
  });

  it('rotates with --revoke-old, after which only the new secret works', async () => {
    const first = (await clients('add', 'leaky')).stdout.trim();
    const rotation = await clients('rotate', 'leaky', '--revoke-old');

    assert.equal(rotation.code, 0, rotation.stderr);
    assert.equal(await introspectWith('leaky', first), 401);
    assert.equal(await introspectWith('leaky', rotation.stdout.trim()), 200);
  });

  it('refuses to rotate or remove an unknown client with exit code 1', async () => {
    for (const action of ['rotate', 'remove']) {
      const result = await clients(action, 'ghost');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /no API client named ghost/);
    }
  });

  it('removes a client, whose secret then stops working', async () => {
    const secret = (await clients('add', 'removed')).stdout.trim();
    const result = await clients('remove', 'removed');

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'removed API client removed\n');
    assert.equal(await introspectWith('removed', secret), 401);
  });

  it('lists clients by name with their count of secrets, never a secret', async () => {
    const result = await clients('list');

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.ok(lines.some((line) => /^rotated\t2 secrets\tcreated \d{4}-/.test(line)));
    assert.ok(lines.some((line) => /^reports\t1 secret\t/.test(line)));
    assert.doesNotMatch(result.stdout, /tokenauth_secret_/);
  });
});
