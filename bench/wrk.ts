import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from './children.js';
import type { LoadOptions, LoadRequest, LoadResult } from './load-types.js';
import { progress } from './progress.js';

const scriptPath = (name: string) => fileURLToPath(new URL(`../../bench/${name}`, import.meta.url));
const STATIC_SCRIPT = scriptPath('wrk-request.lua');
const SPREAD_SCRIPT = scriptPath('wrk-spread.lua');

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // `wrk --version` prints its usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * One thread of wrk drives far more requests than one Node server can answer, so on a small
 * machine we leave the other cores to the server under test.
 */
function wrkThreads(connections: number): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 4), connections));
}

export async function runWrk(request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(request.url);
  const headers = Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  const args = [
    `-t${wrkThreads(options.connections)}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    request.spreadForwardedFor ? SPREAD_SCRIPT : STATIC_SCRIPT,
    url.origin,
    '--',
    request.method,
    url.pathname + url.search,
    request.body ?? '',
    ...headers,
  ];
  const output = await collectOutput('wrk', args);
  const result = parseWrkOutput(output);
  if (Number.isNaN(result.p99Ms)) {
    progress(`wrk printed no latency percentiles:\n${output.trim()}`);
  }
  return result;
}

async function collectOutput(command: string, args: string[]): Promise<string> {
  const child = spawnTracked(command, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim().slice(0, 300)}`);
  return stdout;
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Reads the summary wrk prints with `--latency`. Exported for the harness's own checks. */
export function parseWrkOutput(output: string): LoadResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(output);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)[ \t]*$/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)[ \t]*$/m.exec(output);
  if (!total?.[1] || !total[2] || !total[3]) throw new Error('wrk printed no request count');

  const requests = Number(total[1]);
  const durationSeconds = toMs(total[2], total[3]) / 1000;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);

  return {
    requests,
    durationSeconds,
    requestsPerSecond: requests / durationSeconds,
    p50Ms: p50?.[1] && p50[2] ? toMs(p50[1], p50[2]) : Number.NaN,
    p99Ms: p99?.[1] && p99[2] ? toMs(p99[1], p99[2]) : Number.NaN,
    non2xx,
    socketErrors,
  };
}
