import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_USER_ID_LENGTH, normalizeUserId } from '../../src/core/user-ids.js';

describe('normalizeUserId', () => {
  it('accepts a plain id unchanged', () => {
    assert.deepEqual(normalizeUserId('alice'), { ok: true, id: 'alice' });
  });

  it('keeps case and surrounding spaces, because ids are compared exactly', () => {
    assert.deepEqual(normalizeUserId('Alice'), { ok: true, id: 'Alice' });
    assert.deepEqual(normalizeUserId(' alice '), { ok: true, id: ' alice ' });
  });

  it('turns a decomposed accent into the composed character', () => {
    const decomposed = 'jose\u0301';
    assert.deepEqual(normalizeUserId(decomposed), { ok: true, id: 'jos\u00e9' });
  });

  it('refuses the empty id', () => {
    assert.deepEqual(normalizeUserId(''), { ok: false, reason: 'empty' });
  });

  it('accepts 256 code points and refuses 257', () => {
    assert.equal(normalizeUserId('a'.repeat(MAX_USER_ID_LENGTH)).ok, true);
    assert.deepEqual(normalizeUserId('a'.repeat(MAX_USER_ID_LENGTH + 1)), {
      ok: false,
      reason: 'too_long',
    });
  });

  it('counts code points, not UTF-16 units, so 256 emoji fit', () => {
    assert.equal(normalizeUserId('\u{1F600}'.repeat(MAX_USER_ID_LENGTH)).ok, true);
    assert.equal(normalizeUserId('\u{1F600}'.repeat(MAX_USER_ID_LENGTH + 1)).ok, false);
  });

  it('measures the length after normalisation', () => {
    const decomposed = 'e\u0301'.repeat(MAX_USER_ID_LENGTH);
    assert.equal(decomposed.length, MAX_USER_ID_LENGTH * 2);
    assert.equal(normalizeUserId(decomposed).ok, true);
  });

  it('refuses a huge id without working through it', () => {
    assert.deepEqual(normalizeUserId('a'.repeat(10_000_000)), { ok: false, reason: 'too_long' });
  });

  it('refuses C0 controls, DEL and C1 controls', () => {
    for (const control of ['\u0000', '\t', '\n', '\u001f', '\u007f', '\u0080', '\u009f']) {
      assert.deepEqual(normalizeUserId(`al${control}ice`), {
        ok: false,
        reason: 'control_characters',
      });
    }
  });

  it('refuses lone surrogates but accepts paired ones', () => {
    assert.deepEqual(normalizeUserId('a\ud800b'), { ok: false, reason: 'invalid_unicode' });
    assert.deepEqual(normalizeUserId('a\udc00'), { ok: false, reason: 'invalid_unicode' });
    assert.equal(normalizeUserId('a\ud83d\ude00').ok, true);
  });

  it('is idempotent: an accepted id normalises to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (raw) => {
        const first = normalizeUserId(raw);
        if (!first.ok) return;
        assert.deepEqual(normalizeUserId(first.id), first);
      }),
    );
  });

  it('never accepts an id holding a control character or a lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (raw) => {
        const result = normalizeUserId(raw);
        if (!result.ok) return;
        assert.ok(!/\p{Cc}|\p{Cs}/u.test(result.id));
        assert.equal(result.id, result.id.normalize('NFC'));
      }),
    );
  });
});
