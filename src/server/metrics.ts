import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../stores/store.js';

/**
 * Prometheus metrics, in a registry of this server's own (not prom-client's global one), so
 * that several servers in one process, as in tests, never share counters.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly events: Counter<'event' | 'outcome'>;
  readonly requestSeconds: Histogram<'route' | 'method' | 'status'>;
  readonly storeUp: Gauge;
  /** Labelled histogram children by `route method status`: labels are hashed once, not per request. */
  readonly #requestTimers = new Map<string, { observe(seconds: number): void }>();

  constructor(store: Store, options: { defaultMetrics: boolean }) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });

    this.events = new Counter({
      name: 'tokenauth_security_events_total',
      help: 'Security events by kind and outcome (the same events as the audit log)',
      labelNames: ['event', 'outcome'],
      registers: [this.registry],
    });
    this.requestSeconds = new Histogram({
      name: 'tokenauth_http_request_duration_seconds',
      help: 'HTTP request latency by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.storeUp = new Gauge({
      name: 'tokenauth_store_up',
      help: '1 when the store answered its last health check (each scrape makes one), else 0',
      labelNames: ['store'],
      registers: [this.registry],
      // Across cluster workers: down if any worker finds the store down.
      aggregator: 'min',
      async collect() {
        try {
          await store.ping();
          this.set({ store: store.kind }, 1);
        } catch {
          this.set({ store: store.kind }, 0);
        }
      },
    });
    new Gauge({
      name: 'tokenauth_live_tokens',
      help: 'Tokens held by the store (expired ones until the sweeper removes them)',
      labelNames: ['store'],
      registers: [this.registry],
      // Cluster workers share one store and count the same tokens: summing would multiply them.
      aggregator: 'max',
      async collect() {
        try {
          this.set({ store: store.kind }, await store.countTokens());
        } catch {
          // The store is down: storeUp says so; leave the last known figure.
        }
      },
    });
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    let timer = this.#requestTimers.get(key);
    if (!timer) {
      timer = this.requestSeconds.labels({ route, method, status: String(status) });
      this.#requestTimers.set(key, timer);
    }
    timer.observe(seconds);
  }
}
