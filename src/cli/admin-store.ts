import type { Command } from 'commander';
import { createLogger } from '../server/logger.js';
import { describeStoreUrl, openStore } from '../stores/open-store.js';
import { type Store, StoreUnavailableError } from '../stores/store.js';
import { CommandFailure } from './usage-error.js';

export const DEFAULT_STORE = process.env.TOKENAUTH_STORE ?? 'sqlite:./tokenauth.db';

export function storeOption(command: Command): Command {
  return command.option('--store <url>', 'store URL [env TOKENAUTH_STORE]', DEFAULT_STORE);
}

/**
 * Opens the store for one administrative command, runs it, and closes the store. An
 * unreachable store becomes a one-line failure that names the store without its credentials.
 */
export async function withStore<T>(url: string, action: (store: Store) => Promise<T>): Promise<T> {
  const logger = createLogger('error', process.stderr);
  let store: Store | undefined;
  try {
    store = await openStore(url, logger);
    await store.ping();
  } catch (error) {
    // A store that opened but does not answer (Redis down) would otherwise keep reconnecting.
    await store?.close().catch(() => undefined);
    throw new CommandFailure(`cannot use the store ${describeStoreUrl(url)}: ${reasonOf(error)}`);
  }
  try {
    return await action(store);
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      throw new CommandFailure(`the store ${describeStoreUrl(url)} stopped answering`);
    }
    throw error;
  } finally {
    await store.close();
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof StoreUnavailableError) return 'it does not answer';
  return error instanceof Error ? error.message : 'unknown error';
}
