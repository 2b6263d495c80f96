import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, findFreePort, waitForExit, waitUntil } from './processes.js';

/** A redis-server child process owned by one test file. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:PORT/0` */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, then waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the process to exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Stops the server if it runs, then starts a fresh one on the same port, empty. */
  restart(): Promise<void>;
}

/** Settings for one test server; the defaults are an open server without persistence. */
export interface RedisServerOptions {
  /** Sets `requirepass`; the handle's `url` then carries the password. */
  readonly password?: string;
  /** Turns on the append-only file, so `restart` brings the data back. */
  readonly appendOnly?: boolean;
  /** Starts as a replica of the server on 127.0.0.1 at this port. */
  readonly replicaOf?: number;
}

const BINARY = 'redis-server';
const READY_TIMEOUT_MS = 5000;

/**
 * Whether Redis tests can run here. A developer without redis-server gets the tests reported
 * as skipped with this reason; in CI (`CI=true`) a missing server is an error, so a broken
 * image can never turn the Redis suite green by skipping it.
 */
export function redisAvailability(): { available: boolean; reason?: string } {
  if (findExecutable(BINARY)) return { available: true };

  const reason = `${BINARY} is not on PATH (Debian: apt-get install redis-server)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must run the Redis tests`);
  return { available: false, reason };
}

/**
 * Starts a throwaway redis-server on a free port and waits until it answers. By default it
 * keeps nothing on disk and asks for no password.
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenauth-redis-'));
  dirs.add(dir);
  const { port, child: first } = await launchOnFreePort(dir, options);
  let child: ChildProcess | null = first;
  let paused = false;

  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (!running) return;
    const exited = waitForExit(running);
    running.kill(signal);
    // A stopped process only acts on SIGTERM once it may run again.
    if (paused) running.kill('SIGCONT');
    paused = false;
    await exited;
    forget(running);
  };

  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}/0`,
    port,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    pause() {
      child?.kill('SIGSTOP');
      paused = child !== null;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async restart() {
      await signalAndWait('SIGTERM');
      child = await launch(port, dir, options);
    },
  };
}

/** Every server still running when the test process exits is killed, whatever happened. */
const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function forget(child: ChildProcess): void {
  running.delete(child);
}

/** Another process may take the port between probing and binding: try a few. */
async function launchOnFreePort(
  dir: string,
  options: RedisServerOptions,
): Promise<{ port: number; child: ChildProcess }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    try {
      return { port, child: await launch(port, dir, options) };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(
  port: number,
  dir: string,
  options: RedisServerOptions,
): Promise<ChildProcess> {
  const logFile = join(dir, 'redis.log');
  rmSync(logFile, { force: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly'];
  args.push(options.appendOnly ? 'yes' : 'no', '--dir', dir, '--logfile', logFile);
  if (options.password !== undefined) args.push('--requirepass', options.password);
  if (options.replicaOf !== undefined) {
    args.push('--replicaof', '127.0.0.1', String(options.replicaOf));
  }

  return spawnUntilPing(args, port, logFile, 'redis-server');
}

/** Spawns redis-server with `args` and resolves once it answers on `port`; else kills it. */
async function spawnUntilPing(
  args: readonly string[],
  port: number,
  logFile: string,
  what: string,
): Promise<ChildProcess> {
  const child = spawn(BINARY, args, { stdio: 'ignore' });
  running.add(child);
  child.once('exit', () => forget(child));
  try {
    await waitUntil(child, () => answersPing(port), READY_TIMEOUT_MS, 'no PONG');
  } catch (error) {
    child.kill('SIGKILL');
    const log = readLog(logFile);
    throw new Error(`${what} on port ${port} did not start: ${log}`, { cause: error });
  }
  return child;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A server with a password refuses the PING, which still shows that it is up.
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return 'no log written';
  }
}

/** A Redis Sentinel child process watching one master, owned by one test file. */
export interface RedisSentinelHandle {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a Sentinel on a free port that watches the master at 127.0.0.1:`masterPort` under
 * `masterName`, with a quorum of one and short timeouts, so a test can fail over in seconds.
 */
export async function startRedisSentinel(
  masterPort: number,
  masterName: string,
): Promise<RedisSentinelHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenauth-sentinel-'));
  dirs.add(dir);
  const port = await findFreePort();
  // Sentinel rewrites its configuration file as it learns, so the file must be its own.
  const configFile = join(dir, 'sentinel.conf');
  const logFile = join(dir, 'sentinel.log');
  writeFileSync(
    configFile,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${logFile}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 5000`,
      '',
    ].join('\n'),
  );
  const child = await spawnUntilPing([configFile, '--sentinel'], port, logFile, 'redis sentinel');
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = waitForExit(child);
      child.kill('SIGTERM');
      await exited;
    },
  };
}
