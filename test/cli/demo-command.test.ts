import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const LAB_LINES = [
  'Test 1: Basic server connection',
  'Status code: 200',
  'Response: Authentication server running',
  '',
  'Test 2: Login attempt',
  'Status code: 200',
];

describe('tokenauth demo', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("prints the lab's four checks against an embedded server and exits 0", async () => {
    const result = await runCli(['demo']);
    assert.equal(result.code, 0, result.stderr);
    assertLabOutput(result.stdout);
  });

  it('runs the same checks against a running server', async () => {
    const result = await runCli(['demo', '--url', server.url, '--id', 'someone']);
    assert.equal(result.code, 0, result.stderr);
    assertLabOutput(result.stdout);
  });

  it('prints only the start of the token it was given', async () => {
    const result = await runCli(['demo', '--url', server.url]);
    assert.match(result.stdout, /"token":"tokenauth_[A-Za-z0-9_-]{8}\.\.\."/);
  });

  it('reads the password like login does against a password-mode server', async () => {
    const passwordServer = await startTestServer({ '--login': 'password' });
    try {
      await passwordServer.services.accounts.addUser('ada', 'a demo long password');
      const result = await runCli(
        ['demo', '--url', passwordServer.url, '--id', 'ada', '--password-stdin'],
        { stdin: 'a demo long password\n' },
      );
      assert.equal(result.code, 0, result.stderr);
      assertLabOutput(result.stdout);
    } finally {
      await passwordServer.close();
    }
  });

  it('exits 1 when a check does not give the lab status (a wrong password)', async () => {
    const passwordServer = await startTestServer({ '--login': 'password' });
    try {
      await passwordServer.services.accounts.addUser('ada', 'a demo long password');
      const result = await runCli(
        ['demo', '--url', passwordServer.url, '--id', 'ada', '--password-stdin'],
        { stdin: 'not the password' },
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /Test 2: Login attempt\nStatus code: 401/);
    } finally {
      await passwordServer.close();
    }
  });

  it('exits 1 when the server is not there', async () => {
    const result = await runCli(['demo', '--url', 'http://127.0.0.1:9']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /could not reach/);
  });
});

function assertLabOutput(stdout: string): void {
  const lines = stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, LAB_LINES.length), LAB_LINES);
  assert.deepEqual(lines.slice(-7), [
    'Test 3: Protected request with valid token',
    'Status code: 200',
    'Response: You said: Hello from authenticated user!',
    '',
    'Test 4: Protected request with invalid token',
    'Status code: 401',
    'Response: {"error":"Invalid token"}',
  ]);
}
