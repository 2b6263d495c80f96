import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ServerConfig } from '../config/server-config.js';
import { type MetricsListener, startMetricsListener } from './metrics-endpoint.js';

/**
 * In a cluster worker: answers the primary's requests for this process's figures. prom-client
 * installs the worker's side of the exchange when an AggregatorRegistry is constructed.
 */
export function shareMetricsWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
}

/**
 * In the cluster primary: serves `--metrics-port` with the figures of every worker merged
 * (counters and histograms summed; each gauge says how it merges), so one scrape sees the
 * whole server and not whichever worker the kernel picked.
 */
export function startClusterMetricsListener(
  config: ServerConfig,
  port: number,
  logger: Logger,
): Promise<MetricsListener> {
  const aggregator = new AggregatorRegistry();
  return startMetricsListener(
    { host: config.metricsHost, port, metricsToken: config.metricsToken },
    { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() },
    logger,
  );
}
