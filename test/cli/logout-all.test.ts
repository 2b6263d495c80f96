import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOKEN_PREFIX } from '../../src/core/tokens.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('tokenauth sessions and tokenauth logout --all', () => {
  let server: TestServer;
  let folder: TempDir;
  /** Two devices of one user: each has a credentials file of its own. */
  let laptop: NodeJS.ProcessEnv;
  let phone: NodeJS.ProcessEnv;

  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    runCli([...args, '--url', server.url], { env });

  before(async () => {
    server = await startTestServer();
    folder = await makeTempDir('logout-all');
    laptop = { TOKENAUTH_CREDENTIALS: join(folder.path, 'laptop.json') };
    phone = { TOKENAUTH_CREDENTIALS: join(folder.path, 'phone.json') };
    for (const env of [laptop, phone]) {
      const login = await cli(['login', '--id', 'roaming', '--open'], env);
      assert.equal(login.code, 0, login.stderr);
    }
  });
  after(async () => {
    await server.close();
    await folder.remove();
  });

  it('lists both sessions, marking the current one, without showing a token', async () => {
    const result = await cli(['sessions'], laptop);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines.filter((line) => line.startsWith('* ')).length, 1);
    for (const line of lines) assert.match(line, /created .* last used .* expires .* 127\.0\.0\.1/);
    assert.ok(!result.stdout.includes(TOKEN_PREFIX));
  });

  it('revokes every session of the user, on every device', async () => {
    const result = await cli(['logout', '--all'], laptop);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Logged out everywhere (2 tokens revoked)\n');

    const laptopEcho = await cli(['echo', 'hi'], laptop);
    assert.equal(laptopEcho.code, 1);
    assert.match(laptopEcho.stderr, /not logged in/);

    const phoneEcho = await cli(['echo', 'hi'], phone);
    assert.equal(phoneEcho.code, 1);
    assert.match(phoneEcho.stderr, /Invalid token \(HTTP 401\)/);
  });

  it('forgets a dead saved token when logout --all cannot use it', async () => {
    const result = await cli(['logout', '--all'], phone);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid token \(HTTP 401\): log in again/);

    const after = await cli(['sessions'], phone);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /not logged in/);
  });

  it('logs out successfully with a token that another device already revoked', async () => {
    for (const env of [laptop, phone]) {
      const login = await cli(['login', '--id', 'twice', '--open'], env);
      assert.equal(login.code, 0, login.stderr);
    }
    assert.equal((await cli(['logout', '--all'], phone)).code, 0);

    const logout = await cli(['logout'], laptop);
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(logout.stdout, 'Logged out\n');
    const again = await cli(['logout'], laptop);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not logged in/);
  });
});
