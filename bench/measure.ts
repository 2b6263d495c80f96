import { runLoad } from './load.js';
import type { LoadOptions, LoadRequest, LoadResult } from './load-types.js';
import { canReadProcStats, readCpuMs, readRssBytes } from './proc-stats.js';

/** One load run against one server, with what it cost that server. */
export interface Measurement extends LoadResult {
  /** Server CPU time (all its threads) per request, in microseconds; NaN without /proc. */
  readonly cpuUsPerRequest: number;
  /** CPU of a helper process (redis-server) per request, in microseconds, when there is one. */
  readonly backendCpuUsPerRequest?: number;
  /** Server resident memory at the end of the run, in bytes. */
  readonly rssBytes: number;
}

const procStats = canReadProcStats();

function cpuNow(pid: number | undefined): number {
  return procStats && pid !== undefined ? readCpuMs(pid) : Number.NaN;
}

export async function measure(
  serverPid: number,
  request: LoadRequest,
  options: LoadOptions,
  backendPid?: number,
): Promise<Measurement> {
  const serverBefore = cpuNow(serverPid);
  const backendBefore = cpuNow(backendPid);

  const load = await runLoad(request, options);

  const perRequestUs = (before: number, after: number) =>
    load.requests > 0 ? ((after - before) * 1000) / load.requests : Number.NaN;
  const serverCpu = perRequestUs(serverBefore, cpuNow(serverPid));
  const backendCpu = perRequestUs(backendBefore, cpuNow(backendPid));

  return {
    ...load,
    cpuUsPerRequest: serverCpu,
    ...(backendPid === undefined ? {} : { backendCpuUsPerRequest: backendCpu }),
    rssBytes: procStats ? readRssBytes(serverPid) : Number.NaN,
  };
}
