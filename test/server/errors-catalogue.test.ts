import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError, ERROR_CATALOGUE, type ErrorCode } from '../../src/server/errors.js';

const DOCS_PATH = join(import.meta.dirname, '../../../docs/errors.md');

interface DocumentedError {
  readonly status: number;
  readonly message: string;
  readonly when: string;
}

/** The rows of the table in docs/errors.md whose first cell is a backticked code. */
async function readDocumentedErrors(): Promise<Map<string, DocumentedError>> {
  const text = await readFile(DOCS_PATH, 'utf8');
  const rows = new Map<string, DocumentedError>();
  for (const line of text.split('\n')) {
    const match = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|([^|]+)\|([^|]*)\|\s*$/.exec(line);
    if (!match) continue;
    const [, code = '', status = '', message = '', when = ''] = match;
    assert.ok(!rows.has(code), `${code} is documented twice`);
    rows.set(code, { status: Number(status), message: message.trim(), when: when.trim() });
  }
  return rows;
}

describe('error catalogue', () => {
  it('documents every code of the catalogue with its status and message', async () => {
    const documented = await readDocumentedErrors();
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const row = documented.get(code);
      assert.ok(row, `${code} is missing from docs/errors.md`);
      assert.equal(row.status, entry.status, `status of ${code}`);
      assert.equal(row.message, entry.message, `message of ${code}`);
      assert.ok(row.when.length > 0, `${code} says when it is answered`);
    }
  });

  it('documents no code that the catalogue lacks', async () => {
    const documented = await readDocumentedErrors();
    const extra = [...documented.keys()].filter((code) => !Object.hasOwn(ERROR_CATALOGUE, code));
    assert.deepEqual(extra, []);
  });

  it('gives every code an error status and a message without trailing punctuation', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.ok(entry.status >= 400 && entry.status <= 599, code);
      assert.match(entry.message, /^[A-Z][^.!]*[a-z]$/, code);
    }
  });

  it('builds an ApiError whose status and message come from the catalogue alone', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const error = new ApiError(code, { reason: 'secret detail' });
      assert.equal(error.statusCode, ERROR_CATALOGUE[code].status);
      assert.equal(error.message, ERROR_CATALOGUE[code].message);
      assert.doesNotMatch(error.message, /secret detail/);
    }
  });
});
