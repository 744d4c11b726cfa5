/** Clock port: all time in core goes through this, so tests can use a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to. The default start lies years ahead of the real clock on
 * purpose: DynamoDB Local may sweep items whose `ttl` is in the real past, so a fake "now" in the
 * past could make test items vanish mid-test.
 */
export class FakeClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2035, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}
