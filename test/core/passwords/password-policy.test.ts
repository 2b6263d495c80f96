import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPassword,
  commonPasswordsPath,
  loadCommonPasswords,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../../../src/core/passwords/password-policy.js';

describe('checkPassword', () => {
  it('accepts an uncommon password of eight characters', () => {
    assert.deepEqual(checkPassword('vqx7-lmr'), { ok: true });
  });

  it('refuses seven characters', () => {
    assert.deepEqual(checkPassword('vqx7-lm'), { ok: false, reason: 'too_short' });
  });

  it('counts code points, so four emoji are too short even as eight UTF-16 units', () => {
    const emoji = '\u{1F40C}\u{1F30B}\u{1F9ED}\u{1F36F}';
    assert.equal(emoji.length, 8);
    assert.deepEqual(checkPassword(emoji), { ok: false, reason: 'too_short' });
    assert.deepEqual(checkPassword(emoji + emoji), { ok: true });
  });

  it('accepts 1024 code points and refuses 1025', () => {
    assert.deepEqual(checkPassword('\u{1F40C}'.repeat(MAX_PASSWORD_LENGTH)), { ok: true });
    assert.deepEqual(checkPassword('x'.repeat(MAX_PASSWORD_LENGTH + 1)), {
      ok: false,
      reason: 'too_long',
    });
  });

  it('refuses a megabyte-long password as too long, not as common', () => {
    assert.deepEqual(checkPassword('password'.repeat(200_000)), { ok: false, reason: 'too_long' });
  });

  it('has no composition rules: only letters, only digits, spaces and any script pass', () => {
    for (const password of ['correcthorsebattery', '83920175', '      eight     ', 'пароль-сон']) {
      assert.deepEqual(checkPassword(password), { ok: true }, password);
    }
  });

  it('refuses a common password, in any letter case', () => {
    for (const password of ['password', 'Password1', 'QWERTYUIOP', 'iloveyou', '12345678']) {
      assert.deepEqual(checkPassword(password), { ok: false, reason: 'common' }, password);
    }
  });

  it('refuses a full-width spelling of a common password', () => {
    assert.deepEqual(checkPassword('\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44'), {
      ok: false,
      reason: 'common',
    });
  });

  it('does not fold a common password hidden inside a longer one', () => {
    assert.deepEqual(checkPassword('password plus a walk to the lake'), { ok: true });
  });
});

describe('the common-password list', () => {
  it('is found from the compiled module and holds thousands of entries', () => {
    const path = commonPasswordsPath();
    assert.ok(path?.endsWith('common-passwords.txt'));
    assert.ok(loadCommonPasswords().size >= 3000);
  });

  it('holds only entries a length check would not already refuse', () => {
    for (const entry of loadCommonPasswords()) {
      assert.ok([...entry].length >= MIN_PASSWORD_LENGTH, entry);
      assert.equal(entry, entry.trim());
    }
  });

  it('is loaded once and shared', () => {
    assert.equal(loadCommonPasswords(), loadCommonPasswords());
  });
});
