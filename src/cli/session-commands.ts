import type { Command } from 'commander';
import { AuthClient } from '../client/auth-client.js';
import { AuthClientError, InvalidTokenError } from '../client/errors.js';
import { forgetLogin, loadSavedLogin, saveLogin } from './credentials-file.js';
import { readPassword } from './read-password.js';
import { CommandFailure } from './usage-error.js';

const DEFAULT_URL = process.env.TOKENAUTH_URL ?? 'http://127.0.0.1:5000';

/** `login`, `echo`, `me`, `sessions` and `logout`: a user's view of a running server. */
export function addSessionCommands(program: Command): void {
  program
    .command('login')
    .description('log in and keep the token in your credentials file')
    .requiredOption('--id <id>', 'your id')
    .option('--url <url>', 'server URL [env TOKENAUTH_URL]', DEFAULT_URL)
    .option('--open', 'the server is in open (lab) mode: send no password')
    .option('--password-stdin', 'read the password from standard input')
    .action(
      async (options: { id: string; url: string; open?: boolean; passwordStdin?: boolean }) => {
        const client = new AuthClient({ baseUrl: options.url });
        const password = options.open
          ? undefined
          : await readPassword({
              fromStdin: options.passwordStdin === true,
              prompt: `Password for ${options.id}: `,
            });
        const result = await run(() => client.login(options.id, password));
        await saveLogin(options.url, {
          id: options.id,
          token: result.token,
          savedAt: new Date().toISOString(),
        });
        process.stdout.write(
          `Logged in as ${options.id} (token valid for ${result.expiresInSeconds} s)\n`,
        );
      },
    );

  program
    .command('echo')
    .description('call POST /echo with your saved token')
    .argument('<text>', 'what to say')
    .option('--url <url>', 'server URL [env TOKENAUTH_URL]', DEFAULT_URL)
    .action(async (text: string, options: { url: string }) => {
      const client = await savedClient(options.url);
      process.stdout.write(`${await run(() => client.echo(text))}\n`);
    });

  program
    .command('me')
    .description('show who your saved token belongs to')
    .option('--url <url>', 'server URL [env TOKENAUTH_URL]', DEFAULT_URL)
    .action(async (options: { url: string }) => {
      const client = await savedClient(options.url);
      const me = await run(() => client.me());
      process.stdout.write(`${me.id} (token expires ${me.expires_at})\n`);
    });

  program
    .command('sessions')
    .description('list your live sessions')
    .option('--url <url>', 'server URL [env TOKENAUTH_URL]', DEFAULT_URL)
    .action(async (options: { url: string }) => {
      const client = await savedClient(options.url);
      for (const session of await run(() => client.sessions())) {
        const fields = [
          session.current ? '*' : ' ',
          session.id,
          `created ${session.created_at}`,
          `last used ${session.last_used_at}`,
          `expires ${session.expires_at}`,
          session.client_address,
          session.user_agent,
        ];
        process.stdout.write(`${fields.join('  ')}\n`);
      }
    });

  program
    .command('logout')
    .description('revoke your saved token (or, with --all, every token of yours)')
    .option('--url <url>', 'server URL [env TOKENAUTH_URL]', DEFAULT_URL)
    .option('--all', 'revoke every token of yours, on every device')
    .action(async (options: { url: string; all?: boolean }) => {
      const client = await savedClient(options.url);
      if (options.all) {
        const count = await run(() => client.logoutAll(), {
          // The saved token is dead: keep no useless token, and say what would work.
          onInvalidToken: () => forgetLogin(options.url),
          hint: 'log in again to revoke your other sessions',
        });
        process.stdout.write(`Logged out everywhere (${count} tokens revoked)\n`);
      } else {
        await run(() => client.logout());
        process.stdout.write('Logged out\n');
      }
      await forgetLogin(options.url);
    });
}

async function savedClient(url: string): Promise<AuthClient> {
  const saved = await loadSavedLogin(url);
  if (!saved)
    throw new CommandFailure(
      `not logged in to ${url}: run \`tokenauth login --url ${url} --id ID\``,
    );
  return new AuthClient({ baseUrl: url, token: saved.token });
}

/** Turns the client's typed errors into one-line messages for the terminal. */
async function run<T>(
  action: () => Promise<T>,
  whenInvalid?: { onInvalidToken: () => Promise<void>; hint: string },
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof AuthClientError)) throw error;

    let message = `${error.message}${error.status ? ` (HTTP ${error.status})` : ''}`;
    if (error instanceof InvalidTokenError && whenInvalid) {
      await whenInvalid.onInvalidToken();
      message += `: ${whenInvalid.hint}`;
    }
    throw new CommandFailure(message);
  }
}
