import { mintToken } from '../src/core/tokens.js';
import { FORM_CONTENT_TYPE, type LoadRequest } from './load-types.js';
import { login, probe } from './probe.js';
import type { ServerProcess } from './servers.js';

/** One request stream measured in the round-robin, with the answer it must get. */
export interface ThroughputTarget {
  readonly name: string;
  readonly server: ServerProcess;
  /** A process the server depends on (redis-server), whose CPU is reported beside it. */
  readonly backendPid?: number;
  readonly request: LoadRequest;
  readonly expectStatus: number;
  readonly expectBody?: string;
}

export interface Skipped {
  readonly scenario: string;
  readonly reason: string;
}

const TEXT = 'hello';
const ECHO_ANSWER = `You said: ${TEXT}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export function ceilingTarget(server: ServerProcess): ThroughputTarget {
  return {
    name: 'ceiling',
    server,
    request: { method: 'GET', url: `${server.url}/` },
    expectStatus: 200,
  };
}

export function fastifyTarget(server: ServerProcess): ThroughputTarget {
  return {
    name: 'fastify-echo',
    server,
    request: {
      method: 'POST',
      url: `${server.url}/echo`,
      body: form({ text: TEXT }),
      headers: { 'content-type': FORM_CONTENT_TYPE },
    },
    expectStatus: 200,
    expectBody: ECHO_ANSWER,
  };
}

/**
 * The tokenauth request streams for one store. The echo user and the login user differ, so
 * logins (which may evict a user's oldest tokens) never revoke the token the echo streams use.
 */
export function tokenauthRequests(
  baseUrl: string,
  token: string,
): Record<string, Omit<ThroughputTarget, 'name' | 'server'>> {
  const formHeaders = { 'content-type': FORM_CONTENT_TYPE };
  const bearer = (value: string) => ({ ...formHeaders, authorization: `Bearer ${value}` });
  const echo = `${baseUrl}/echo`;
  return {
    'echo-form': {
      request: {
        method: 'POST',
        url: echo,
        body: form({ id: 'bench-echo', token, text: TEXT }),
        headers: formHeaders,
      },
      expectStatus: 200,
      expectBody: ECHO_ANSWER,
    },
    'echo-bearer': {
      request: { method: 'POST', url: echo, body: form({ text: TEXT }), headers: bearer(token) },
      expectStatus: 200,
      expectBody: ECHO_ANSWER,
    },
    verify: {
      request: {
        method: 'GET',
        url: `${baseUrl}/verify`,
        headers: { authorization: `Bearer ${token}` },
      },
      expectStatus: 200,
    },
    // Well-formed (checksum passes) but never issued: the store has to be asked. Sent from
    // many addresses: from one, the guess throttle would answer 429 after a few dozen.
    rejected: {
      request: {
        method: 'POST',
        url: echo,
        body: form({ text: TEXT }),
        headers: bearer(mintToken()),
        spreadForwardedFor: true,
      },
      expectStatus: 401,
    },
    'login-open': {
      request: {
        method: 'POST',
        url: `${baseUrl}/login`,
        body: form({ id: 'bench-login' }),
        headers: formHeaders,
      },
      expectStatus: 200,
    },
  };
}

/** Checks one target answers as it must; resolves a reason to skip it otherwise. */
export async function checkTarget(target: ThroughputTarget): Promise<string | null> {
  try {
    const answer = await probe(target.request);
    if (answer.status === 404 && target.expectStatus !== 404) {
      return `${target.request.method} ${new URL(target.request.url).pathname} answered 404 (not there yet)`;
    }
    if (answer.status !== target.expectStatus) {
      return `answered ${answer.status}, expected ${target.expectStatus}`;
    }
    if (target.expectBody !== undefined && answer.text !== target.expectBody) {
      return 'answered 200 with an unexpected body';
    }
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Every tokenauth target for one running server; unusable ones are returned as skipped. */
export async function tokenauthTargets(
  store: string,
  server: ServerProcess,
  backendPid?: number,
): Promise<{ targets: ThroughputTarget[]; skipped: Skipped[] }> {
  const targets: ThroughputTarget[] = [];
  const skipped: Skipped[] = [];
  let token: string;
  try {
    token = await login(server.url, { id: 'bench-echo' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      targets,
      skipped: [{ scenario: `${store}/*`, reason: `open login failed: ${reason}` }],
    };
  }

  for (const [kind, spec] of Object.entries(tokenauthRequests(server.url, token))) {
    const target: ThroughputTarget = {
      name: `${store}/${kind}`,
      server,
      ...spec,
      ...(backendPid === undefined ? {} : { backendPid }),
    };
    const reason = await checkTarget(target);
    if (reason === null) targets.push(target);
    else skipped.push({ scenario: target.name, reason });
  }
  return { targets, skipped };
}
