import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Every process the harness starts goes through here, so a crash, Ctrl-C or a failed step
 * can never leave a server, redis-server or load generator running behind us.
 */
const running = new Set<ChildProcess>();

export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // A failed spawn (ENOENT) is reported through the caller's own wait; never crash here.
  child.once('error', () => running.delete(child));
  return child;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Asks politely, then insists: SIGTERM, and SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

/** For `process.on('exit')`, where nothing asynchronous runs any more. */
export function killAllChildrenNow(): void {
  for (const child of running) {
    if (!hasExited(child)) child.kill('SIGKILL');
  }
}
