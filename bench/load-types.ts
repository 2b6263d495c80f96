/** One request repeated by the load generator. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  /** Full URL, e.g. `http://127.0.0.1:4000/echo`. */
  readonly url: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Send a random 10.x.y.z in X-Forwarded-For on every request, for a server that trusts
   * 127.0.0.1 as its proxy: per-address limits then see many clients, as behind a real proxy.
   */
  readonly spreadForwardedFor?: boolean;
}

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect, read, write errors and timeouts. */
  readonly socketErrors: number;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
