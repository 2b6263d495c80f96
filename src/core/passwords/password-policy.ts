import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The password rules of NIST SP 800-63B: a minimum length, a generous maximum, a block list of
 * known leaked passwords, and nothing else. No composition rules (they push people towards
 * `Password1!`), no truncation and no case folding: every character the user typed counts.
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export type PasswordCheck =
  | { ok: true }
  | { ok: false; reason: 'too_short' | 'too_long' | 'common' };

const LIST_NAME = 'common-passwords.txt';

/**
 * The compiled module runs from dist/src/core/passwords/ and the build does not copy text
 * files, so the list is looked for next to this module first, then in the source tree.
 */
const LIST_CANDIDATES = [
  new URL(`./${LIST_NAME}`, import.meta.url),
  new URL(`../../../../src/core/passwords/${LIST_NAME}`, import.meta.url),
];

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * Loads the block list (once; later calls return the same set). Call it at start-up so a
 * missing file stops the server there instead of failing the first registration.
 * It reads the file synchronously: about 120 kB, once per process.
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  if (commonPasswords) return commonPasswords;

  const file = findListFile();
  if (!file) throw new Error(`the common-password list ${LIST_NAME} was not found`);

  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  commonPasswords = new Set(entries);
  return commonPasswords;
}

/** Where the block list is read from, for start-up logs; undefined when it is missing. */
export function commonPasswordsPath(): string | undefined {
  const file = findListFile();
  return file ? fileURLToPath(file) : undefined;
}

function findListFile(): URL | undefined {
  return LIST_CANDIDATES.find((candidate) => existsSync(candidate));
}

/**
 * Checks a new password. Lengths count Unicode code points, so `ñ` or an emoji is one
 * character whatever its UTF-16 or UTF-8 size. The list is matched against the password as
 * typed, lowercased, and NFKC-normalised then lowercased (so full-width `ｐａｓｓｗｏｒｄ１` is
 * caught too).
 *
 * A lone surrogate half is accepted and counts as one character; it reaches the hash as
 * U+FFFD, so two passwords differing only in such halves are the same password.
 */
export function checkPassword(password: string): PasswordCheck {
  // Cheap bounds on UTF-16 units first: a code point takes one or two units.
  if (password.length > MAX_PASSWORD_LENGTH * 2) return { ok: false, reason: 'too_long' };
  if (password.length < MIN_PASSWORD_LENGTH) return { ok: false, reason: 'too_short' };

  const length = countCodePoints(password);
  if (length > MAX_PASSWORD_LENGTH) return { ok: false, reason: 'too_long' };
  if (length < MIN_PASSWORD_LENGTH) return { ok: false, reason: 'too_short' };

  const list = loadCommonPasswords();
  const forms = [password, password.toLowerCase(), password.normalize('NFKC').toLowerCase()];
  if (forms.some((form) => list.has(form))) return { ok: false, reason: 'common' };
  return { ok: true };
}

/** The number of Unicode code points, the unit users think in. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
