import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnTracked, stopChild } from './children.js';
import { findFreePort } from './free-port.js';
import { progress } from './progress.js';
import { REPO_ROOT, tokenauthArgs } from './servers.js';
import { median } from './stats.js';

export interface StartupResult {
  readonly store: string;
  /** Milliseconds from spawn until the first `GET /` answered 200, one per start. */
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
}

const POLL_EVERY_MS = 2;
const GIVE_UP_AFTER_MS = 10_000;

/** Status of one `GET /`, or 0 when nothing answers yet. A fresh connection each time. */
function getRootStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(1000, () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** One cold start: spawn, poll `GET /` quickly, stop. Throws when it never answers 200. */
async function timeOneStart(store: string): Promise<number> {
  const port = await findFreePort();
  const startedAt = performance.now();
  const child = spawnTracked(process.execPath, tokenauthArgs({ store, port }), { cwd: REPO_ROOT });
  child.stdout?.resume();
  child.stderr?.resume();

  try {
    while (performance.now() - startedAt < GIVE_UP_AFTER_MS) {
      if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
      const status = await getRootStatus(port);
      if (status === 200) return performance.now() - startedAt;
      if (status !== 0) throw new Error(`GET / answered ${status}`);
      await delay(POLL_EVERY_MS);
    }
    throw new Error(`no answer within ${GIVE_UP_AFTER_MS} ms`);
  } finally {
    await stopChild(child);
  }
}

/** Repeated cold starts of one store; `storeUrl` gives a fresh store URL per start. */
export async function measureStartup(
  store: string,
  storeUrl: () => string,
  repeats: number,
): Promise<StartupResult> {
  const samplesMs: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    samplesMs.push(await timeOneStart(storeUrl()));
  }
  const result = { store, samplesMs, medianMs: median(samplesMs) };
  progress(`startup ${store}: median ${result.medianMs.toFixed(0)} ms over ${repeats} starts`);
  return result;
}
