import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  digestToken,
  fingerprintDigest,
  isWellFormedToken,
  mintToken,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
} from '../../src/core/tokens.js';

describe('token format', () => {
  it('mints unique tokens of one fixed length behind the product prefix', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 5000; i += 1) {
      const token = mintToken();
      assert.equal(token.length, TOKEN_LENGTH);
      assert.ok(token.startsWith(TOKEN_PREFIX));
      assert.match(token.slice(TOKEN_PREFIX.length), /^[A-Za-z0-9_-]+$/);
      tokens.add(token);
    }
    assert.equal(tokens.size, 5000);
  });

  it('accepts its own tokens and rejects any single changed character', () => {
    const token = mintToken();
    assert.ok(isWellFormedToken(token));
    for (let i = TOKEN_PREFIX.length; i < token.length; i += 1) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const changed = `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
      assert.equal(isWellFormedToken(changed), false, `position ${i}`);
    }
  });

  it('rejects wrong prefixes, lengths and alphabets', () => {
    const token = mintToken();
    assert.equal(isWellFormedToken(token.replace(TOKEN_PREFIX, 'tokenaut_x')), false);
    assert.equal(isWellFormedToken(token.slice(0, -1)), false);
    assert.equal(isWellFormedToken(`${token}A`), false);
    assert.equal(isWellFormedToken(`${token.slice(0, -2)}=!`), false);
    assert.equal(isWellFormedToken(''), false);
    assert.equal(isWellFormedToken('invalid_token'), false);
  });

  it('stores a digest that does not contain the token and differs per token', () => {
    const token = mintToken();
    const digest = digestToken(token);
    assert.equal(digest.length, 43);
    assert.ok(!digest.includes(token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 8)));
    assert.notEqual(digest, digestToken(mintToken()));
    assert.equal(digestToken(token), digest);
  });

  it('fingerprints a digest into a short label that reveals neither', () => {
    const digest = digestToken(mintToken());
    const label = fingerprintDigest(digest);
    assert.equal(label.length, 10);
    assert.ok(!digest.includes(label));
  });
});
