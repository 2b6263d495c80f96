import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSqliteUrl } from '../../../src/stores/sqlite/parse-sqlite-url.js';

describe('parseSqliteUrl', () => {
  it('returns a relative path as written', () => {
    assert.equal(parseSqliteUrl('sqlite:./tokenauth.db'), './tokenauth.db');
    assert.equal(parseSqliteUrl('sqlite:tokenauth.db'), 'tokenauth.db');
  });

  it('returns an absolute path as written', () => {
    assert.equal(parseSqliteUrl('sqlite:/var/lib/tokenauth/x.db'), '/var/lib/tokenauth/x.db');
  });

  it('reads three slashes as an absolute path', () => {
    assert.equal(parseSqliteUrl('sqlite:///var/lib/x.db'), '/var/lib/x.db');
  });

  it('takes percent signs and spaces literally', () => {
    assert.equal(parseSqliteUrl('sqlite:./my data/100%.db'), './my data/100%.db');
  });

  it('rejects an empty path with an example of a valid URL', () => {
    assert.throws(() => parseSqliteUrl('sqlite:'), /names no file.*sqlite:\.\/tokenauth\.db/);
    assert.throws(() => parseSqliteUrl('sqlite:   '), /names no file/);
  });

  it('rejects a host part instead of silently dropping it', () => {
    assert.throws(() => parseSqliteUrl('sqlite://tokenauth.db'), /no host part/);
  });

  it('rejects another scheme', () => {
    assert.throws(() => parseSqliteUrl('redis://localhost'), /starts with "sqlite:"/);
  });
});
