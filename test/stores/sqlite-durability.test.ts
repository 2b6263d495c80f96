import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { pino } from 'pino';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const WRITER = fileURLToPath(new URL('../helpers/sqlite-writer.js', import.meta.url));
const logger = pino({ level: 'silent' });

interface Acknowledged {
  readonly userIds: string[];
  readonly digests: string[];
}

/**
 * Runs the writer until it has acknowledged `killAfterAcks` writes, then SIGKILLs it. The
 * writer keeps going meanwhile, so the kill lands at an arbitrary point, possibly mid-write.
 * Every ACK read before the pipe closes counts, including those written after the decision.
 */
async function writeThenKill(path: string, tag: string, killAfterAcks: number) {
  const child = spawn(process.execPath, [WRITER, path, tag], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const acknowledged: Acknowledged = { userIds: [], digests: [] };
  let acks = 0;

  for await (const line of createInterface({ input: child.stdout })) {
    const [word, kind, id] = line.split(' ');
    assert.equal(word, 'ACK', `unexpected writer output: ${line}`);
    if (kind === 'user' && id) acknowledged.userIds.push(id);
    if (kind === 'token' && id) acknowledged.digests.push(id);
    if (++acks === killAfterAcks) child.kill('SIGKILL');
  }

  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the writer ended on its own with code ${String(code)}`);
  return acknowledged;
}

function integrityCheck(path: string): unknown {
  const db = new SqliteDatabase(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

describe('SqliteStore durability', () => {
  let dir: TempDir;

  before(async () => {
    dir = await makeTempDir('sqlite-durability');
  });

  after(async () => {
    await dir.remove();
  });

  it('keeps every acknowledged write of a process killed with SIGKILL', async () => {
    const path = join(dir.path, 'killed.db');
    const everything: Acknowledged = { userIds: [], digests: [] };

    for (const [round, killAfterAcks] of [2, 3, 7, 20].entries()) {
      const acknowledged = await writeThenKill(path, `round${round}`, killAfterAcks);
      everything.userIds.push(...acknowledged.userIds);
      everything.digests.push(...acknowledged.digests);
      assert.ok(acknowledged.userIds.length + acknowledged.digests.length >= killAfterAcks);

      assert.equal(integrityCheck(path), 'ok');
      const store = SqliteStore.open(path, { logger });
      try {
        for (const userId of everything.userIds) {
          assert.equal((await store.findUser(userId))?.id, userId, `user ${userId} was lost`);
        }
        for (const digest of everything.digests) {
          assert.equal((await store.findToken(digest))?.digest, digest, `token ${digest} was lost`);
        }
      } finally {
        await store.close();
      }
    }
  });
});
