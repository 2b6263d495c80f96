import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const LAB_CLIENT = join(import.meta.dirname, '../../../test/fixtures/lab/my-calls.py');

async function httpxAvailability(): Promise<string | undefined> {
  try {
    await run(PYTHON, ['-c', 'import httpx']);
    return undefined;
  } catch {
    return `${PYTHON} with httpx is not installed (Debian package python3-httpx)`;
  }
}

const missing = await httpxAvailability();
// CI installs python3-httpx; there a missing client is a failure, not a skip.
if (missing && process.env.CI === 'true') throw new Error(missing);

describe("the lab's own Python client", { skip: missing ?? false }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ '--login': 'open', '--store': 'memory:' });
  });
  after(() => server.close());

  it('passes its four checks against open mode, unchanged but for the URL', async () => {
    const folder = await makeTempDir('lab-client-');
    try {
      const script = (await readFile(LAB_CLIENT, 'utf8')).replace(
        'url = "http://127.0.0.1:5000/"',
        `url = "${server.url}/"`,
      );
      const path = join(folder.path, 'my-calls.py');
      await writeFile(path, script);
      const { stdout } = await run(PYTHON, [path], { timeout: 20_000 });

      const lines = stdout.split('\n');
      assert.deepEqual(
        lines.filter((line) => line.startsWith('Status code:')),
        ['Status code: 200', 'Status code: 200', 'Status code: 200', 'Status code: 401'],
      );
      assert.ok(lines.includes('Response: Authentication server running'));
      assert.ok(lines.includes('Response: You said: Hello from authenticated user!'));
      assert.ok(lines.includes('Response: {"error":"Invalid token"}'));
      assert.ok(
        lines.some((line) => line.startsWith('Response: {"message":"Login successful","token":"')),
      );
    } finally {
      await folder.remove();
    }
  });
});
