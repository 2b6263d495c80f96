import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';

describe('tokenauth serve', () => {
  it('names every bad setting at once and exits 2', async () => {
    const result = await runCli([
      'serve',
      '--port',
      '70000',
      '--login',
      'maybe',
      '--token-ttl',
      'soon',
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port .*"70000"/);
    assert.match(result.stderr, /--login .*"maybe"/);
    assert.match(result.stderr, /--token-ttl .*"soon"/);
  });

  it('reads settings from the environment and names their source', async () => {
    const result = await runCli(['serve'], { env: { TOKENAUTH_PORT: 'abc' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /TOKENAUTH_PORT/);
  });

  it('refuses open login when NODE_ENV=production', async () => {
    const result = await runCli(['serve', '--login', 'open', '--store', 'memory:'], {
      env: { NODE_ENV: 'production' },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /open/);
  });

  it('refuses a metrics port that is not a port, or is the API port, with exit 2', async () => {
    const notAPort = await runCli(['serve', '--store', 'memory:', '--metrics-port', 'nine']);
    assert.equal(notAPort.code, 2);
    assert.match(notAPort.stderr, /--metrics-port .*"nine"/);

    const same = await runCli([
      'serve',
      '--store',
      'memory:',
      '--port',
      '5123',
      '--metrics-port',
      '5123',
    ]);
    assert.equal(same.code, 2);
    assert.match(same.stderr, /--metrics-port must differ from --port/);
  });

  it('refuses an unknown flag with exit 2', async () => {
    const result = await runCli(['serve', '--frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option/);
  });

  it('refuses an unknown command with exit 2', async () => {
    const result = await runCli(['fly']);
    assert.equal(result.code, 2);
  });

  it('prints a ready line with the URL, warns about open login, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--port', '0', '--login', 'open', '--store', 'memory:'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const ready = new Promise<string>((resolve) => {
      child.stdout.on('data', (part: Buffer) => {
        output += part.toString();
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"tokenauth ready"/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const url = await ready;
    assert.match(output, /open login authenticates nobody/);
    assert.equal((await fetch(`${url}/`)).status, 200);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
