import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Run only scenarios whose name contains this text (the ceiling always runs with them). */
  readonly only: string | null;
  /** Live-token counts for the memory-scale scenario. */
  readonly tokenCounts: readonly number[];
  readonly startupRepeats: number;
}

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--duration S] [--only NAME]

  --quick        about a minute or two: fewer rounds, shorter runs, fewer tokens
  --rounds N     measurement rounds over all targets (default 5, quick 2)
  --duration S   whole seconds per measurement (default 3, quick 2)
  --only NAME    only scenarios whose name contains NAME, e.g. memory, sqlite/verify,
                 fastify, password, scale, startup
  --connections N  concurrent connections (default 50)
`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  // wrk takes whole seconds only.
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Flags, plus `npm run bench --quick`, which npm turns into npm_config_quick=true. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      connections: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  const quick = values.quick || env.npm_config_quick === 'true';
  const durationSeconds = positive('duration', values.duration, quick ? 2 : 3);
  return Object.freeze({
    quick,
    rounds: positive('rounds', values.rounds, quick ? 2 : 5),
    durationSeconds,
    warmupSeconds: quick ? 1 : 2,
    connections: positive('connections', values.connections, 50),
    only: values.only ?? null,
    tokenCounts: quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000],
    startupRepeats: quick ? 3 : 7,
  });
}

export function selected(options: BenchOptions, scenario: string): boolean {
  return options.only === null || scenario.includes(options.only);
}
