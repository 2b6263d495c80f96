import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadServerConfig } from '../../src/config/server-config.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import type { ServerServices } from '../../src/server/services.js';
import { createServices } from '../../src/server/services-factory.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { LogCapture } from '../helpers/log-capture.js';

const TIMEOUTS = { headersMs: 400, requestMs: 800, checkIntervalMs: 50 };
const PASSWORD = 'correct horse battery staple';

interface Exchange {
  readonly text: string;
  /** Whether the server closed the connection within the wait. */
  readonly closed: boolean;
  readonly elapsedMs: number;
}

/**
 * Writes raw bytes (optionally trickled, one piece every `gapMs`) and collects what comes
 * back until the server closes the connection or `waitMs` passes.
 */
function exchange(
  port: number,
  pieces: readonly (string | Buffer)[],
  options: { gapMs?: number; waitMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearInterval(trickle);
      clearTimeout(deadline);
      socket.destroy();
      resolve({
        text: Buffer.concat(received).toString(),
        closed,
        elapsedMs: Date.now() - started,
      });
    };
    const queue = [...pieces];
    const writeNext = () => {
      const piece = queue.shift();
      if (piece !== undefined && !socket.destroyed) socket.write(piece);
    };
    const trickle = setInterval(writeNext, options.gapMs ?? 1);
    const deadline = setTimeout(finish, options.waitMs ?? 3000);
    socket.on('data', (part: Buffer) => received.push(part));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    if (options.gapMs === undefined) while (queue.length > 0) writeNext();
  });
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

describe('limits and timeouts', () => {
  let app: FastifyInstance;
  let services: ServerServices;
  let port: number;
  let url: string;
  const logs = new LogCapture();

  before(async () => {
    const config = loadServerConfig(
      { '--port': '0', '--store': 'memory:', '--login': 'password' },
      {},
    );
    const logger = createLogger('info', logs);
    services = createServices(config, logger, new MemoryStore(), { defaultMetrics: false });
    await services.accounts.addUser('alice', PASSWORD);
    app = await buildApp(services, { timeouts: TIMEOUTS });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  after(() => app.close());

  it('answers 431 to a header block over 16 KiB', async () => {
    const response = await fetch(`${url}/`, { headers: { 'x-padding': 'x'.repeat(20_000) } });
    assert.equal(response.status, 431);
    assert.equal(await response.text(), '{"error":"Request headers too large"}');
  });

  it('answers 413 to a declared body over 8 KiB and closes the connection', async () => {
    const body = `id=alice&password=${'x'.repeat(9000)}`;
    const result = await exchange(port, [
      'POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n',
      `Content-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    assert.equal(statusOf(result.text), 413);
    assert.match(result.text, /\r\nconnection: close\r\n/i);
    assert.match(result.text, /\{"error":"Request body too large"\}$/);
    assert.ok(result.closed, 'connection closed');
  });

  it('answers 413 to a chunked body that grows past 8 KiB and closes the connection', async () => {
    const chunk = `400\r\n${'x'.repeat(1024)}\r\n`; // 0x400 = 1024 bytes each
    const result = await exchange(port, [
      'POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n',
      'Transfer-Encoding: chunked\r\n\r\n12\r\nid=alice&password=\r\n',
      ...Array.from({ length: 10 }, () => chunk),
    ]);
    assert.equal(statusOf(result.text), 413);
    assert.ok(result.closed, 'connection closed');
  });

  it('cuts a client that trickles its headers once the header timeout passes', async () => {
    const trickled = Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`);
    const result = await exchange(port, ['GET / HTTP/1.1\r\nHost: t\r\n', ...trickled], {
      gapMs: 50,
      waitMs: 4000,
    });
    assert.ok(result.closed, 'connection cut');
    assert.ok(result.elapsedMs < TIMEOUTS.headersMs + 600, `cut after ${result.elapsedMs} ms`);
    assert.equal(statusOf(result.text), 408, result.text);
    assert.match(result.text, /\{"error":"Request timeout"\}$/);
  });

  it('cuts a client that trickles its body once the request timeout passes', async () => {
    const trickled = Array.from({ length: 100 }, () => 'x');
    const result = await exchange(
      port,
      [
        'POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n',
        'Content-Length: 100\r\n\r\n',
        ...trickled,
      ],
      { gapMs: 50, waitMs: 4000 },
    );
    assert.ok(result.closed, 'connection cut');
    assert.ok(result.elapsedMs < TIMEOUTS.requestMs + 600, `cut after ${result.elapsedMs} ms`);
  });

  it('refuses a password over its maximum before hashing or counting a failure', async () => {
    const tooLong = [
      'p'.repeat(1025), // over the policy's 1024 characters
      'p'.repeat(4097), // over the body schema's cap
    ];
    for (const password of tooLong) {
      const response = await fetch(`${url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ id: 'alice', password }),
      });
      assert.equal(response.status, 400);
    }
    const failures = await services.store.readLoginFailures('login:acct:alice', Date.now());
    assert.equal(failures, null);
    const metrics = await services.metrics.registry.getSingleMetricAsString(
      'tokenauth_security_events_total',
    );
    assert.doesNotMatch(metrics, /login_failed|login_throttled/);
  });

  it('refuses an id or token over its maximum by its shape alone', async () => {
    const longId = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ id: 'a'.repeat(1025), password: PASSWORD }),
    });
    assert.equal(longId.status, 400);
    const longToken = await fetch(`${url}/echo`, {
      method: 'POST',
      body: new URLSearchParams({ token: 't'.repeat(513), text: 'hi' }),
    });
    // Authentication comes before body validation; the length alone makes it malformed,
    // which is decided without a store lookup.
    assert.equal(longToken.status, 401);
    const rejected = logs.records().filter((record) => record.event === 'token_rejected');
    assert.deepEqual(
      rejected.map((record) => record.reason),
      ['malformed'],
    );
  });

  const framingAttacks: [string, string][] = [
    [
      'both Content-Length and Transfer-Encoding',
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two different Content-Lengths', 'Content-Length: 5\r\nContent-Length: 6\r\n\r\nid=ab'],
    ['a space before the colon', 'Content-Length : 5\r\n\r\nid=ab'],
    ['an obsolete folded header', 'X-A: 1\r\n folded\r\nContent-Length: 5\r\n\r\nid=ab'],
    ['a bare LF line ending', 'Content-Length: 5\n\r\nid=ab'],
    ['an unknown transfer coding', 'Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
  ];

  for (const [name, rest] of framingAttacks) {
    it(`rejects a request with ${name} at the HTTP parser`, async () => {
      const result = await exchange(port, [
        `POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n${rest}`,
      ]);
      assert.equal(statusOf(result.text), 400, result.text);
      assert.match(result.text, /\r\n\r\n\{"error":"Invalid request"\}$/);
      assert.ok(result.closed);
    });
  }
});
