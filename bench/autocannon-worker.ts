import autocannon from 'autocannon';
import type { LoadResult } from './load-types.js';

/**
 * Runs autocannon in its own process, so the load generator never shares a core's event loop
 * with the harness. Input: one JSON argument (autocannon options). Output: one JSON line.
 */
type Settings = Parameters<typeof autocannon>[0] & { spreadForwardedFor?: boolean };
const { spreadForwardedFor, ...options } = JSON.parse(process.argv[2] ?? '{}') as Settings;

const octet = () => Math.floor(Math.random() * 256);
const spread = {
  requests: [
    {
      setupRequest: (request: { headers?: Record<string, string> }) => ({
        ...request,
        headers: { ...request.headers, 'x-forwarded-for': `10.${octet()}.${octet()}.${octet()}` },
      }),
    },
  ],
};
const result = await autocannon(spreadForwardedFor ? { ...options, ...spread } : options);

const summary: LoadResult = {
  requests: result.requests.total,
  durationSeconds: result.duration,
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  non2xx: result.non2xx,
  socketErrors: result.errors + result.timeouts,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
