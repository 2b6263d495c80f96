import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStoreUrl } from '../../../src/stores/open-store.js';
import { parseRedisUrl } from '../../../src/stores/redis/redis-url.js';

describe('parseRedisUrl', () => {
  it('hands redis:// and rediss:// URLs to the client as they are', () => {
    for (const url of ['redis://127.0.0.1:6379/0', 'rediss://user:pw@redis.example:6380/2']) {
      assert.deepEqual(parseRedisUrl(url), { kind: 'node', url });
    }
  });

  it('reads every sentinel, the master name, the database and the credentials', () => {
    const target = parseRedisUrl(
      'redis+sentinel://tokenauth:p%40ss%2Fw@10.0.0.1:26380,sentinel.internal,[::1]:26381/auth-master/3',
    );
    assert.equal(target.kind, 'sentinel');
    if (target.kind !== 'sentinel') return;
    assert.equal(target.masterName, 'auth-master');
    assert.deepEqual(target.options.sentinels, [
      { host: '10.0.0.1', port: 26380 },
      { host: 'sentinel.internal', port: 26379 },
      { host: '::1', port: 26381 },
    ]);
    assert.equal(target.options.name, 'auth-master');
    assert.equal(target.options.db, 3);
    assert.equal(target.options.username, 'tokenauth');
    assert.equal(target.options.password, 'p@ss/w');
  });

  it('takes a password without a user name, and database 0 by default', () => {
    const target = parseRedisUrl('redis+sentinel://:secret@127.0.0.1:26379/mymaster');
    assert.equal(target.kind, 'sentinel');
    if (target.kind !== 'sentinel') return;
    assert.equal(target.options.username, undefined);
    assert.equal(target.options.password, 'secret');
    assert.equal(target.options.db, 0);
  });

  const refused: [string, RegExp][] = [
    ['http://127.0.0.1:6379', /must start with redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\//],
    ['redis://[oops', /cannot be parsed/],
    ['redis+sentinel://127.0.0.1:26379', /needs a master name/],
    ['redis+sentinel://127.0.0.1:26379/', /needs a master name/],
    ['redis+sentinel://127.0.0.1:26379/m/1/extra', /needs a master name/],
    ['redis+sentinel://127.0.0.1:26379/m/16', /from 0 to 15/],
    ['redis+sentinel://127.0.0.1:26379/m/x', /from 0 to 15/],
    ['redis+sentinel://127.0.0.1:99999/m', /host or host:port/],
    ['redis+sentinel://127.0.0.1:26379,,/m', /host or host:port/],
    ['redis+sentinel://:%E0%A4%A@127.0.0.1/m', /malformed %-escape/],
  ];
  for (const [url, message] of refused) {
    it(`refuses ${url} without repeating it`, () => {
      assert.throws(
        () => parseRedisUrl(url),
        (error: Error) => message.test(error.message) && !error.message.includes(url),
      );
    });
  }
});

describe('describeStoreUrl', () => {
  it('hides the credentials of a sentinel URL listing several hosts', () => {
    const shown = describeStoreUrl('redis+sentinel://user:hunter2@h1:26379,h2:26379/master/0');
    assert.equal(shown, 'redis+sentinel://***@h1:26379,h2:26379/master/0');
  });

  it('hides a password that contains an @ in a sentinel URL', () => {
    const shown = describeStoreUrl('redis+sentinel://:pa@ss@h1:26379,h2:26379/master');
    assert.ok(!shown.includes('pa@ss') && !shown.includes('pa'), shown);
  });
});
