import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { Accounts } from '../core/accounts.js';
import type { ApiClients } from '../core/api-clients.js';
import type { Clock } from '../core/clock.js';
import type { GuessThrottle } from '../core/guess-throttle.js';
import type { LoginThrottle } from '../core/login-throttle.js';
import type { PasswordHasher } from '../core/passwords/password-hasher.js';
import type { TokenService } from '../core/token-service.js';
import type { UsageRecorder } from '../core/usage-recorder.js';
import type { Store } from '../stores/store.js';
import type { AuditLog } from './audit.js';
import type { Metrics } from './metrics.js';

/** Everything the HTTP layer uses, built once at start and shared by every route. */
export interface ServerServices {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly tokens: TokenService;
  readonly usage: UsageRecorder;
  readonly hasher: PasswordHasher;
  readonly accounts: Accounts;
  readonly apiClients: ApiClients;
  readonly throttle: LoginThrottle;
  /** Refuses addresses that present too many rejected tokens. */
  readonly guesses: GuessThrottle;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}
