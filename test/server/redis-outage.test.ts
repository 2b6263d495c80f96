import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { CLI_PATH } from '../helpers/run-cli.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const availability = redisAvailability();

/** Distinctive, so that any appearance in a log line or a body is easy to find. */
const REDIS_PASSWORD = 'redis-pw-Zq81xVv0-never-logged';
const USER_PASSWORD = 'correct horse battery staple';
/** Well above the store's 500 ms command timeout, well below a client's patience. */
const PROMPT_MS = 2000;
const RECOVERY_MS = 8000;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
  readonly elapsedMs: number;
}

async function timedFetch(url: string, init: RequestInit = {}): Promise<Answer> {
  const startMs = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body,
    elapsedMs: performance.now() - startMs,
  };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * Every endpoint that needs the store, as a client of an open-login server calls it. /logout
 * gets a token of its own: a write that timed out against a frozen Redis still runs once Redis
 * thaws, so that logout may really happen after its 503.
 */
function storeBackedCalls(
  url: string,
  token: string,
  spareToken: string,
): [string, () => Promise<Answer>][] {
  const jsonText = { 'content-type': 'application/json', ...bearer(token) };
  return [
    ['POST /login', () => timedFetch(`${url}/login`, { method: 'POST', ...form({ id: 'bo' }) })],
    [
      'POST /echo',
      () =>
        timedFetch(`${url}/echo`, {
          method: 'POST',
          headers: jsonText,
          body: JSON.stringify({ text: 'hello' }),
        }),
    ],
    ['GET /verify', () => timedFetch(`${url}/verify`, { headers: bearer(token) })],
    ['GET /me', () => timedFetch(`${url}/me`, { headers: bearer(token) })],
    ['GET /sessions', () => timedFetch(`${url}/sessions`, { headers: bearer(token) })],
    [
      'POST /logout/all',
      () => timedFetch(`${url}/logout/all`, { method: 'POST', headers: bearer(token) }),
    ],
    [
      'POST /logout',
      () => timedFetch(`${url}/logout`, { method: 'POST', headers: bearer(spareToken) }),
    ],
  ];
}

function assertUnavailable(label: string, answer: Answer): void {
  assert.equal(answer.status, 503, `${label} answered ${answer.status}: ${answer.body}`);
  assert.deepEqual(JSON.parse(answer.body), { error: 'Service unavailable' }, label);
  assert.ok(answer.retryAfter !== null, `${label} has no Retry-After`);
  assert.ok(answer.elapsedMs < PROMPT_MS, `${label} took ${Math.round(answer.elapsedMs)} ms`);
}

async function assertOutageAnswers(
  open: TestServer,
  password: TestServer,
  tokens: { token: string; spareToken: string },
) {
  for (const [label, call] of storeBackedCalls(open.url, tokens.token, tokens.spareToken)) {
    assertUnavailable(label, await call());
  }
  const passwordLogin = await timedFetch(`${password.url}/login`, {
    method: 'POST',
    ...form({ id: 'ada', password: USER_PASSWORD }),
  });
  assertUnavailable('POST /login (password mode)', passwordLogin);

  const alive = await timedFetch(`${open.url}/healthz`);
  assert.equal(alive.status, 200);
  assert.ok(alive.elapsedMs < PROMPT_MS);
  assertUnavailable('GET /readyz', await timedFetch(`${open.url}/readyz`));
}

/** Polls /readyz until 200; fails once `timeoutMs` has passed. */
async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => null);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${url} was not ready within ${timeoutMs} ms`);
}

async function assertRecovered(open: TestServer, password: TestServer, token: string) {
  await waitUntilReady(open.url, RECOVERY_MS);
  await waitUntilReady(password.url, RECOVERY_MS);

  const echo = await timedFetch(`${open.url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ text: 'back' }),
  });
  assert.equal(echo.status, 200, 'a token minted before the outage works again');
  assert.equal(echo.body, 'You said: back');
  assert.equal((await timedFetch(`${open.url}/verify`, { headers: bearer(token) })).status, 200);

  const passwordLogin = await timedFetch(`${password.url}/login`, {
    method: 'POST',
    ...form({ id: 'ada', password: USER_PASSWORD }),
  });
  assert.equal(passwordLogin.status, 200);
}

function messages(server: TestServer, fromLine: number): string[] {
  return server.logs
    .records()
    .slice(fromLine)
    .map((record) => String(record.msg));
}

describe('tokenauth while Redis is down', { skip: availability.reason ?? false }, () => {
  const crashes: unknown[] = [];
  const recordCrash = (error: unknown): void => {
    crashes.push(error);
  };
  let redis: RedisServerHandle;
  let open: TestServer;
  let password: TestServer;

  before(async () => {
    process.on('unhandledRejection', recordCrash);
    process.on('uncaughtException', recordCrash);
    // Append-only, so that a stop and a restart keep the tokens, as a real deployment would.
    redis = await startRedisServer({ password: REDIS_PASSWORD, appendOnly: true });
    open = await startTestServer({ '--store': redis.url });
    password = await startTestServer({ '--store': redis.url, '--login': 'password' });
    const added = await password.services.accounts.addUser('ada', USER_PASSWORD);
    assert.ok(added.ok);
  });

  after(async () => {
    await open?.close();
    await password?.close();
    await redis?.stop();
    process.off('unhandledRejection', recordCrash);
    process.off('uncaughtException', recordCrash);
    assert.deepEqual(crashes, [], 'no unhandled rejection or uncaught exception');
  });

  it('answers 503 with Retry-After promptly while Redis is frozen, then recovers', async () => {
    const token = await loginOpen(open.url);
    const spareToken = await loginOpen(open.url, 'spare');
    const fromLine = open.logs.lines.length;

    redis.pause();
    try {
      await assertOutageAnswers(open, password, { token, spareToken });
    } finally {
      redis.resume();
    }

    await assertRecovered(open, password, token);
    const seen = messages(open, fromLine);
    const silent = seen.filter(
      (message) => message === 'redis is not answering; commands time out',
    );
    const answering = seen.filter((message) => message === 'redis is answering again');
    assert.equal(silent.length, 1, seen.join(' / '));
    assert.equal(answering.length, 1, seen.join(' / '));
  });

  it('answers 503 with Retry-After promptly once Redis is stopped, then recovers', async () => {
    const token = await loginOpen(open.url);
    const spareToken = await loginOpen(open.url, 'spare');
    await redis.stop();
    try {
      await assertOutageAnswers(open, password, { token, spareToken });
    } finally {
      await redis.restart();
    }

    await assertRecovered(open, password, token);
  });

  it('never answers 2xx to forward-auth during an outage, whatever the token', async () => {
    const token = await loginOpen(open.url);
    await redis.stop();
    try {
      for (const headers of [bearer(token), bearer(`${token.slice(0, -1)}x`), {}]) {
        const answer = await timedFetch(`${open.url}/verify`, { headers });
        assert.ok(answer.status < 200 || answer.status >= 300, `verify said ${answer.status}`);
      }
      // The one answer that needs the store must fail closed with a 5xx, not a 401.
      assert.equal(
        (await timedFetch(`${open.url}/verify`, { headers: bearer(token) })).status,
        503,
      );
    } finally {
      await redis.restart();
    }
    await waitUntilReady(open.url, RECOVERY_MS);
  });

  it('logs losing and regaining Redis once each, however many requests fail', async () => {
    const token = await loginOpen(open.url);
    const fromLine = open.logs.lines.length;

    await redis.stop();
    try {
      for (let i = 0; i < 10; i += 1) {
        await timedFetch(`${open.url}/me`, { headers: bearer(token) });
        await timedFetch(`${open.url}/readyz`);
      }
    } finally {
      await redis.restart();
    }
    await waitUntilReady(open.url, RECOVERY_MS);
    for (let i = 0; i < 10; i += 1) await timedFetch(`${open.url}/me`, { headers: bearer(token) });

    const seen = messages(open, fromLine);
    const lost = seen.filter((message) => message.startsWith('redis connection lost'));
    const restored = seen.filter((message) => message === 'redis connection restored');
    assert.equal(lost.length, 1, seen.join(' / '));
    assert.equal(restored.length, 1, seen.join(' / '));
  });

  it('keeps the Redis password out of every log line', () => {
    assert.ok(open.logs.lines.length > 0 && password.logs.lines.length > 0);
    for (const server of [open, password]) {
      assert.doesNotMatch(server.logs.text, new RegExp(REDIS_PASSWORD));
      assert.match(server.logs.text, /tokenauth ready/);
    }
  });
});

describe('tokenauth started before its Redis', { skip: availability.reason ?? false }, () => {
  let redis: RedisServerHandle;

  before(async () => {
    redis = await startRedisServer({ password: REDIS_PASSWORD });
    await redis.stop();
  });

  after(() => redis?.stop());

  it('starts, reports not ready, and serves once Redis comes up', async () => {
    const child = spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--port', '0', '--login', 'open', '--store', redis.url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (part: Buffer) => {
      output += part.toString();
    });
    child.stderr.on('data', (part: Buffer) => {
      output += part.toString();
    });
    try {
      const url = await readyUrl(child, () => output);
      assert.equal((await timedFetch(`${url}/healthz`)).status, 200);
      assertUnavailable('GET /readyz', await timedFetch(`${url}/readyz`));
      assertUnavailable(
        'POST /login',
        await timedFetch(`${url}/login`, { method: 'POST', ...form({ id: 'ada' }) }),
      );

      await redis.restart();
      await waitUntilReady(url, RECOVERY_MS);
      const token = await loginOpen(url);
      assert.equal((await timedFetch(`${url}/me`, { headers: bearer(token) })).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output);
    assert.match(output, /redis is not reachable/);
    assert.doesNotMatch(output, new RegExp(REDIS_PASSWORD));
  });
});

/** Resolves the URL of the ready line; rejects if the process exits first. */
function readyUrl(child: ReturnType<typeof spawn>, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"tokenauth ready"/.exec(output());
      if (match?.[1]) {
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before ready:\n${output()}`)),
    );
  });
}
