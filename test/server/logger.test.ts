import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/server/logger.js';
import { LogCapture } from '../helpers/log-capture.js';

function capture(): { logger: ReturnType<typeof createLogger>; output: LogCapture } {
  const output = new LogCapture();
  return { logger: createLogger('info', output), output };
}

describe('the server logger', () => {
  it('censors credential keys at any depth, whatever their case', () => {
    const { logger, output } = capture();
    logger.info(
      {
        password: 'canary-pw-1',
        nested: { Token: 'canary-tok-2', deeper: { authorization: 'Bearer canary-3' } },
        list: [{ secret: 'canary-4' }],
        headers: { cookie: 'canary-5' },
        kept: 'visible',
      },
      'event',
    );

    const [record] = output.records();
    assert.ok(record);
    assert.doesNotMatch(output.text, /canary/);
    assert.equal(record.password, '[redacted]');
    assert.deepEqual(record.nested, {
      Token: '[redacted]',
      deeper: { authorization: '[redacted]' },
    });
    assert.deepEqual(record.list, [{ secret: '[redacted]' }]);
    assert.equal(record.headers, '[redacted]');
    assert.equal(record.kept, 'visible');
  });

  it('leaves the object it was given untouched', () => {
    const { logger } = capture();
    const fields = { token: 'plain', reason: 'a\u009bb' };
    logger.info(fields, 'event');
    assert.deepEqual(fields, { token: 'plain', reason: 'a\u009bb' });
  });

  it('writes one line per record, with terminal controls and line separators escaped', () => {
    const { logger, output } = capture();
    logger.info({ userId: 'eve\r\n{"audit":true}\u001b[2J\u009b\u2028', 'k\u007f': 1 }, 'event');

    assert.equal(output.lines.length, 1);
    const line = output.lines[0] ?? '';
    assert.doesNotMatch(line, /[\u007f-\u009f\u2028\u2029]/u);
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.userId, 'eve\r\n{"audit":true}\u001b[2J\\u{9b}\\u{2028}');
    assert.equal(record['k\\u{7f}'], 1);
  });

  it('keeps errors serialized by pino, with their message and type', () => {
    const { logger, output } = capture();
    logger.error({ err: new TypeError('store went away') }, 'store_failed');
    const err = output.records()[0]?.err as { type?: string; message?: string } | undefined;
    assert.equal(err?.type, 'TypeError');
    assert.equal(err?.message, 'store went away');
  });

  it('writes every record to stdout before the process exits, though it writes asynchronously', () => {
    const script = `
      import { createLogger } from ${JSON.stringify(new URL('../../src/server/logger.js', import.meta.url).href)};
      const logger = createLogger('info');
      for (let i = 0; i < 2000; i += 1) logger.info({ i }, 'line');
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout.trim().split('\n');
    assert.equal(lines.length, 2000);
    assert.equal((JSON.parse(lines.at(-1) ?? '{}') as { i?: number }).i, 1999);
  });
});
