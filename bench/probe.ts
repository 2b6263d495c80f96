import type { LoadRequest } from './load-types.js';

export interface ProbeAnswer {
  readonly status: number;
  readonly text: string;
}

/** Sends one request the way the load generator will, to check the answer before measuring. */
export async function probe(request: LoadRequest): Promise<ProbeAnswer> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: { ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Logs in through `POST /login` and returns the token; throws a reason otherwise. */
export async function login(baseUrl: string, form: Record<string, string>): Promise<string> {
  const answer = await probe({
    method: 'POST',
    url: `${baseUrl}/login`,
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (answer.status !== 200) throw new Error(`POST /login answered ${answer.status}`);

  const token: unknown = (JSON.parse(answer.text) as { token?: unknown }).token;
  if (typeof token !== 'string') throw new Error('POST /login answered without a token');
  return token;
}

/** The `tokenauth_live_tokens` gauge from `GET /metrics`, or null when it cannot be read. */
export async function liveTokens(baseUrl: string): Promise<number | null> {
  try {
    const answer = await probe({ method: 'GET', url: `${baseUrl}/metrics` });
    const match = /^tokenauth_live_tokens(?:\{[^}]*\})? (\d+)$/m.exec(answer.text);
    return answer.status === 200 && match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
