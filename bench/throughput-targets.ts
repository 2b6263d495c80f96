import { type BenchOptions, selected } from './options.js';
import {
  ceilingTarget,
  fastifyTarget,
  type Skipped,
  type ThroughputTarget,
  tokenauthTargets,
} from './scenarios.js';
import { startCeiling, startFastifyBaseline, startTokenauth } from './servers.js';
import { redisFor, type StoreSite, sqliteUrl } from './stores.js';

const STORES = ['memory', 'sqlite', 'redis'] as const;

async function storeUrl(site: StoreSite, store: (typeof STORES)[number], skipped: Skipped[]) {
  if (store === 'memory') return { url: 'memory:' };
  if (store === 'sqlite') return { url: sqliteUrl(site, 'throughput') };

  const redis = await redisFor(site);
  if (!redis) {
    skipped.push({ scenario: 'redis/*', reason: site.redisSkipReason ?? 'no redis-server' });
    return null;
  }
  return { url: redis.url, backendPid: redis.pid };
}

/** A store is started when `--only` could match one of its scenarios (e.g. `sqlite/verify`). */
function storeWanted(options: BenchOptions, store: string): boolean {
  const only = options.only;
  if (only === null) return true;
  return ['echo-form', 'echo-bearer', 'verify', 'rejected', 'login-open'].some((kind) =>
    `${store}/${kind}`.includes(only),
  );
}

/**
 * Starts every server of the round-robin and returns its targets, ceiling first. Targets
 * that cannot run (server missing, route not there yet) land in `skipped` with the reason.
 */
export async function throughputTargets(
  options: BenchOptions,
  site: StoreSite,
  skipped: Skipped[],
): Promise<ThroughputTarget[]> {
  const targets: ThroughputTarget[] = [];
  if (selected(options, 'fastify-echo')) targets.push(fastifyTarget(await startFastifyBaseline()));

  for (const store of STORES) {
    if (!storeWanted(options, store)) continue;
    const where = await storeUrl(site, store, skipped);
    if (!where) continue;
    try {
      const server = await startTokenauth(`tokenauth-${store}`, {
        store: where.url,
        trustedProxy: '127.0.0.1',
      });
      const found = await tokenauthTargets(store, server, where.backendPid);
      targets.push(...found.targets.filter((target) => selected(options, target.name)));
      skipped.push(...found.skipped.filter((skip) => selected(options, skip.scenario)));
    } catch (error) {
      skipped.push({
        scenario: `${store}/*`,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }

  if (targets.length === 0 && !selected(options, 'ceiling')) return targets;
  return [ceilingTarget(await startCeiling()), ...targets];
}
