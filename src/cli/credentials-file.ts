import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedLogin {
  readonly id: string;
  readonly token: string;
  readonly savedAt: string;
}

type CredentialsFile = { servers: Record<string, SavedLogin> };

/**
 * Where `tokenauth login` keeps tokens: `$TOKENAUTH_CREDENTIALS`, else
 * `$XDG_CONFIG_HOME/tokenauth/credentials.json`, else `~/.config/tokenauth/credentials.json`.
 * The file is readable by its owner only (0600, in a 0700 folder).
 */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOKENAUTH_CREDENTIALS) return env.TOKENAUTH_CREDENTIALS;
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(configHome, 'tokenauth', 'credentials.json');
}

export async function loadSavedLogin(serverUrl: string): Promise<SavedLogin | null> {
  const file = await readCredentials();
  return file.servers[normalizeUrl(serverUrl)] ?? null;
}

export async function saveLogin(serverUrl: string, login: SavedLogin): Promise<void> {
  const file = await readCredentials();
  file.servers[normalizeUrl(serverUrl)] = login;
  await writeCredentials(file);
}

export async function forgetLogin(serverUrl: string): Promise<void> {
  const file = await readCredentials();
  delete file.servers[normalizeUrl(serverUrl)];
  await writeCredentials(file);
}

async function readCredentials(): Promise<CredentialsFile> {
  try {
    const parsed = JSON.parse(
      await readFile(credentialsPath(), 'utf8'),
    ) as Partial<CredentialsFile>;
    return { servers: { ...(parsed.servers ?? {}) } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new Error(`cannot read the credentials file ${credentialsPath()}`);
  }
}

/** Written to a temporary file first and renamed, so a crash never leaves half a file. */
async function writeCredentials(file: CredentialsFile): Promise<void> {
  const path = credentialsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

function normalizeUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
