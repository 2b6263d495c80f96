import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('tokenauth login, echo, me, sessions and logout', () => {
  let server: TestServer;
  let folder: TempDir;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await startTestServer();
    folder = await makeTempDir('cli-');
    env = { TOKENAUTH_CREDENTIALS: join(folder.path, 'credentials.json') };
  });
  after(async () => {
    await server.close();
    await folder.remove();
  });

  it('logs in, keeps the token in an owner-only file, and uses it', async () => {
    const login = await runCli(['login', '--url', server.url, '--id', 'cli-user', '--open'], {
      env,
    });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Logged in as cli-user/);
    assert.doesNotMatch(login.stdout, /tokenauth_/);

    const info = await stat(join(folder.path, 'credentials.json'));
    assert.equal(info.mode & 0o777, 0o600);

    const echo = await runCli(['echo', 'hello there', '--url', server.url], { env });
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, 'You said: hello there\n');

    const me = await runCli(['me', '--url', server.url], { env });
    assert.match(me.stdout, /^cli-user /);

    const sessions = await runCli(['sessions', '--url', server.url], { env });
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.match(sessions.stdout, /^\* /);
  });

  it('logs out, after which the saved token is gone', async () => {
    const logout = await runCli(['logout', '--url', server.url], { env });
    assert.equal(logout.code, 0, logout.stderr);
    const echo = await runCli(['echo', 'hi', '--url', server.url], { env });
    assert.equal(echo.code, 1);
    assert.match(echo.stderr, /not logged in/);
  });

  it('reports a server that is down as a failure, not as a bad token', async () => {
    const result = await runCli(['login', '--url', 'http://127.0.0.1:9', '--id', 'x', '--open'], {
      env,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /could not reach/);
  });

  it('requires --id for login (exit 2)', async () => {
    const result = await runCli(['login', '--url', server.url, '--open'], { env });
    assert.equal(result.code, 2);
  });

  it('refuses to prompt for a password without a terminal', async () => {
    const result = await runCli(['login', '--url', server.url, '--id', 'x'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--password-stdin/);
  });
});
