import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild } from './children.js';

/** A server under test, running in its own child process so its CPU and RSS are its own. */
export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_DIST = fileURLToPath(new URL('./', import.meta.url));

interface StartOptions {
  /** The `msg` of the JSON log line that says the server listens; it also carries `url`. */
  readyMsg: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Spawns `node <args>` and resolves once its ready line appears on stdout. After that, stdout
 * is drained and discarded: the child must never block on a full pipe, and its request logs
 * are not ours to print. Rejects with a short reason (exit code, stderr tail) otherwise.
 */
export async function startServer(
  name: string,
  args: readonly string[],
  options: StartOptions,
): Promise<ServerProcess> {
  const child = spawnTracked(process.execPath, args, {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });

  try {
    const url = await waitForReadyLine(child, options.readyMsg, options.timeoutMs ?? 15_000);
    if (child.pid === undefined) throw new Error('no pid');
    return { name, url, pid: child.pid, child };
  } catch (error) {
    await stopChild(child);
    const reason = error instanceof Error ? error.message : String(error);
    const detail = firstErrorLine(stderrTail);
    throw new Error(`${name} did not start: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** The line of a crash report that names the error, e.g. `Error: Cannot find module …`. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  const error = lines.find((line) => /^[A-Za-z]*Error\b|^error:/i.test(line));
  return (error ?? lines.filter(Boolean).at(-1) ?? '').slice(0, 200);
}

function waitForReadyLine(child: ChildProcess, readyMsg: string, timeoutMs: number) {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('no stdout'));

  return new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(
      () => finish(new Error(`no ready line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`exited with ${signal ?? `code ${code}`}`));

    function finish(error: Error | null, url?: string): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', finish);
      lines.close();
      stdout?.resume();
      if (error) reject(error);
      else resolve(url ?? '');
    }

    child.once('exit', onExit);
    child.once('error', finish);
    lines.on('line', (line) => {
      const url = readyUrl(line, readyMsg);
      if (url !== null) finish(null, url);
    });
  });
}

function readyUrl(line: string, readyMsg: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== 'object' || entry === null) return null;
    const { msg, url } = entry as { msg?: unknown; url?: unknown };
    return msg === readyMsg && typeof url === 'string' ? url : null;
  } catch {
    return null;
  }
}

/** The bare `node:http` server that answers a fixed 200: the ceiling of this machine. */
export function startCeiling(): Promise<ServerProcess> {
  return startServer('ceiling', [`${BENCH_DIST}ceiling-server.js`], { readyMsg: 'ready' });
}

/** Fastify with form parsing and an echo route, and no auth work at all. */
export function startFastifyBaseline(): Promise<ServerProcess> {
  return startServer('fastify', [`${BENCH_DIST}fastify-baseline.js`], { readyMsg: 'ready' });
}

export interface TokenauthOptions {
  store: string;
  login?: 'open' | 'password';
  port?: number;
  /** Trust X-Forwarded-For from this address (the bench spreads client addresses with it). */
  trustedProxy?: string;
}

/** The command line that starts tokenauth as users run it (log level info, the default). */
export function tokenauthArgs(options: TokenauthOptions): string[] {
  return [
    'bin/tokenauth',
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port ?? 0),
    '--store',
    options.store,
    '--login',
    options.login ?? 'open',
    '--log-level',
    'info',
    ...(options.trustedProxy === undefined ? [] : ['--trusted-proxy', options.trustedProxy]),
  ];
}

export function startTokenauth(name: string, options: TokenauthOptions): Promise<ServerProcess> {
  return startServer(name, tokenauthArgs(options), { readyMsg: 'tokenauth ready' });
}
