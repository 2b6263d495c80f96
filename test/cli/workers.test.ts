import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findFreePort } from '../helpers/processes.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** Generous: on a loaded machine, starting node processes alone can take seconds. */
const START_TIMEOUT_MS = 40_000;

interface Serving {
  readonly child: ChildProcess;
  output(): string;
}

function serve(args: readonly string[]): Serving {
  const child = spawn(process.execPath, [CLI_PATH, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (part: Buffer) => {
    output += part.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output };
}

/** The pids of the processes that printed a ready line. */
function readyPids(output: string): number[] {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.includes('"msg":"tokenauth ready"')) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return [...pids];
}

async function waitForReadyPids(serving: Serving, count: number): Promise<number[]> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const pids = readyPids(serving.output());
    if (pids.length >= count) return pids;
    if (serving.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no ${count} ready workers:\n${serving.output()}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A 503 here is the store's half-second command timeout firing on a starved machine (three
 * node processes and Redis sharing few CPUs), not what this file tests: such calls are retried.
 */
async function fetchPast503(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt === 5) return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whichever worker answers, a token minted by one is known to the other. */
async function assertServes(url: string): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    // A fresh connection each time, so the kernel may hand it to either worker.
    const login = await fetchPast503(`${url}/login`, {
      method: 'POST',
      headers: { connection: 'close' },
      body: new URLSearchParams({ id: `user${i}` }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const me = await fetchPast503(`${url}/me`, {
      headers: { authorization: `Bearer ${token}`, connection: 'close' },
    });
    assert.equal(me.status, 200);
  }
}

const redisAvailable = redisAvailability();

describe('tokenauth serve --workers', () => {
  let dir: TempDir;
  let redis: RedisServerHandle | undefined;

  before(async () => {
    dir = await makeTempDir('workers');
    if (redisAvailable.available) redis = await startRedisServer();
  });

  after(async () => {
    await redis?.stop();
    await dir?.remove();
  });

  const stores: [string, () => string, { skip: string | false }][] = [
    ['SQLite', () => `sqlite:${join(dir.path, 'tokens.db')}`, { skip: false }],
    ['Redis', () => redis?.url ?? '', { skip: redisAvailable.reason ?? false }],
  ];
  for (const [label, storeUrl, options] of stores) {
    it(
      `shares one port between two workers on ${label}, replaces a dead one, exits 0`,
      options,
      async () => {
        const port = await findFreePort();
        const serving = serve([
          '--workers',
          '2',
          '--store',
          storeUrl(),
          '--login',
          'open',
          '--port',
          String(port),
        ]);
        try {
          const pids = await waitForReadyPids(serving, 2);
          assert.equal(pids.length, 2);
          assert.ok(!pids.includes(serving.child.pid ?? -1), 'the primary serves nothing itself');
          await assertServes(`http://127.0.0.1:${port}`);

          process.kill(pids[0] ?? -1, 'SIGKILL');
          const after = await waitForReadyPids(serving, 3);
          await assertServes(`http://127.0.0.1:${port}`);

          serving.child.kill('SIGTERM');
          const [code] = await once(serving.child, 'exit');
          assert.equal(code, 0, serving.output());
          for (const pid of after) assert.ok(!isRunning(pid), `worker ${pid} still runs`);
          assert.match(serving.output(), /worker died; starting another/);
        } finally {
          serving.child.kill('SIGKILL');
        }
      },
    );
  }

  it('merges the figures of both workers on --metrics-port', async () => {
    const [port, metricsPort] = [await findFreePort(), await findFreePort()];
    const serving = serve([
      '--workers',
      '2',
      '--store',
      `sqlite:${join(dir.path, 'metrics.db')}`,
      '--login',
      'open',
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
    ]);
    try {
      await waitForReadyPids(serving, 2);
      // Ten logins on fresh connections, which the primary hands to the workers in turn.
      await assertServes(`http://127.0.0.1:${port}`);
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(response.status, 200, serving.output());
      const text = await response.text();
      const value = (prefix: string) => {
        const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
        return Number(line?.slice(line.lastIndexOf(' ')));
      };
      // Summed over the workers: every login, whichever worker took it.
      assert.equal(
        value('tokenauth_security_events_total{event="login_succeeded",outcome="success"}'),
        10,
      );
      // One shared store: the workers count the same tokens, which must not be added up.
      assert.equal(value('tokenauth_live_tokens{store="sqlite"}'), 10);
      assert.equal(value('tokenauth_store_up{store="sqlite"}'), 1);
    } finally {
      serving.child.kill('SIGKILL');
    }
  });

  it('refuses more than one worker with the memory store, with exit 2', async () => {
    const result = await runCli(['serve', '--workers', '2', '--store', 'memory:']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--workers above 1 needs a shared store/);
    assert.equal(result.stdout, '');
  });

  it('gives up with exit 1 when workers cannot start, instead of forking forever', async () => {
    const store = `sqlite:${join(dir.path, 'no-such-dir', 'sub', 'tokens.db')}`;
    const port = await findFreePort();
    const serving = serve(['--workers', '2', '--store', store, '--port', String(port)]);
    const timer = setTimeout(() => serving.child.kill('SIGKILL'), START_TIMEOUT_MS);
    const [code] = await once(serving.child, 'exit');
    clearTimeout(timer);

    assert.equal(code, 1, serving.output());
    assert.match(serving.output(), /worker .*before it was ready/);
  });
});
