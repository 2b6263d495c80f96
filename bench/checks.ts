import type { ScaleResult } from './memory-scale.js';
import type { PasswordLoginResult } from './password-login.js';
import type { Check } from './results.js';
import type { Skipped } from './scenarios.js';
import type { StartupResult } from './startup.js';
import type { ThroughputSummary } from './throughput.js';

/** The targets, judged against one run's medians. */

export const ECHO_SHARE: Readonly<Record<string, number>> = {
  memory: 0.65,
  sqlite: 0.55,
  redis: 0.35,
};
const STORES = ['memory', 'sqlite', 'redis'] as const;
export const LOGIN_OPEN_SHARE = 0.45;
const PASSWORD_SHARE_OF_HASHING = 0.9;
const ECHO_P99_GROWTH_LIMIT = 3;
const BYTES_PER_TOKEN_LIMIT = 400;
const ECHO_P50_DRIFT_LIMIT = 0.2;
const STARTUP_LIMIT_MS = 500;
/** Smallest token count whose RSS delta is large enough to mean something per token. */
const MIN_TOKENS_FOR_BYTES = 100_000;
/**
 * Two streams measured a few seconds apart differ by a few per cent on an idle machine; a
 * comparison "no slower than" is judged met within this margin, and says so.
 */
const NOISE = 0.03;

interface Inputs {
  readonly throughput: readonly ThroughputSummary[];
  readonly passwordLogin: PasswordLoginResult | null;
  readonly memoryScale: ScaleResult | null;
  readonly startup: readonly StartupResult[];
  readonly skipped: readonly Skipped[];
}

const ratio = (value: number) => value.toFixed(2);

function skipReason(inputs: Inputs, scenario: string): string {
  const store = scenario.split('/')[0];
  const skip = inputs.skipped.find((s) => s.scenario === scenario || s.scenario === `${store}/*`);
  return skip ? `not measured: ${skip.reason}` : 'not measured (not selected)';
}

function throughputChecks(inputs: Inputs): Check[] {
  const find = (name: string) => inputs.throughput.find((summary) => summary.name === name);
  const checks: Check[] = [];
  const missing = (scenario: string, target: string): Check => ({
    scenario,
    target,
    measured: skipReason(inputs, scenario),
    met: null,
  });

  for (const store of STORES) {
    const share = ECHO_SHARE[store] ?? 1;
    for (const kind of ['echo-form', 'echo-bearer']) {
      const name = `${store}/${kind}`;
      const target = `≥ ${share} × ceiling`;
      const found = find(name);
      checks.push(
        found
          ? {
              scenario: name,
              target,
              measured: ratio(found.ratioToCeiling),
              met: found.ratioToCeiling >= share,
            }
          : missing(name, target),
      );
    }

    const echo = find(`${store}/echo-bearer`);
    for (const [kind, label] of [
      ['verify', '≥ /echo (Bearer) rate, same store'],
      ['rejected', 'no slower than accepted /echo (Bearer)'],
    ] as const) {
      const name = `${store}/${kind}`;
      const target = `${label}, ${NOISE * 100}% noise margin`;
      const found = find(name);
      if (!found || !echo) {
        const absent = found ? `${store}/echo-bearer` : name;
        checks.push({ scenario: name, target, measured: skipReason(inputs, absent), met: null });
        continue;
      }
      const share = found.requestsPerSecond / echo.requestsPerSecond;
      checks.push({
        scenario: name,
        target,
        measured: `${ratio(share)} × /echo`,
        met: share >= 1 - NOISE,
      });
    }
  }

  const login = find('memory/login-open');
  const loginTarget = `≥ ${LOGIN_OPEN_SHARE} × ceiling`;
  checks.push(
    login
      ? {
          scenario: 'memory/login-open',
          target: loginTarget,
          measured: ratio(login.ratioToCeiling),
          met: login.ratioToCeiling >= LOGIN_OPEN_SHARE,
        }
      : missing('memory/login-open', loginTarget),
  );
  return checks;
}

function passwordChecks(inputs: Inputs): Check[] {
  const result = inputs.passwordLogin;
  const rateTarget = `≥ ${PASSWORD_SHARE_OF_HASHING} × argon2id loop rate`;
  const p99Target = `/echo p99 ≤ ${ECHO_P99_GROWTH_LIMIT} × its p99 without logins`;
  if (!result) {
    const measured = skipReason(inputs, 'password-login');
    return [
      { scenario: 'password-login', target: rateTarget, measured, met: null },
      { scenario: 'password-login', target: p99Target, measured, met: null },
    ];
  }
  const growth = result.echoUnderLoginsP99Ms / result.echoAloneP99Ms;
  return [
    {
      scenario: 'password-login',
      target: rateTarget,
      measured:
        `${ratio(result.ratioToHashing)} (${result.loginsPerSecond.toFixed(1)} logins/s, ` +
        `${result.hashesPerSecond.toFixed(1)} hashes/s)`,
      met: result.ratioToHashing >= PASSWORD_SHARE_OF_HASHING,
    },
    {
      scenario: 'password-login',
      target: p99Target,
      measured:
        `${growth.toFixed(1)}× (${result.echoAloneP99Ms.toFixed(1)} → ` +
        `${result.echoUnderLoginsP99Ms.toFixed(1)} ms)`,
      met: growth <= ECHO_P99_GROWTH_LIMIT,
    },
  ];
}

function scaleChecks(inputs: Inputs): Check[] {
  const steps = inputs.memoryScale?.steps ?? [];
  const first = steps[0];
  const last = steps.at(-1);
  if (!first || !last) {
    const measured = skipReason(inputs, 'memory-scale');
    return [
      {
        scenario: 'memory-scale',
        target: `≤ ${BYTES_PER_TOKEN_LIMIT} B per live token`,
        measured,
        met: null,
      },
      { scenario: 'memory-scale', target: '/echo p50 within 20%', measured, met: null },
    ];
  }

  const checks: Check[] = steps.map((step) => {
    const scenario = `memory-scale ${step.liveTokens.toLocaleString('en-US')}`;
    const target = `≤ ${BYTES_PER_TOKEN_LIMIT} B per live token`;
    const measured = `${step.bytesPerToken.toFixed(0)} B`;
    if (step.failedLogins > 0) {
      return {
        scenario,
        target,
        measured: `${measured}, but ${step.failedLogins} logins failed`,
        met: false,
      };
    }
    if (step.liveTokens < MIN_TOKENS_FOR_BYTES) {
      return { scenario, target, measured: `${measured} (too few tokens to judge)`, met: null };
    }
    return { scenario, target, measured, met: step.bytesPerToken <= BYTES_PER_TOKEN_LIMIT };
  });
  const drift = last.echoP50Ms / first.echoP50Ms - 1;
  checks.push({
    scenario: 'memory-scale',
    target: `/echo p50 within ${ECHO_P50_DRIFT_LIMIT * 100}% from smallest to largest`,
    measured: `${(drift * 100).toFixed(0)}% (${first.echoP50Ms.toFixed(2)} → ${last.echoP50Ms.toFixed(2)} ms)`,
    met: Math.abs(drift) <= ECHO_P50_DRIFT_LIMIT,
  });
  return checks;
}

function startupChecks(inputs: Inputs): Check[] {
  return ['memory', 'sqlite'].map((store) => {
    const scenario = `startup/${store}`;
    const target = `spawn → first GET / 200 ≤ ${STARTUP_LIMIT_MS} ms`;
    const found = inputs.startup.find((result) => result.store === store);
    if (!found) return { scenario, target, measured: skipReason(inputs, scenario), met: null };
    return {
      scenario,
      target,
      measured: `${found.medianMs.toFixed(0)} ms (median of ${found.samplesMs.length})`,
      met: found.medianMs <= STARTUP_LIMIT_MS,
    };
  });
}

export function judge(inputs: Inputs): Check[] {
  return [
    ...throughputChecks(inputs),
    ...passwordChecks(inputs),
    ...scaleChecks(inputs),
    ...startupChecks(inputs),
  ];
}
