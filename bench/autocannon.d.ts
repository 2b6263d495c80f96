/** The small part of autocannon's programmatic API the harness uses (it ships no types). */
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    connections?: number;
    duration?: number;
    amount?: number;
    pipelining?: number;
    timeout?: number;
    idReplacement?: boolean;
    requests?: Array<{
      setupRequest?: (request: { headers?: Record<string, string> }) => object;
    }>;
  }

  interface Histogram {
    p50: number;
    p99: number;
  }

  interface AutocannonResult {
    duration: number;
    latency: Histogram;
    requests: { total: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
  export default autocannon;
}
