import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisStore } from '../../src/stores/redis/redis-store.js';
import {
  type RedisSentinelHandle,
  type RedisServerHandle,
  redisAvailability,
  startRedisSentinel,
  startRedisServer,
} from '../helpers/redis-server.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';
import { describeStoreConformance } from './conformance.js';

const availability = redisAvailability();
const logger = pino({ level: 'silent' });
const MASTER = 'tokenauth-master';
const FAILOVER_TIMEOUT_MS = 20_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + FAILOVER_TIMEOUT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Redis through Sentinel', { skip: availability.reason ?? false }, () => {
  let master: RedisServerHandle;
  let replica: RedisServerHandle;
  let sentinel: RedisSentinelHandle;
  let sentinelUrl: string;

  before(async () => {
    master = await startRedisServer();
    replica = await startRedisServer({ replicaOf: master.port });
    sentinel = await startRedisSentinel(master.port, MASTER);
    sentinelUrl = `redis+sentinel://127.0.0.1:${sentinel.port}/${MASTER}/0`;
  });

  after(async () => {
    await sentinel?.stop();
    await replica?.stop();
    await master?.stop();
  });

  describeStoreConformance('conformance', async () => {
    const admin = new Redis(master.url);
    await admin.flushdb();
    admin.disconnect();
    const store = await RedisStore.open(sentinelUrl, { logger });
    return { store, cleanup: () => store.close() };
  });

  describe('a failover under a running server', () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ '--store': sentinelUrl });
    });
    after(() => server?.close());

    it('keeps replicated tokens and takes new logins on the promoted replica', async () => {
      const token = await loginOpen(server.url, 'failover-user');
      // Sentinel promotes asynchronously replicated data: wait until the replica has the token.
      const onMaster = new Redis(master.url);
      assert.equal(await onMaster.wait(1, 5000), 1);
      onMaster.disconnect();

      const sentinelClient = new Redis({ host: '127.0.0.1', port: sentinel.port });
      // Refused (NOGOODSLAVE) until the Sentinel has discovered the replica through the master.
      await waitFor('the Sentinel to accept a failover', async () =>
        (await sentinelClient.call('SENTINEL', 'FAILOVER', MASTER)) === 'OK' ? true : undefined,
      );
      await waitFor('the replica to be promoted', async () => {
        const address = (await sentinelClient.call(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          MASTER,
        )) as [string, string];
        return address[1] === String(replica.port) ? address : undefined;
      });
      sentinelClient.disconnect();
      // The old master is gone for good: only the promoted replica can answer from now on.
      await master.kill();

      const me = await waitFor('the same server process to reach the new master', async () => {
        const response = await fetch(`${server.url}/me`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (response.status === 503) return undefined;
        return response;
      });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { id: string }).id, 'failover-user');

      const fresh = await loginOpen(server.url, 'after-failover');
      const logout = await fetch(`${server.url}/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fresh}` },
      });
      assert.equal(logout.status, 200);
      const revoked = await fetch(`${server.url}/me`, {
        headers: { authorization: `Bearer ${fresh}` },
      });
      assert.equal(revoked.status, 401);
    });
  });
});
