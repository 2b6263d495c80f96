import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, findFreePort, waitForExit, waitUntil } from './processes.js';

/** Where the gateway listens and the two services it talks to, as `host:port`. */
export interface GatewayAddresses {
  readonly listen: string;
  readonly tokenauth: string;
  readonly app: string;
}

/** The addresses docs/gateways.md shows; a test checks the doc holds this exact rendering. */
export const DOCUMENTED_GATEWAY: GatewayAddresses = {
  listen: '80',
  tokenauth: '127.0.0.1:5000',
  app: '127.0.0.1:8080',
};

/**
 * The nginx configuration that puts tokenauth in front of an application: the part a user
 * copies into their own `http { }` block. The integration test runs exactly this text, and
 * docs/gateways.md quotes it, so the documented configuration is the tested one.
 */
export function renderGatewayConfig(addresses: GatewayAddresses): string {
  return `upstream tokenauth {
    server ${addresses.tokenauth};
}

server {
    listen ${addresses.listen};

    # tokenauth's own API (/auth/login, /auth/logout, ...), reachable without a token.
    location /auth/ {
        proxy_pass http://tokenauth/;
        proxy_set_header X-Forwarded-For $remote_addr;
    }

    # The auth subrequest: internal only, and sent without the client's body.
    location = /_tokenauth/verify {
        internal;
        proxy_pass http://tokenauth/verify;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Forwarded-For $remote_addr;
    }

    location / {
        auth_request /_tokenauth/verify;
        auth_request_set $tokenauth_user $upstream_http_x_auth_user;
        auth_request_set $tokenauth_expires $upstream_http_x_auth_expires;
        # These replace any X-Auth-User or X-Auth-Expires the client sent.
        proxy_set_header X-Auth-User $tokenauth_user;
        proxy_set_header X-Auth-Expires $tokenauth_expires;
        proxy_set_header Host $host;
        proxy_pass http://${addresses.app};
    }
}
`;
}

/**
 * A whole nginx.conf for a test: the gateway inside an `http` block, with the pid file, logs
 * and temporary paths in `dir`. One process, no workers (`master_process off`): nothing to
 * switch users for when the tests run as root, and one child to stop.
 */
export function renderTestNginxConfig(dir: string, addresses: GatewayAddresses): string {
  const indented = renderGatewayConfig(addresses).replace(/^(?=.)/gm, '    ');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`)
    .join('\n');
  return `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;

events {
    worker_connections 64;
}

http {
    access_log off;
${temp}

${indented}}
`;
}

export interface NginxHandle {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The last lines of nginx's error log, for assertion messages. */
  errorLog(): string;
  /** SIGTERM, then waits for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

const BINARY = 'nginx';
/** Debian installs nginx in /usr/sbin, which is not on an ordinary user's PATH. */
const SBIN_DIR = '/usr/sbin';
const READY_TIMEOUT_MS = 5000;

/**
 * Whether the nginx tests can run here. Without nginx a developer sees them skipped with this
 * reason; in CI (`CI=true`) a missing nginx is an error, so the gateway test cannot pass by
 * being skipped.
 */
export function nginxAvailability(): { available: boolean; reason?: string } {
  if (findExecutable(BINARY, [SBIN_DIR])) return { available: true };

  const reason = `${BINARY} is not on PATH (Debian: apt-get install nginx-light)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must run the gateway tests`);
  return { available: false, reason };
}

/** Starts nginx on a free 127.0.0.1 port with {@link renderGatewayConfig} and waits for it. */
export async function startNginx(upstreams: {
  tokenauth: string;
  app: string;
}): Promise<NginxHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenauth-nginx-'));
  dirs.add(dir);
  let lastError: unknown;
  // Another process may take the port between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    try {
      const child = await launch(dir, { listen: `127.0.0.1:${port}`, ...upstreams });
      return handleFor(child, dir, port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function handleFor(child: ChildProcess, dir: string, port: number): NginxHandle {
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    errorLog: () => readLog(join(dir, 'error.log')),
    stop() {
      stopping ??= (async () => {
        const exited = waitForExit(child);
        child.kill('SIGTERM');
        await exited;
        running.delete(child);
      })();
      return stopping;
    },
  };
}

async function launch(dir: string, addresses: GatewayAddresses): Promise<ChildProcess> {
  const configFile = join(dir, 'nginx.conf');
  writeFileSync(configFile, renderTestNginxConfig(dir, addresses));
  rmSync(join(dir, 'error.log'), { force: true });

  const child = spawn(
    findExecutable(BINARY, [SBIN_DIR]) ?? BINARY,
    ['-p', dir, '-c', configFile, '-e', join(dir, 'error.log')],
    {
      stdio: 'ignore',
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  const port = Number(addresses.listen.split(':').at(-1));
  try {
    await waitUntil(child, () => accepts(port), READY_TIMEOUT_MS, 'not listening');
  } catch (error) {
    child.kill('SIGKILL');
    const log = readLog(join(dir, 'error.log'));
    throw new Error(`nginx on port ${port} did not start: ${log}`, { cause: error });
  }
  return child;
}

/** Every nginx still running when the test process exits is stopped, whatever happened. */
const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => finish(true));
  });
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return 'no log written';
  }
}
