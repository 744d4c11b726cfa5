import { describe, expect, it } from 'vitest';
import { BreakerRegistry } from './breakers.ts';

describe('BreakerRegistry', () => {
  it('stays bounded however many integrations call through it', () => {
    const r = new BreakerRegistry({ maxBreakers: 100 });
    for (let i = 0; i < 10_000; i++) r.get(`household-${i}:overseerr`);
    expect(r.size).toBe(100);
    expect(r.state('household-0:overseerr')).toBeUndefined();
    expect(r.state('household-9999:overseerr')).toBe('closed');
  });

  it('hands out the same breaker for a key while it is kept', () => {
    const r = new BreakerRegistry({ maxBreakers: 2 });
    const a = r.get('a');
    r.get('b');
    expect(r.get('a')).toBe(a);
    r.get('c'); // evicts b, the least recently used
    expect(r.state('b')).toBeUndefined();
    expect(r.get('a')).toBe(a);
  });

  it('a sampling breaker can be chosen for busy integrations', async () => {
    const r = new BreakerRegistry({
      kind: 'sampling',
      threshold: 0.5,
      durationMs: 10_000,
      minimumRps: 0.001,
    });
    const b = r.get('busy');
    for (let i = 0; i < 20; i++) {
      await b.execute(() => Promise.resolve({ status: 503 })).catch(() => undefined);
    }
    expect(r.state('busy')).toBe('open');
  });
});
