import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { pino } from 'pino';
import { openStore } from '../../src/stores/open-store.js';
import { LATEST_SCHEMA_VERSION } from '../../src/stores/sqlite/migrations.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { StoreUnavailableError } from '../../src/stores/store.js';
import { LogCapture } from '../helpers/log-capture.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { makeClient, makeToken, makeUser } from './conformance/records.js';
import { describeStoreConformance } from './conformance.js';

const logger = pino({ level: 'silent' });

describeStoreConformance('SqliteStore', async () => {
  const dir = await makeTempDir('sqlite-conformance');
  const store = SqliteStore.open(join(dir.path, 'store.db'), { logger });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

describe('SqliteStore on disk', () => {
  let dir: TempDir;
  let fileNumber = 0;
  const freshPath = () => join(dir.path, `store-${++fileNumber}.db`);

  before(async () => {
    dir = await makeTempDir('sqlite-store');
  });

  after(async () => {
    await dir.remove();
  });

  it('keeps users, tokens and clients across a reopen', async () => {
    const path = freshPath();
    const user = makeUser('ada');
    const token = makeToken('ada');
    const client = makeClient('billing');
    const first = SqliteStore.open(path, { logger });
    await first.createUser(user);
    await first.createToken(token, 10);
    await first.saveClient(client);
    await first.close();

    const second = SqliteStore.open(path, { logger });
    try {
      assert.deepEqual(await second.findUser('ada'), user);
      assert.deepEqual(await second.findToken(token.digest), token);
      assert.deepEqual(await second.findClient('billing'), client);
    } finally {
      await second.close();
    }
  });

  it('applies migrations once and opens an up-to-date file without changes', async () => {
    const path = freshPath();
    const firstLog = new LogCapture();
    await SqliteStore.open(path, { logger: pino(firstLog) }).close();
    const secondLog = new LogCapture();

    const store = SqliteStore.open(path, { logger: pino(secondLog) });
    try {
      assert.equal(store.settings().schemaVersion, LATEST_SCHEMA_VERSION);
      const applied = (log: LogCapture) =>
        log.records().filter((record) => record.msg === 'applied sqlite migration').length;
      assert.equal(applied(firstLog), LATEST_SCHEMA_VERSION);
      assert.equal(applied(secondLog), 0);
      assert.equal(await store.createUser(makeUser('ada')), true);
    } finally {
      await store.close();
    }
  });

  it('runs with WAL journaling, FULL sync, foreign keys and a busy timeout', async () => {
    const store = SqliteStore.open(freshPath(), { logger });
    try {
      const settings = store.settings();
      assert.equal(settings.journalMode, 'wal');
      assert.equal(settings.synchronous, 2);
      assert.equal(settings.foreignKeys, true);
      assert.equal(settings.busyTimeoutMs, 5_000);
    } finally {
      await store.close();
    }
  });

  it('is back on FULL sync for accounts and tokens after an advisory counter write', async () => {
    const store = SqliteStore.open(freshPath(), { logger });
    try {
      await store.incrementCounter('guess:203.0.113.1', 60_000, Date.now());
      await store.recordLoginFailure('login:acct:ada', Date.now(), 60_000);
      assert.equal(store.settings().synchronous, 2);
    } finally {
      await store.close();
    }
  });

  it('creates the database file readable by its owner only', async () => {
    const path = freshPath();
    const store = SqliteStore.open(path, { logger });
    try {
      await store.createUser(makeUser('ada'));

      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(`${path}-wal`)).mode & 0o777, 0o600);
    } finally {
      await store.close();
    }
  });

  it('opens through openStore for a sqlite: URL', async () => {
    const store = await openStore(`sqlite:${freshPath()}`, logger);
    try {
      assert.equal(store.kind, 'sqlite');
      assert.equal(await store.createUser(makeUser('ada')), true);
    } finally {
      await store.close();
    }
  });

  it("deletes a user and that user's tokens in one step", async () => {
    const store = SqliteStore.open(freshPath(), { logger });
    try {
      await store.createUser({ id: 'ghost', passwordHash: null, disabled: false, createdAtMs: 1 });
      await store.createToken(makeToken('ghost'), 10);
      assert.equal(await store.deleteUser('ghost'), true);
      assert.equal(await store.countTokens(), 0);
    } finally {
      await store.close();
    }
  });
});

describe('SqliteStore failures', () => {
  let dir: TempDir;

  before(async () => {
    dir = await makeTempDir('sqlite-failures');
  });

  after(async () => {
    await dir.remove();
  });

  it('reports a closed store as unavailable', async () => {
    const store = SqliteStore.open(join(dir.path, 'closed.db'), { logger });
    await store.close();

    await assert.rejects(store.ping(), StoreUnavailableError);
    await assert.rejects(store.findUser('ada'), StoreUnavailableError);
    await store.close();
  });

  it('reports a file in a missing directory as unavailable', () => {
    const path = join(dir.path, 'missing', 'store.db');

    assert.throws(() => SqliteStore.open(path, { logger }), StoreUnavailableError);
  });

  it('reports a file that is not a database as unavailable', async () => {
    const path = join(dir.path, 'not-a-db.db');
    await writeFile(path, 'this is not a sqlite database, just some text '.repeat(20));

    assert.throws(() => SqliteStore.open(path, { logger }), StoreUnavailableError);
  });

  it('reports a write lock held past the busy timeout as unavailable', async () => {
    const path = join(dir.path, 'locked.db');
    const store = SqliteStore.open(path, { logger, busyTimeoutMs: 50 });
    const other = new SqliteDatabase(path);
    try {
      other.exec('BEGIN IMMEDIATE');

      await assert.rejects(store.createUser(makeUser('ada')), StoreUnavailableError);
      assert.equal(await store.findUser('ada'), null);

      other.exec('ROLLBACK');
      assert.equal(await store.createUser(makeUser('ada')), true);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('refuses a database whose schema is newer than this release', async () => {
    const path = join(dir.path, 'future.db');
    const future = new SqliteDatabase(path);
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    future.close();

    assert.throws(() => SqliteStore.open(path, { logger }), /newer than/);
  });

  it('keeps the path out of the error message', async () => {
    const path = join(dir.path, 'missing', 'secret-name.db');

    assert.throws(
      () => SqliteStore.open(path, { logger }),
      (error: unknown) => error instanceof Error && !error.message.includes('secret-name'),
    );
  });
});
