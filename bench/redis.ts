import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnTracked, stopChild } from './children.js';
import { findFreePort } from './free-port.js';

/** Our own throwaway redis-server: no persistence, loopback only, stopped at the end. */
export interface RedisProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await findFreePort();
  const child = spawnTracked('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  child.stdout?.resume();
  child.stderr?.resume();

  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await answersPing(port)) {
      if (child.pid === undefined) break;
      return { url: `redis://127.0.0.1:${port}`, pid: child.pid, child };
    }
    await delay(20);
  }
  await stopChild(child);
  throw new Error(`redis-server did not answer PING on port ${port}`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
