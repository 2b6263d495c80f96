import { runAutocannon } from './autocannon-runner.js';
import { stopChild } from './children.js';
import { runLoad } from './load.js';
import { FORM_CONTENT_TYPE, type LoadRequest } from './load-types.js';
import { liveTokens, login } from './probe.js';
import { readRssBytes } from './proc-stats.js';
import { formatMs, formatRate, progress } from './progress.js';
import { type ServerProcess, startTokenauth } from './servers.js';

export interface ScaleStep {
  /** Tokens the step asked for (plus the one /echo uses). */
  readonly liveTokens: number;
  /** What the server's `tokenauth_live_tokens` gauge said; bytes per token divide by it. */
  readonly countedTokens: number | null;
  /** Tokens created for this step that did not get a 200 (should be 0). */
  readonly failedLogins: number;
  readonly loginsPerSecond: number;
  readonly rssBytes: number;
  /** (RSS now − RSS with one token) / live tokens. */
  readonly bytesPerToken: number;
  readonly echoRequestsPerSecond: number;
  readonly echoP50Ms: number;
  readonly echoP99Ms: number;
}

export interface ScaleResult {
  readonly baselineRssBytes: number;
  readonly steps: readonly ScaleStep[];
}

/** Pipelined, so creating a million tokens takes a minute, not ten. */
const FILL_CONNECTIONS = 50;
const FILL_PIPELINING = 8;

/**
 * The memory store as it fills: bytes per live token and `/echo` latency at each size.
 * Tokens are made the way users make them, through `POST /login`, one new account id each
 * (open mode keeps a user record per id, so the figure is per token with its account).
 */
export async function runMemoryScale(
  tokenCounts: readonly number[],
  durationSeconds: number,
  warmupSeconds: number,
): Promise<ScaleResult> {
  const server = await startTokenauth('tokenauth-memory-scale', { store: 'memory:' });
  try {
    return await fillAndMeasure(server, tokenCounts, durationSeconds, warmupSeconds);
  } finally {
    await stopChild(server.child);
  }
}

async function fillAndMeasure(
  server: ServerProcess,
  tokenCounts: readonly number[],
  durationSeconds: number,
  warmupSeconds: number,
): Promise<ScaleResult> {
  const token = await login(server.url, { id: 'bench-echo' });
  const echo: LoadRequest = {
    method: 'POST',
    url: `${server.url}/echo`,
    body: 'text=hello',
    headers: { 'content-type': FORM_CONTENT_TYPE, authorization: `Bearer ${token}` },
  };
  const fill: LoadRequest = {
    method: 'POST',
    url: `${server.url}/login`,
    body: 'id=fill-[<id>]',
    headers: { 'content-type': FORM_CONTENT_TYPE },
  };
  await runLoad(echo, { connections: 50, durationSeconds: warmupSeconds });
  const baselineRssBytes = readRssBytes(server.pid);

  const steps: ScaleStep[] = [];
  for (const wanted of tokenCounts) {
    const filled = await fillTo(server.url, fill, wanted);
    const rssBytes = readRssBytes(server.pid);
    const countedTokens = await liveTokens(server.url);
    const measured = await runLoad(echo, { connections: 50, durationSeconds });
    const step: ScaleStep = {
      liveTokens: wanted,
      countedTokens,
      failedLogins: filled.failedLogins,
      loginsPerSecond: filled.loginsPerSecond,
      rssBytes,
      bytesPerToken: (rssBytes - baselineRssBytes) / (countedTokens ?? wanted),
      echoRequestsPerSecond: measured.requestsPerSecond,
      echoP50Ms: measured.p50Ms,
      echoP99Ms: measured.p99Ms,
    };
    steps.push(step);
    progress(
      `memory-scale ${wanted.toLocaleString('en-US')} tokens ` +
        `(${countedTokens ?? '?'} counted)  ` +
        `(${formatRate(step.loginsPerSecond)} logins/s, ${step.failedLogins} failed)  ` +
        `${step.bytesPerToken.toFixed(0)} B/token  echo ${formatRate(step.echoRequestsPerSecond)} ` +
        `req/s p50 ${formatMs(step.echoP50Ms)} ms`,
    );
  }
  return { baselineRssBytes, steps };
}

/**
 * Logs in until the server holds `wanted` tokens. autocannon's generated ids repeat now and
 * then under pipelining (a repeated id replaces nothing, but is not a new token either), so
 * the gauge is read back and the gap topped up; without the gauge, one pass is trusted.
 */
async function fillTo(baseUrl: string, fill: LoadRequest, wanted: number) {
  let failedLogins = 0;
  let loginsPerSecond = Number.NaN;
  let missing = wanted - ((await liveTokens(baseUrl)) ?? 0);
  for (let pass = 0; pass < 4 && missing > 0; pass += 1) {
    // autocannon waits forever when it has fewer requests to send than connections.
    const connections = Math.min(FILL_CONNECTIONS, missing);
    const pipelining = missing >= connections * FILL_PIPELINING ? FILL_PIPELINING : 1;
    const result = await runAutocannon(
      fill,
      { connections, durationSeconds: 3600 },
      { amount: missing, pipelining, idReplacement: true },
    );
    failedLogins += result.non2xx + result.socketErrors;
    if (pass === 0) loginsPerSecond = result.requestsPerSecond;

    const counted = await liveTokens(baseUrl);
    if (counted === null) break;
    missing = wanted - counted;
  }
  return { failedLogins, loginsPerSecond };
}
