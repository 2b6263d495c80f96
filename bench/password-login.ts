import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild } from './children.js';
import { runLoad } from './load.js';
import { FORM_CONTENT_TYPE, type LoadRequest, type LoadResult } from './load-types.js';
import { login, probe } from './probe.js';
import { formatMs, formatRate, progress } from './progress.js';
import { firstErrorLine, REPO_ROOT, type ServerProcess, startTokenauth } from './servers.js';
import { median } from './stats.js';

const ARGON2_LOOP = fileURLToPath(new URL('./argon2-loop.js', import.meta.url));
const USER_ID = 'bench-user';
// Long and random-looking, so no password policy (length, common list) refuses it.
const PASSWORD = 'bench-passphrase-7f3c9a2e-quiet-harbor';
/** Enough logins in flight to keep four hashing threads busy, few enough not to hit 503. */
const LOGIN_CONNECTIONS = 16;
/** /echo latency is read at a moderate load, so its p99 shows waiting, not its own queue. */
const ECHO_CONNECTIONS = 10;

export interface PasswordLoginRound {
  readonly hashesPerSecond: number;
  /** Successful logins per second with nothing else running. */
  readonly loginsPerSecond: number;
  readonly loginNon2xx: number;
  readonly echoAloneP99Ms: number;
  readonly echoAloneRequestsPerSecond: number;
  readonly echoUnderLoginsP99Ms: number;
  readonly echoUnderLoginsRequestsPerSecond: number;
  readonly loginsPerSecondWithEcho: number;
}

export interface PasswordLoginResult {
  readonly rounds: readonly PasswordLoginRound[];
  readonly hashesPerSecond: number;
  readonly loginsPerSecond: number;
  readonly ratioToHashing: number;
  readonly echoAloneP99Ms: number;
  readonly echoUnderLoginsP99Ms: number;
  /** Status of one login right after the runs: 429 shows the address throttle stepped in. */
  readonly statusAfterRuns: number;
}

/** Creates the account through the command line, as an operator would. */
async function addUser(store: string): Promise<void> {
  const args = ['bin/tokenauth', 'users', 'add', USER_ID, '--store', store, '--password-stdin'];
  const child = spawnTracked(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin?.end(`${PASSWORD}\n`);

  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code === 0) return;
  throw new Error(`\`tokenauth users add\` exited with ${code}: ${firstErrorLine(stderr)}`);
}

async function hashingRate(durationSeconds: number): Promise<number> {
  const child = spawnTracked(process.execPath, [ARGON2_LOOP, String(durationSeconds)]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.resume();
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return (JSON.parse(stdout) as { hashesPerSecond: number }).hashesPerSecond;
}

const succeededPerSecond = (load: LoadResult) =>
  (load.requests - load.non2xx) / load.durationSeconds;

/**
 * Password logins against the argon2id ceiling, and what a saturated hasher does to the
 * latency of requests that need no hashing. Needs `tokenauth users add` (a SQLite store, so
 * the account outlives the command that made it).
 */
export async function runPasswordLogin(
  store: string,
  rounds: number,
  durationSeconds: number,
): Promise<PasswordLoginResult> {
  await addUser(store);
  const server: ServerProcess = await startTokenauth('tokenauth-password', {
    store,
    login: 'password',
    trustedProxy: '127.0.0.1',
  });
  try {
    return await measurePasswordLogin(server, rounds, durationSeconds);
  } finally {
    await stopChild(server.child);
  }
}

async function measurePasswordLogin(
  server: ServerProcess,
  rounds: number,
  durationSeconds: number,
): Promise<PasswordLoginResult> {
  const token = await login(server.url, { id: USER_ID, password: PASSWORD });

  const loginRequest: LoadRequest = {
    method: 'POST',
    url: `${server.url}/login`,
    body: new URLSearchParams({ id: USER_ID, password: PASSWORD }).toString(),
    headers: { 'content-type': FORM_CONTENT_TYPE },
    // The address throttle stays on; it sees many clients behind a proxy, as in production.
    spreadForwardedFor: true,
  };
  const echoRequest: LoadRequest = {
    method: 'POST',
    url: `${server.url}/echo`,
    body: 'text=hello',
    headers: { 'content-type': FORM_CONTENT_TYPE, authorization: `Bearer ${token}` },
  };
  const loginLoad = { connections: LOGIN_CONNECTIONS, durationSeconds };
  const echoLoad = { connections: ECHO_CONNECTIONS, durationSeconds };

  const results: PasswordLoginRound[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const hashesPerSecond = await hashingRate(durationSeconds);
    const logins = await runLoad(loginRequest, loginLoad);
    const echoAlone = await runLoad(echoRequest, echoLoad);
    const [loginsWithEcho, echoUnder] = await Promise.all([
      runLoad(loginRequest, loginLoad),
      runLoad(echoRequest, echoLoad),
    ]);
    results.push({
      hashesPerSecond,
      loginsPerSecond: succeededPerSecond(logins),
      loginNon2xx: logins.non2xx + loginsWithEcho.non2xx,
      echoAloneP99Ms: echoAlone.p99Ms,
      echoAloneRequestsPerSecond: echoAlone.requestsPerSecond,
      echoUnderLoginsP99Ms: echoUnder.p99Ms,
      echoUnderLoginsRequestsPerSecond: echoUnder.requestsPerSecond,
      loginsPerSecondWithEcho: succeededPerSecond(loginsWithEcho),
    });
    progress(
      `round ${round}/${rounds} password-login  argon2 ${hashesPerSecond.toFixed(1)}/s  ` +
        `logins ${succeededPerSecond(logins).toFixed(1)}/s (${logins.non2xx} non-2xx)  ` +
        `echo p99 ${formatMs(echoAlone.p99Ms)} ms (${formatRate(echoAlone.requestsPerSecond)} ` +
        `req/s) → ${formatMs(echoUnder.p99Ms)} ms under logins ` +
        `(${formatRate(echoUnder.requestsPerSecond)} req/s)`,
    );
  }

  const statusAfterRuns = (await probe(loginRequest)).status;
  const of = (pick: (r: PasswordLoginRound) => number) => median(results.map(pick));
  return {
    rounds: results,
    hashesPerSecond: of((r) => r.hashesPerSecond),
    loginsPerSecond: of((r) => r.loginsPerSecond),
    ratioToHashing: of((r) => r.loginsPerSecond / r.hashesPerSecond),
    echoAloneP99Ms: of((r) => r.echoAloneP99Ms),
    echoUnderLoginsP99Ms: of((r) => r.echoUnderLoginsP99Ms),
    statusAfterRuns,
  };
}
