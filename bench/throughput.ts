import { type Measurement, measure } from './measure.js';
import { formatMs, formatRate, progress } from './progress.js';
import type { ThroughputTarget } from './scenarios.js';
import { median } from './stats.js';

export interface RoundMeasurement extends Measurement {
  readonly round: number;
  /** This target's requests per second over the ceiling's in the same round. */
  readonly ratioToCeiling: number;
}

export interface ThroughputSummary {
  readonly name: string;
  readonly rounds: readonly RoundMeasurement[];
  /** Medians over the rounds. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  readonly backendCpuUsPerRequest?: number;
  readonly rssBytes: number;
  readonly ratioToCeiling: number;
  /** Answers that were not the expected status, over all rounds (should be 0). */
  readonly unexpectedAnswers: number;
}

export interface ThroughputSettings {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
}

/**
 * Measures every target once per round, in the same order each round, so slow drift of the
 * machine (other tenants, thermal limits) hits all targets alike. The ceiling comes first in
 * the list, and each ratio uses the ceiling of its own round.
 */
export async function runThroughput(
  targets: readonly ThroughputTarget[],
  settings: ThroughputSettings,
): Promise<ThroughputSummary[]> {
  const loadOptions = { connections: settings.connections };

  for (const target of targets) {
    progress(`warm-up ${target.name} (${settings.warmupSeconds} s)`);
    await measure(target.server.pid, target.request, {
      ...loadOptions,
      durationSeconds: settings.warmupSeconds,
    });
  }

  const byTarget = new Map<string, RoundMeasurement[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= settings.rounds; round += 1) {
    let ceilingRate = Number.NaN;
    for (const target of targets) {
      const result = await measure(
        target.server.pid,
        target.request,
        { ...loadOptions, durationSeconds: settings.durationSeconds },
        target.backendPid,
      );
      if (target.name === 'ceiling') ceilingRate = result.requestsPerSecond;
      const ratioToCeiling = result.requestsPerSecond / ceilingRate;
      byTarget.get(target.name)?.push({ ...result, round, ratioToCeiling });
      progress(
        `round ${round}/${settings.rounds} ${target.name.padEnd(20)} ` +
          `${formatRate(result.requestsPerSecond).padStart(7)} req/s  ` +
          `p50 ${formatMs(result.p50Ms)} ms  p99 ${formatMs(result.p99Ms)} ms  ` +
          `ratio ${ratioToCeiling.toFixed(2)}${unexpectedNote(target, result)}`,
      );
    }
  }

  return targets.map((target) => summarize(target, byTarget.get(target.name) ?? []));
}

function unexpectedCount(target: ThroughputTarget, result: Measurement): number {
  const wrongStatus = target.expectStatus < 400 ? result.non2xx : result.requests - result.non2xx;
  return wrongStatus + result.socketErrors;
}

function unexpectedNote(target: ThroughputTarget, result: Measurement): string {
  const count = unexpectedCount(target, result);
  return count === 0 ? '' : `  (${count} unexpected answers or errors)`;
}

function summarize(target: ThroughputTarget, rounds: RoundMeasurement[]): ThroughputSummary {
  const of = (pick: (m: RoundMeasurement) => number) => median(rounds.map(pick));
  const backend = of((m) => m.backendCpuUsPerRequest ?? Number.NaN);
  return {
    name: target.name,
    rounds,
    requestsPerSecond: of((m) => m.requestsPerSecond),
    p50Ms: of((m) => m.p50Ms),
    p99Ms: of((m) => m.p99Ms),
    cpuUsPerRequest: of((m) => m.cpuUsPerRequest),
    ...(Number.isNaN(backend) ? {} : { backendCpuUsPerRequest: backend }),
    rssBytes: of((m) => m.rssBytes),
    ratioToCeiling: of((m) => m.ratioToCeiling),
    unexpectedAnswers: rounds.reduce((sum, m) => sum + unexpectedCount(target, m), 0),
  };
}
