import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestToken } from '../../src/core/tokens.js';
import { createLogger } from '../../src/server/logger.js';
import { openStore } from '../../src/stores/open-store.js';
import { CLI_PATH } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const WORKERS = 16;
const LOAD_BEFORE_SIGTERM_MS = 1_300;
const LOAD_AFTER_SIGTERM_MS = 300;

interface Outcome {
  readonly kind: 'login' | 'logout' | 'me';
  /** When the request had been written in full, by the client's clock. */
  readonly sentAtMs: number;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

function send(
  agent: Agent,
  port: number,
  kind: Outcome['kind'],
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let sentAtMs = Number.POSITIVE_INFINITY;
    const req = request(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent, headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            kind,
            sentAtMs,
            status: res.statusCode ?? 0,
            body: Buffer.concat(parts).toString(),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ kind, sentAtMs, error: error.code ?? error.message }),
        );
      },
    );
    req.on('finish', () => {
      sentAtMs = performance.now();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ kind, sentAtMs, error: error.code ?? error.message }),
    );
    req.end(body);
  });
}

/** Resolves the port the server announces in its `tokenauth ready` log line. */
function waitForReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const collect = (part: Buffer) => {
      output += part.toString();
      const port = /"url":"http:\/\/127\.0\.0\.1:(\d+)".*tokenauth ready/.exec(output)?.[1];
      if (port) resolve(Number(port));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${output}`)));
  });
}

describe('shutdown under load', () => {
  let dir: TempDir;
  let dbPath: string;
  let exitCode: number | null;
  const outcomes: Outcome[] = [];
  const acknowledged = { live: new Set<string>(), loggedOut: new Set<string>() };
  let sigtermAtMs = 0;
  let heldToken = '';

  before(async () => {
    dir = await makeTempDir('shutdown');
    dbPath = join(dir.path, 'auth.db');
    const child = spawn(
      process.execPath,
      [
        CLI_PATH,
        'serve',
        ...['--store', `sqlite:${dbPath}`, '--login', 'open', '--port', '0'],
        ...['--idle-timeout', '4s', '--shutdown-drain', '5s', '--log-level', 'info'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const port = await waitForReady(child);

    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const held = await send(agent, port, 'login', '/login', formHeaders, 'id=held');
    heldToken = (JSON.parse(held.body ?? '{}') as { token: string }).token;

    let stopped = false;
    const worker = async (n: number) => {
      for (let i = 0; !stopped; i += 1) {
        const login = await send(agent, port, 'login', '/login', formHeaders, `id=w${n}-${i}`);
        outcomes.push(login);
        if (login.status !== 200) continue;
        const token = (JSON.parse(login.body ?? '{}') as { token: string }).token;
        acknowledged.live.add(token);
        if (i % 2 === 1) continue;

        const logout = await send(agent, port, 'logout', '/logout', formHeaders, `token=${token}`);
        outcomes.push(logout);
        if (logout.status === 200) {
          acknowledged.live.delete(token);
          acknowledged.loggedOut.add(token);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));

    // Past the usage interval (a quarter of the idle timeout): this use is queued, not written.
    await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_SIGTERM_MS));
    const use = await send(agent, port, 'me', '/me', { authorization: `Bearer ${heldToken}` }, '');
    assert.equal(use.status, 200);

    sigtermAtMs = performance.now();
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, LOAD_AFTER_SIGTERM_MS));
    stopped = true;
    await load;
    exitCode = await exited;
    agent.destroy();
  });
  after(() => dir.remove());

  it('exits 0', () => {
    assert.equal(exitCode, 0);
  });

  it('ran enough load on both sides of the signal', (t) => {
    const early = outcomes.filter((outcome) => outcome.sentAtMs < sigtermAtMs);
    const late = outcomes.filter((outcome) => outcome.sentAtMs >= sigtermAtMs);
    const tally = (list: Outcome[]) =>
      [...new Set(list.map((o) => o.error ?? o.status))]
        .map((kind) => `${kind}×${list.filter((o) => (o.error ?? o.status) === kind).length}`)
        .join(' ');
    t.diagnostic(`before SIGTERM: ${tally(early)}; after: ${tally(late)}`);
    assert.ok(early.length > 50, `${early.length} requests before SIGTERM`);
    assert.ok(outcomes.length > early.length, 'requests after SIGTERM');
  });

  it('answers every request sent before SIGTERM in full, with no reset', () => {
    const early = outcomes.filter((outcome) => outcome.sentAtMs < sigtermAtMs);
    const broken = early.filter((outcome) => outcome.error !== undefined);
    assert.deepEqual(broken, []);
    // Written before the signal but read by the server after it: a 503 is a full answer.
    for (const outcome of early) assert.ok(outcome.status === 200 || outcome.status === 503);
  });

  it('answers late requests 503 in the error shape, or refuses their connection', () => {
    for (const outcome of outcomes) {
      if (outcome.error !== undefined) {
        assert.ok(outcome.sentAtMs >= sigtermAtMs, 'only late requests fail');
        continue;
      }
      assert.ok(outcome.status === 200 || outcome.status === 503, String(outcome.status));
      if (outcome.status === 503) {
        assert.equal(outcome.body, '{"error":"Service unavailable"}');
      }
    }
  });

  it('keeps every acknowledged login and loses no acknowledged logout', async () => {
    const store = await openStore(`sqlite:${dbPath}`, createLogger('silent'));
    try {
      for (const token of acknowledged.live) {
        assert.ok(await store.findToken(digestToken(token)), 'acknowledged login stored');
      }
      for (const token of acknowledged.loggedOut) {
        assert.equal(await store.findToken(digestToken(token)), null, 'logout persisted');
      }
      assert.ok(acknowledged.live.size > 10 && acknowledged.loggedOut.size > 10);
    } finally {
      await store.close();
    }
  });

  it('flushes the pending last-used write before exiting', async () => {
    const store = await openStore(`sqlite:${dbPath}`, createLogger('silent'));
    try {
      const record = await store.findToken(digestToken(heldToken));
      assert.ok(record);
      assert.ok(record.lastUsedAtMs > record.createdAtMs, 'use recorded');
    } finally {
      await store.close();
    }
  });
});
