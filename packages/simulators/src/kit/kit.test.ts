import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startServer } from './server.ts';

describe('simulator kit', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function start(): Promise<RunningSimulator> {
    // arrange: one route that sets Content-Length itself, as several real servers do
    const app = new Hono();
    const body = JSON.stringify({ hello: 'world', list: [1, 2, 3] });
    app.get(
      '/thing',
      () =>
        new Response(body, {
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        }),
    );
    sim = await startServer('kit-test', app);
    return sim;
  }

  it('counts hits per route and resets them', async () => {
    const s = await start();
    await (await fetch(`${s.url}/thing`)).text();
    await (await fetch(`${s.url}/thing`)).text();
    expect(s.hits()).toEqual({ total: 2, byRoute: { 'GET /thing': 2 } });
    await fetch(`${s.url}/__control/hits`, { method: 'DELETE' });
    expect(s.hits().total).toBe(0);
  });

  it('answers a malformed body without a stale Content-Length (the client is not left waiting)', async () => {
    const s = await start();
    s.faults.add({ path: '/thing', malformed: true, times: 1 });
    const res = await fetch(`${s.url}/thing`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text.length).toBeGreaterThan(0);
    // the rule was used up: the next answer is whole again
    expect(await (await fetch(`${s.url}/thing`)).json()).toEqual({ hello: 'world', list: [1, 2, 3] });
  });

  it('injects status and latency over the control API and clears them', async () => {
    const s = await start();
    const add = await fetch(`${s.url}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/th*', status: 503, body: '{"error":"down"}' }),
    });
    expect(add.status).toBe(201);
    const res = await fetch(`${s.url}/thing`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'down' });
    await fetch(`${s.url}/__control/faults`, { method: 'DELETE' });
    expect((await fetch(`${s.url}/thing`)).status).toBe(200);
  });

  it('refuses an invalid fault rule with 400', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 42 }),
    });
    expect(res.status).toBe(400);
  });

  it('resets a connection without answering', async () => {
    const s = await start();
    s.faults.add({ path: '/thing', reset: true, times: 1 });
    await expect(fetch(`${s.url}/thing`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });
});
