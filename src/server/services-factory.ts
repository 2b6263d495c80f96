import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { Accounts } from '../core/accounts.js';
import { ApiClients } from '../core/api-clients.js';
import { type Clock, systemClock } from '../core/clock.js';
import { GuessThrottle } from '../core/guess-throttle.js';
import { LoginThrottle } from '../core/login-throttle.js';
import { PasswordHasher } from '../core/passwords/password-hasher.js';
import { TokenService } from '../core/token-service.js';
import { UsageRecorder } from '../core/usage-recorder.js';
import type { Store } from '../stores/store.js';
import { AuditLog } from './audit.js';
import { Metrics } from './metrics.js';
import type { ServerServices } from './services.js';

const USE_RECORD_INTERVAL_MS = 60_000;

export interface ServiceOptions {
  readonly clock?: Clock;
  /** Process-wide metrics (CPU, memory, event loop); off in tests that build many servers. */
  readonly defaultMetrics?: boolean;
  readonly hasher?: PasswordHasher;
}

export function createServices(
  config: ServerConfig,
  logger: Logger,
  store: Store,
  options: ServiceOptions = {},
): ServerServices {
  const clock = options.clock ?? systemClock;
  const metrics = new Metrics(store, { defaultMetrics: options.defaultMetrics ?? true });
  const hasher =
    options.hasher ??
    new PasswordHasher({ maxConcurrent: config.hashConcurrency, maxQueued: config.hashQueue });

  // With a short idle timeout, record uses more often, so the stored window stays close.
  const intervalMs =
    config.idleTimeoutMs === 0
      ? USE_RECORD_INTERVAL_MS
      : Math.min(USE_RECORD_INTERVAL_MS, Math.max(1000, Math.floor(config.idleTimeoutMs / 4)));
  const usage = new UsageRecorder({ store, logger, intervalMs });
  const tokens = new TokenService({
    store,
    clock,
    usage,
    policy: {
      ttlMs: config.tokenTtlMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxTokensPerUser: config.maxTokensPerUser,
    },
  });

  return {
    config,
    logger,
    clock,
    store,
    tokens,
    usage,
    hasher,
    accounts: new Accounts({ store, hasher, clock }),
    apiClients: new ApiClients({ store, clock }),
    throttle: new LoginThrottle({ store, clock }),
    guesses: new GuessThrottle({ store, clock }),
    audit: new AuditLog(logger, (event, outcome) => metrics.events.inc({ event, outcome })),
    metrics,
  };
}
