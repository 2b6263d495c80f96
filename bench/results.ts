import type { ScaleResult } from './memory-scale.js';
import type { PasswordLoginResult } from './password-login.js';
import type { Skipped } from './scenarios.js';
import type { StartupResult } from './startup.js';
import type { ThroughputSummary } from './throughput.js';

/** One target of the issue, judged. `met` is null when the scenario could not run. */
export interface Check {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
}

/** Everything one run produced; written as bench/results/latest.json. */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpuModel: string;
    readonly cpus: number;
    readonly memoryBytes: number;
    readonly node: string;
    readonly loadTool: string;
    readonly loadCommand: string;
  };
  readonly settings: {
    readonly quick: boolean;
    readonly rounds: number;
    readonly durationSeconds: number;
    readonly connections: number;
    readonly only: string | null;
  };
  readonly throughput: readonly ThroughputSummary[];
  readonly passwordLogin: PasswordLoginResult | null;
  readonly memoryScale: ScaleResult | null;
  readonly startup: readonly StartupResult[];
  readonly skipped: readonly Skipped[];
  /** Things that make a figure doubtful, e.g. a target that stopped answering as expected. */
  readonly notes: readonly string[];
  readonly checks: readonly Check[];
}
