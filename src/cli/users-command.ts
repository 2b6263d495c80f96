import type { Command } from 'commander';
import { type AccountFailure, Accounts } from '../core/accounts.js';
import { systemClock } from '../core/clock.js';
import { PasswordHasher } from '../core/passwords/password-hasher.js';
import type { Store } from '../stores/store.js';
import { storeOption, withStore } from './admin-store.js';
import { readPassword } from './read-password.js';
import { CommandFailure } from './usage-error.js';

interface StoreFlags {
  store: string;
  passwordStdin?: boolean;
}

/** `tokenauth users add|list|remove|passwd|disable|enable`, straight against the store. */
export function addUsersCommand(program: Command): void {
  const users = program.command('users').description('manage user accounts in the store');

  storeOption(users.command('add').argument('<id>').description('add a user (asks for a password)'))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (id: string, flags: StoreFlags) => {
      const password = await askPassword(id, flags);
      await withAccounts(flags.store, async (accounts) => {
        const result = await accounts.addUser(id, password);
        if (!result.ok) throw failure(result);
        say(`added user ${result.userId}`);
      });
    });

  storeOption(users.command('passwd').argument('<id>').description("change a user's password"))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (id: string, flags: StoreFlags) => {
      const password = await askPassword(id, flags);
      await withAccounts(flags.store, async (accounts) => {
        const result = await accounts.changePassword(id, password);
        if (!result.ok) throw failure(result);
        say(`changed the password of ${result.userId}; revoked ${result.revokedTokens} tokens`);
      });
    });

  storeOption(users.command('list').description('list users')).action(async (flags: StoreFlags) => {
    await withAccounts(flags.store, async (accounts) => {
      for (const user of await accounts.listUsers()) {
        const state = user.disabled ? 'disabled' : 'enabled';
        say(`${user.id}\t${state}\tcreated ${new Date(user.createdAtMs).toISOString()}`);
      }
    });
  });

  for (const [name, describe] of [
    ['remove', 'remove a user and revoke their tokens'],
    ['disable', 'disable a user and revoke their tokens'],
    ['enable', 'enable a disabled user'],
  ] as const) {
    storeOption(users.command(name).argument('<id>').description(describe)).action(
      async (id: string, flags: StoreFlags) => {
        await withAccounts(flags.store, async (accounts) => {
          const result =
            name === 'remove'
              ? await accounts.removeUser(id)
              : name === 'disable'
                ? await accounts.disableUser(id)
                : await accounts.enableUser(id);
          if (!result.ok) throw failure(result);
          const revoked =
            'revokedTokens' in result ? `; revoked ${result.revokedTokens} tokens` : '';
          say(`${name}d user ${result.userId}${revoked}`);
        });
      },
    );
  }
}

async function askPassword(id: string, flags: StoreFlags): Promise<string> {
  return readPassword({
    fromStdin: flags.passwordStdin === true,
    prompt: `New password for ${id}: `,
  });
}

async function withAccounts(
  url: string,
  action: (accounts: Accounts, store: Store) => Promise<void>,
) {
  await withStore(url, async (store) => {
    const hasher = new PasswordHasher({ maxConcurrent: 1, maxQueued: 1 });
    await action(new Accounts({ store, hasher, clock: systemClock }), store);
  });
}

function failure(result: AccountFailure): CommandFailure {
  return new CommandFailure(result.detail ?? result.reason.replaceAll('_', ' '));
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
