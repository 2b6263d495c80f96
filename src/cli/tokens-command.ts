import type { Command } from 'commander';
import { normalizeUserId } from '../core/user-ids.js';
import { storeOption, withStore } from './admin-store.js';
import { UsageError } from './usage-error.js';

/** `tokenauth tokens revoke --user ID`: an administrator ends every session of a user. */
export function addTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('administer issued tokens in the store');
  storeOption(
    tokens
      .command('revoke')
      .description('revoke every token of a user')
      .requiredOption('--user <id>', 'whose tokens to revoke'),
  ).action(async (flags: { user: string; store: string }) => {
    const checked = normalizeUserId(flags.user);
    if (!checked.ok) throw new UsageError(`--user is not a valid id (${checked.reason})`);
    await withStore(flags.store, async (store) => {
      const count = await store.deleteUserTokens(checked.id);
      process.stdout.write(`revoked ${count} tokens of ${checked.id}\n`);
    });
  });
}
