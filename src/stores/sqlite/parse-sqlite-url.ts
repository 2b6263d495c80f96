const SCHEME = 'sqlite:';
const EXAMPLE = 'sqlite:./tokenauth.db or sqlite:/var/lib/tokenauth/tokenauth.db';

/**
 * The file path in a `sqlite:PATH` store URL. The path is taken literally (no percent
 * decoding) and may be relative to the working directory. `sqlite:///abs/path` is accepted
 * as the absolute path; `sqlite://name` is refused because it would silently mean `/name`.
 */
export function parseSqliteUrl(url: string): string {
  if (!url.startsWith(SCHEME)) {
    throw new Error(`a sqlite store URL starts with "${SCHEME}", e.g. ${EXAMPLE}`);
  }

  let path = url.slice(SCHEME.length);
  if (path.startsWith('///')) path = path.slice(2);
  else if (path.startsWith('//')) {
    throw new Error(`a sqlite store URL has no host part; write it as ${EXAMPLE}`);
  }

  if (path.trim() === '') {
    throw new Error(`the sqlite store URL names no file; write it as ${EXAMPLE}`);
  }
  return path;
}
