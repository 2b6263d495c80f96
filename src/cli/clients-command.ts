import type { Command } from 'commander';
import {
  ApiClients,
  type ClientFailure,
  isValidClientName,
  type SecretResult,
} from '../core/api-clients.js';
import { systemClock } from '../core/clock.js';
import { storeOption, withStore } from './admin-store.js';
import { CommandFailure, UsageError } from './usage-error.js';

interface StoreFlags {
  store: string;
  revokeOld?: boolean;
}

/**
 * `tokenauth clients add|rotate|remove|list`: the API clients that may call /introspect and
 * /revoke. A new secret goes alone to standard output, so `secret=$(tokenauth clients add x)`
 * captures exactly it; the reminder to store it goes to standard error.
 */
export function addClientsCommand(program: Command): void {
  const clients = program
    .command('clients')
    .description('manage API clients for token introspection and revocation');

  storeOption(
    clients.command('add').argument('<name>').description('add a client and print its secret'),
  ).action(async (name: string, flags: StoreFlags) => {
    checkName(name);
    await withClients(flags.store, async (apiClients) => {
      printSecret(await apiClients.addClient(name), name, `added API client ${name}`);
    });
  });

  storeOption(
    clients
      .command('rotate')
      .argument('<name>')
      .description('issue a new secret; the previous one keeps working until the next rotation')
      .option('--revoke-old', 'make every earlier secret stop working now (for a leaked one)'),
  ).action(async (name: string, flags: StoreFlags) => {
    checkName(name);
    await withClients(flags.store, async (apiClients) => {
      const keepPrevious = flags.revokeOld !== true;
      const note = keepPrevious ? 'the previous secret still works' : 'earlier secrets revoked';
      const result = await apiClients.rotateSecret(name, { keepPrevious });
      printSecret(result, name, `rotated the secret of ${name}; ${note}`);
    });
  });

  storeOption(
    clients.command('remove').argument('<name>').description('remove a client and its secrets'),
  ).action(async (name: string, flags: StoreFlags) => {
    checkName(name);
    await withClients(flags.store, async (apiClients) => {
      const result = await apiClients.removeClient(name);
      if (!result.ok) throw failure(result, name);
      process.stdout.write(`removed API client ${name}\n`);
    });
  });

  storeOption(clients.command('list').description('list clients')).action(
    async (flags: StoreFlags) => {
      await withClients(flags.store, async (apiClients) => {
        for (const client of await apiClients.listClients()) {
          const created = new Date(client.createdAtMs).toISOString();
          const secrets = `${client.liveSecrets} secret${client.liveSecrets === 1 ? '' : 's'}`;
          process.stdout.write(`${client.name}\t${secrets}\tcreated ${created}\n`);
        }
      });
    },
  );
}

const NAME_RULE = 'a client name is 1 to 64 of the characters A-Z a-z 0-9 . _ -';

/** Checked before the store is opened, so a typo is a usage error (exit 2) at once. */
function checkName(name: string): void {
  if (!isValidClientName(name)) throw new UsageError(NAME_RULE);
}

async function withClients(url: string, action: (clients: ApiClients) => Promise<void>) {
  await withStore(url, (store) => action(new ApiClients({ store, clock: systemClock })));
}

function printSecret(result: SecretResult, name: string, summary: string): void {
  if (!result.ok) throw failure(result, name);
  process.stderr.write(`${summary}\nStore this secret now: it is shown only once.\n`);
  process.stdout.write(`${result.secret}\n`);
}

function failure(result: ClientFailure, name: string): Error {
  switch (result.reason) {
    case 'invalid_name':
      return new UsageError(NAME_RULE);
    case 'name_taken':
      return new CommandFailure(`an API client with this name already exists: ${name}`);
    case 'unknown_client':
      return new CommandFailure(`no API client named ${name}`);
  }
}
