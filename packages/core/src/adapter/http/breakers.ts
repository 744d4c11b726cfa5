/**
 * One circuit breaker per integration (`<householdId>:overseerr`), kept in an LRU map: a SaaS
 * deployment talks to thousands of households' servers, and a breaker per key that is never
 * dropped would grow without bound in a long-lived process. Evicting a breaker only forgets a
 * failure streak, which is the safe direction (the next call simply tries).
 */
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  SamplingBreaker,
} from 'cockatiel';
import { type HttpResponse, isHttpError } from '../../port/http.ts';

export interface BreakerOptions {
  /**
   * `consecutive`: open after `threshold` failures in a row (the default; right for the low call
   * rates of status checks). `sampling`: open when `threshold` (0–1) of the calls in `durationMs`
   * failed, once at least `minimumRps` calls per second were made (busy library browsing).
   */
  kind?: 'consecutive' | 'sampling';
  threshold?: number;
  durationMs?: number;
  minimumRps?: number;
  /** How long an open breaker refuses calls before letting one test call through. */
  halfOpenAfterMs?: number;
  /** Breakers kept at most (least recently used dropped first). */
  maxBreakers?: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

const STATE: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

/** What counts against a service: no answer at all, or a 5xx (it answered, but is broken). */
export const breakerPolicy = handleWhen((e) => isHttpError(e) && e.transient).orWhenResult(
  (r) => (r as HttpResponse).status >= 500,
);

export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();
  readonly #options: Required<BreakerOptions>;

  constructor(options: BreakerOptions = {}) {
    const kind = options.kind ?? 'consecutive';
    this.#options = {
      kind,
      threshold: options.threshold ?? (kind === 'consecutive' ? 5 : 0.5),
      durationMs: options.durationMs ?? 30_000,
      minimumRps: options.minimumRps ?? 1,
      halfOpenAfterMs: options.halfOpenAfterMs ?? 30_000,
      maxBreakers: options.maxBreakers ?? 5_000,
    };
  }

  get(key: string): CircuitBreakerPolicy {
    const found = this.#breakers.get(key);
    if (found) {
      // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
      this.#breakers.delete(key);
      this.#breakers.set(key, found);
      return found;
    }
    const o = this.#options;
    const breaker =
      o.kind === 'consecutive'
        ? new ConsecutiveBreaker(o.threshold)
        : new SamplingBreaker({ threshold: o.threshold, duration: o.durationMs, minimumRps: o.minimumRps });
    const created = circuitBreaker(breakerPolicy, { halfOpenAfter: o.halfOpenAfterMs, breaker });
    this.#breakers.set(key, created);
    while (this.#breakers.size > o.maxBreakers) {
      const oldest = this.#breakers.keys().next().value;
      if (oldest === undefined) break;
      this.#breakers.delete(oldest);
    }
    return created;
  }

  /** Without touching the LRU order; undefined when no call was made under that key (or it was evicted). */
  state(key: string): BreakerState | undefined {
    const b = this.#breakers.get(key);
    return b ? STATE[b.state] : undefined;
  }

  get size(): number {
    return this.#breakers.size;
  }
}
