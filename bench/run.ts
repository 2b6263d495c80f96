import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { judge } from './checks.js';
import { killAllChildrenNow, stopAllChildren, stopChild } from './children.js';
import { loadTool } from './load.js';
import { runMemoryScale, type ScaleResult } from './memory-scale.js';
import { type BenchOptions, parseOptions, selected } from './options.js';
import { type PasswordLoginResult, runPasswordLogin } from './password-login.js';
import { progress } from './progress.js';
import { chartBars, markdownReport, verdict } from './report.js';
import type { BenchResults } from './results.js';
import { checkTarget, type Skipped } from './scenarios.js';
import { measureStartup, type StartupResult } from './startup.js';
import { closeSite, openSite, type StoreSite, sqliteUrl } from './stores.js';
import { ratioChart } from './svg-chart.js';
import { runThroughput, type ThroughputSummary } from './throughput.js';
import { throughputTargets } from './throughput-targets.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Collected {
  throughput: ThroughputSummary[];
  passwordLogin: PasswordLoginResult | null;
  memoryScale: ScaleResult | null;
  startup: StartupResult[];
  skipped: Skipped[];
  notes: string[];
}

async function collectThroughput(options: BenchOptions, site: StoreSite, out: Collected) {
  const targets = await throughputTargets(options, site, out.skipped);
  for (const skip of out.skipped) progress(`skip ${skip.scenario}: ${skip.reason}`);
  if (targets.length === 0) return;

  out.throughput = await runThroughput(targets, options);
  // Throttles or eviction could change answers mid-run; say so rather than trust the figure.
  for (const target of targets) {
    const reason = await checkTarget(target);
    if (reason !== null) out.notes.push(`${target.name} after the runs: ${reason}`);
  }
  const servers = new Set(targets.map((target) => target.server.child));
  await Promise.all([...servers].map((child) => stopChild(child)));
}

async function collectOthers(options: BenchOptions, site: StoreSite, out: Collected) {
  const attempt = async <T>(scenario: string, work: () => Promise<T>): Promise<T | null> => {
    if (!selected(options, scenario)) return null;
    try {
      return await work();
    } catch (error) {
      out.skipped.push({ scenario, reason: reasonOf(error) });
      progress(`skip ${scenario}: ${reasonOf(error)}`);
      return null;
    }
  };

  out.passwordLogin = await attempt('password-login', () =>
    runPasswordLogin(sqliteUrl(site, 'password'), options.rounds, options.durationSeconds),
  );
  out.memoryScale = await attempt('memory-scale', () =>
    runMemoryScale(options.tokenCounts, options.durationSeconds, options.warmupSeconds),
  );
  for (const store of ['memory', 'sqlite']) {
    const url = () => (store === 'memory' ? 'memory:' : sqliteUrl(site, 'startup'));
    const result = await attempt(`startup/${store}`, () =>
      measureStartup(store, url, options.startupRepeats),
    );
    if (result) out.startup.push(result);
  }
}

function writeOutputs(results: BenchResults): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${RESULTS_DIR}latest.md`, markdownReport(results));
  const chart = ratioChart('Requests per second, ratio to bare node:http', chartBars(results));
  writeFileSync(`${RESULTS_DIR}ratios.svg`, chart);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const startedAt = new Date().toISOString();
  const tool = loadTool();
  progress(`load: ${tool}; ${options.rounds} rounds of ${options.durationSeconds} s`);

  const site = openSite();
  const out: Collected = {
    throughput: [],
    passwordLogin: null,
    memoryScale: null,
    startup: [],
    skipped: [],
    notes: [],
  };
  try {
    await collectThroughput(options, site, out);
    await collectOthers(options, site, out);
  } finally {
    await stopAllChildren();
    await closeSite(site);
  }

  const cpu = cpus();
  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cpus: cpu.length,
      memoryBytes: totalmem(),
      node: process.version,
      loadTool: tool,
      loadCommand: tool === 'wrk' ? 'wrk (1 thread per 4 cores)' : 'autocannon (own process)',
    },
    settings: {
      quick: options.quick,
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      only: options.only,
    },
    ...out,
    checks: judge(out),
  };
  writeOutputs(results);

  for (const check of results.checks) {
    process.stdout.write(
      `${verdict(check.met).replaceAll('*', '').padEnd(12)} ${check.scenario}: ` +
        `${check.target} (measured ${check.measured})\n`,
    );
  }
  for (const note of out.notes) process.stdout.write(`note: ${note}\n`);
  progress(`wrote ${RESULTS_DIR}latest.{json,md} and ratios.svg`);
}

process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    progress(`${signal}: stopping every child process`);
    killAllChildrenNow();
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  progress(`failed: ${reasonOf(error)}`);
  process.exitCode = 1;
});
