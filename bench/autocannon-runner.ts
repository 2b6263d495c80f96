import { fileURLToPath } from 'node:url';
import { spawnTracked } from './children.js';
import type { LoadOptions, LoadRequest, LoadResult } from './load-types.js';

const WORKER = fileURLToPath(new URL('./autocannon-worker.js', import.meta.url));

interface ExtraOptions {
  /** Stop after this many requests instead of after a duration. */
  amount?: number;
  pipelining?: number;
  /** Replace `[<id>]` in the body with a fresh id on every request. */
  idReplacement?: boolean;
}

export async function runAutocannon(
  request: LoadRequest,
  options: LoadOptions,
  extra: ExtraOptions = {},
): Promise<LoadResult> {
  const settings = {
    url: request.url,
    method: request.method,
    ...(request.body === undefined ? {} : { body: request.body }),
    headers: { ...request.headers },
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    spreadForwardedFor: request.spreadForwardedFor === true,
    ...extra,
  };
  const child = spawnTracked(process.execPath, [WORKER, JSON.stringify(settings)]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.resume();

  // Bounded in time whatever happens: a duration run gets its duration plus a margin; a run of
  // a fixed amount, a generous rate of 100 requests per second.
  const limitSeconds =
    (extra.amount === undefined ? options.durationSeconds : extra.amount / 100) + 60;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitSeconds * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`autocannon worker exited with ${code ?? 'a signal'}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}
