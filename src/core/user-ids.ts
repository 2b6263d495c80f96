/**
 * User ids are opaque, case-sensitive strings: `Alice` and `alice` are two accounts. They are
 * stored in Unicode NFC, so the same name typed on two keyboards (precomposed `é` or `e` plus a
 * combining accent) reaches the same account. Nothing is trimmed or folded; we only refuse
 * what cannot be shown or stored faithfully.
 */
export const MAX_USER_ID_LENGTH = 256;

export type UserIdCheck =
  | { ok: true; id: string }
  | { ok: false; reason: 'empty' | 'too_long' | 'control_characters' | 'invalid_unicode' };

/**
 * NFC composition shrinks text by at most a small factor (a Hangul syllable from three jamo),
 * so anything longer than this many UTF-16 units cannot fit and is refused before normalising.
 */
const MAX_RAW_UTF16_UNITS = MAX_USER_ID_LENGTH * 16;

/** A surrogate half outside a pair is not a character: it cannot be encoded in UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 controls, DEL and C1 controls (exactly the Unicode `Cc` category). */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Checks a user id as typed and returns its stored form (NFC, 1 to 256 code points). */
export function normalizeUserId(raw: string): UserIdCheck {
  if (raw.length === 0) return { ok: false, reason: 'empty' };
  if (raw.length > MAX_RAW_UTF16_UNITS) return { ok: false, reason: 'too_long' };
  if (LONE_SURROGATE.test(raw)) return { ok: false, reason: 'invalid_unicode' };
  if (CONTROL_CHARACTER.test(raw)) return { ok: false, reason: 'control_characters' };

  const id = raw.normalize('NFC');
  let codePoints = 0;
  for (const _ of id) {
    codePoints += 1;
    if (codePoints > MAX_USER_ID_LENGTH) return { ok: false, reason: 'too_long' };
  }
  return { ok: true, id };
}
