import { ECHO_SHARE, LOGIN_OPEN_SHARE } from './checks.js';
import type { BenchResults, Check } from './results.js';
import type { Bar } from './svg-chart.js';

/** The Markdown report (bench/results/latest.md), pasted into docs/performance.md. */

const fixed = (value: number | undefined, digits: number) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '—';
const whole = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
const mebibytes = (bytes: number) => fixed(bytes / 1024 / 1024, 0);

export function verdict(met: boolean | null): string {
  if (met === null) return 'not measured';
  return met ? '**met**' : '**not met**';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function checksFor(results: BenchResults, scenario: string): Check[] {
  return results.checks.filter((check) => check.scenario === scenario);
}

function throughputTable(results: BenchResults): string {
  const rows = results.throughput.map((s) => {
    const checks = checksFor(results, s.name);
    const cpu =
      s.backendCpuUsPerRequest === undefined
        ? fixed(s.cpuUsPerRequest, 0)
        : `${fixed(s.cpuUsPerRequest, 0)} + ${fixed(s.backendCpuUsPerRequest, 0)} redis`;
    return [
      `\`${s.name}\``,
      whole(s.requestsPerSecond),
      fixed(s.ratioToCeiling, 2),
      fixed(s.p50Ms, 2),
      fixed(s.p99Ms, 2),
      cpu,
      mebibytes(s.rssBytes),
      checks.map((c) => `${c.target}: ${verdict(c.met)}`).join('<br>') || '—',
    ];
  });
  return table(
    [
      'scenario',
      'req/s',
      'ratio to ceiling',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'RSS MiB',
      'target',
    ],
    rows,
  );
}

function passwordSection(results: BenchResults): string {
  const result = results.passwordLogin;
  if (!result) return '';
  const rows = result.rounds.map((round, index) => [
    String(index + 1),
    fixed(round.hashesPerSecond, 1),
    fixed(round.loginsPerSecond, 1),
    String(round.loginNon2xx),
    `${fixed(round.echoAloneP99Ms, 2)} (${whole(round.echoAloneRequestsPerSecond)} req/s)`,
    `${fixed(round.echoUnderLoginsP99Ms, 2)} (${whole(round.echoUnderLoginsRequestsPerSecond)} req/s)`,
    fixed(round.loginsPerSecondWithEcho, 1),
  ]);
  return [
    '### Password login (SQLite store)',
    '',
    table(
      [
        'round',
        'argon2id hashes/s',
        'logins/s',
        'non-2xx',
        '/echo p99 ms alone',
        '/echo p99 ms under logins',
        'logins/s with /echo',
      ],
      rows,
    ),
    '',
    `A login right after the runs answered ${result.statusAfterRuns}.`,
    '',
  ].join('\n');
}

function scaleSection(results: BenchResults): string {
  const result = results.memoryScale;
  if (!result) return '';
  const rows = result.steps.map((step) => [
    whole(step.liveTokens),
    whole(step.loginsPerSecond),
    String(step.failedLogins),
    mebibytes(step.rssBytes),
    fixed(step.bytesPerToken, 0),
    whole(step.echoRequestsPerSecond),
    fixed(step.echoP50Ms, 2),
    fixed(step.echoP99Ms, 2),
  ]);
  return [
    '### Memory store at scale',
    '',
    `RSS with one token: ${mebibytes(result.baselineRssBytes)} MiB.`,
    '',
    table(
      [
        'live tokens',
        'fill logins/s',
        'failed',
        'RSS MiB',
        'B/token',
        '/echo req/s',
        'p50 ms',
        'p99 ms',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

function startupSection(results: BenchResults): string {
  if (results.startup.length === 0) return '';
  const rows = results.startup.map((r) => [
    r.store,
    fixed(r.medianMs, 0),
    r.samplesMs.map((ms) => ms.toFixed(0)).join(', '),
  ]);
  return ['### Start to ready', '', table(['store', 'median ms', 'samples ms'], rows), ''].join(
    '\n',
  );
}

export function markdownReport(results: BenchResults): string {
  const { machine, settings } = results;
  const met = results.checks.filter((c) => c.met === true).length;
  const missed = results.checks.filter((c) => c.met === false).length;
  const unmeasured = results.checks.filter((c) => c.met === null).length;
  return [
    `## Benchmark run of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${machine.cpus} × ${machine.cpuModel}, ${mebibytes(machine.memoryBytes)} MiB, ` +
      `Node ${machine.node}, load by ${machine.loadCommand}. ` +
      `${settings.rounds} rounds of ${settings.durationSeconds} s, ${settings.connections} ` +
      `connections${settings.quick ? ', --quick' : ''}${settings.only ? `, --only ${settings.only}` : ''}. ` +
      'Medians over rounds.',
    '',
    `Targets: ${met} met, ${missed} not met, ${unmeasured} not measured.`,
    '',
    '### Throughput (ratio to the bare node:http ceiling of the same round)',
    '',
    throughputTable(results),
    '',
    passwordSection(results),
    scaleSection(results),
    startupSection(results),
    '### Every target',
    '',
    table(
      ['scenario', 'target', 'measured', 'result'],
      results.checks.map((c) => [c.scenario, c.target, c.measured, verdict(c.met)]),
    ),
    '',
    ...(results.skipped.length === 0
      ? []
      : [
          '### Not measured',
          '',
          ...results.skipped.map((s) => `- \`${s.scenario}\`: ${s.reason}`),
          '',
        ]),
  ].join('\n');
}

/** Bars for the chart: every throughput scenario but the ceiling, with its target mark. */
export function chartBars(results: BenchResults): Bar[] {
  const ratioOf = (name: string) => results.throughput.find((s) => s.name === name)?.ratioToCeiling;
  return results.throughput
    .filter((s) => s.name !== 'ceiling')
    .map((s) => {
      const [store = '', kind = ''] = s.name.split('/');
      let target: number | undefined;
      if (kind.startsWith('echo-')) target = ECHO_SHARE[store];
      if (kind === 'verify' || kind === 'rejected') target = ratioOf(`${store}/echo-bearer`);
      if (s.name === 'memory/login-open') target = LOGIN_OPEN_SHARE;
      return {
        label: s.name,
        ratio: s.ratioToCeiling,
        ...(target === undefined ? {} : { target }),
      };
    });
}
