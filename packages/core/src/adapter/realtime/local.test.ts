import { describe, expect, it } from 'vitest';
import type { RealtimeMessage } from '../../port/realtime.ts';
import { LocalRealtime } from './local.ts';
import { realtimeContract } from './realtime.contract.ts';

realtimeContract('LocalRealtime (in-process hub)', async () => {
  const realtime = new LocalRealtime();
  const inboxes = new Map<string, RealtimeMessage[]>();
  const broken = new Set<string>();
  return {
    realtime,
    async connect(id, scope) {
      inboxes.set(id, []);
      realtime.connect(
        {
          id,
          send(data) {
            if (broken.has(id)) throw new Error('WebSocket is not open: readyState 3 (CLOSED)');
            inboxes.get(id)?.push(JSON.parse(data));
          },
        },
        scope,
      );
    },
    async disconnect(id) {
      realtime.disconnect(id);
    },
    received: (id) => inboxes.get(id) ?? [],
    breakConnection: (id) => broken.add(id),
    async close() {},
  };
});

describe('LocalRealtime specifics', () => {
  it('closes and forgets a connection whose send throws', async () => {
    const realtime = new LocalRealtime();
    const closed: [number | undefined, string | undefined][] = [];
    realtime.connect(
      {
        id: 'c1',
        send() {
          throw new Error('stuck');
        },
        close: (code, reason) => closed.push([code, reason]),
      },
      { userId: 'u', householdId: 'h' },
    );
    expect(realtime.connectionCount()).toBe(1);
    expect(await realtime.publish({ householdId: 'h' }, { type: 't', data: null })).toEqual({ delivered: 0 });
    expect(realtime.connectionCount()).toBe(0);
    expect(closed).toEqual([[1011, 'send failed']]);
    expect(await realtime.watchedHouseholds()).toEqual([]);
  });

  it('sends the exact JSON text {type, data}', async () => {
    const realtime = new LocalRealtime();
    const sent: string[] = [];
    realtime.connect({ id: 'c1', send: (d) => sent.push(d) }, { userId: 'u', householdId: 'h' });
    await realtime.publish({ userId: 'u' }, { type: 'request.updated', data: { id: 'req_1' } });
    expect(sent).toEqual(['{"type":"request.updated","data":{"id":"req_1"}}']);
  });

  it('refuses a scope it could not route safely', () => {
    const realtime = new LocalRealtime();
    expect(() => realtime.connect({ id: 'c', send() {} }, { userId: 'u', householdId: 'h#1' })).toThrow(
      expect.objectContaining({ code: 'realtime.invalid_scope' }),
    );
    expect(realtime.connectionCount()).toBe(0);
  });
});
