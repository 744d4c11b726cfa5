import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, enqueueJob, JOBS_QUEUE, jobs } from '@medianest/core/jobs/index';
import { issueTicket } from '@medianest/core/realtime/index';
import { ConfigError, createLocalSystem, loadConfig } from '@medianest/core/system/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { type LocalServer, startLocal } from './start-local.ts';
import { IMMUTABLE, isHashedAsset, NO_CACHE, pickEncoding } from './static.ts';
import { WS_UNAUTHENTICATED } from './ws.ts';

const QUIET = { LOG_LEVEL: 'SILENT' };

/** Polls until `done()` holds; generous, because a loaded CI box is slow, and the caller asserts anyway. */
async function until(done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(10);
}
/** Opens a socket and resolves once it is open (a refused ticket still opens, then closes 4401). */
async function openSocket(address: string): Promise<WebSocket> {
  const ws = new WebSocket(address);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

const nextMessage = (ws: WebSocket) =>
  new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));

const scope = { userId: 'usr_01JAAAAAAAAAAAAAAAAAAAAAAA', householdId: 'hh_01JAAAAAAAAAAAAAAAAAAAAAAA' };

let dir: string;
let dataDir: string;
let webDir: string;
let server: LocalServer | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mn-local-'));
  dataDir = join(dir, 'data');
  webDir = join(dir, 'web');
  mkdirSync(join(webDir, 'assets'), { recursive: true });
  writeFileSync(
    join(webDir, 'index.html'),
    '<!doctype html><title>MediaNest shell</title><div id="app"></div>',
  );
  writeFileSync(join(webDir, 'assets', 'index-Bq3xK9aZ.js'), 'console.log("app")');
  writeFileSync(join(webDir, 'favicon.ico'), 'ico');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const start = async (extra: Parameters<typeof startLocal>[0] = {}) => {
  server = await startLocal({ port: 0, host: '127.0.0.1', dataDir, webDir, env: QUIET, ...extra });
  return server;
};

describe('startLocal', () => {
  it('serves the API on the port it reports', async () => {
    const { url, port } = await start({ consumers: false });
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const res = await fetch(`${url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: 'sqlite', mode: 'selfhosted' });
    const missing = await fetch(`${url}/api/v1/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'route.not_found' } });
    expect(existsSync(join(dataDir, 'medianest.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'keyring.key'))).toBe(true);
  });

  it('serves the web build with the right cache headers and falls back to the SPA shell', async () => {
    const { url } = await start({ consumers: false });
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe(NO_CACHE);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('MediaNest shell');

    const asset = await fetch(`${url}/assets/index-Bq3xK9aZ.js`);
    expect(asset.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await asset.text()).toBe('console.log("app")');

    const icon = await fetch(`${url}/favicon.ico`);
    expect(icon.headers.get('cache-control')).toBe(NO_CACHE);

    for (const route of ['/requests', '/household/settings/members', '/index.html']) {
      const page = await fetch(`${url}${route}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe(NO_CACHE);
      expect(await page.text()).toContain('MediaNest shell');
    }
    expect((await fetch(`${url}/assets/gone-Zz9yX8wV.js`)).status).toBe(404);
    writeFileSync(join(dir, 'secret.txt'), 'do not serve');
    const outside = await fetch(`${url}/..%2fsecret.txt`);
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain('do not serve');

    const etag = asset.headers.get('etag')!;
    const again = await fetch(`${url}/assets/index-Bq3xK9aZ.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('compresses text assets once, per accepted encoding, with their own validators', async () => {
    const big = `export const data = ${JSON.stringify('medianest '.repeat(2000))};`;
    writeFileSync(join(webDir, 'assets', 'big-Qw3rTy12.js'), big);
    const { url } = await start({ consumers: false });
    const path = `${url}/assets/big-Qw3rTy12.js`;
    const identity = await fetch(path, { headers: { 'accept-encoding': 'identity' } });
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(identity.headers.get('vary')).toBe('accept-encoding');
    expect(await identity.text()).toBe(big);
    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
    ] as const) {
      const res = await fetch(path, { headers: { 'accept-encoding': accept } });
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(Number(res.headers.get('content-length'))).toBeLessThan(big.length / 10);
      expect(res.headers.get('etag')).toMatch(new RegExp(`-${encoding}"$`));
      expect(await res.text()).toBe(big);
      const again = await fetch(path, {
        headers: { 'accept-encoding': accept, 'if-none-match': res.headers.get('etag')! },
      });
      expect(again.status).toBe(304);
    }
  });

  it('without a web build serves the API and tells how to build at /', async () => {
    const { url } = await start({ consumers: false, webDir: join(dir, 'no-build') });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('has not been built');
    expect(text).toContain('npm run build -w web');
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('derives the public URL from the real port, so signed blob links work', async () => {
    const { url, system } = await start({ consumers: false });
    expect(system.config.publicUrl).toBe(url);
    await system.blob.put('posters/p.jpg', new TextEncoder().encode('poster'), { contentType: 'image/jpeg' });
    const link = await system.blob.signedUrl('posters/p.jpg', 60);
    expect(link.startsWith(`${url}/api/blob/`)).toBe(true);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('poster');
  });

  it('keeps an explicit public URL', async () => {
    const { system } = await start({
      consumers: false,
      env: { ...QUIET, MEDIANEST_PUBLIC_URL: 'https://media.example.com' },
    });
    expect(system.config.publicUrl).toBe('https://media.example.com');
  });

  it('derives the WebSocket URL from the real port, and keeps an explicit one', async () => {
    const { port, system } = await start({ consumers: false });
    expect(system.config.wsUrl).toBe(`ws://127.0.0.1:${port}/ws`);
    await server!.close();
    server = undefined;
    const explicit = await start({
      consumers: false,
      env: { ...QUIET, MEDIANEST_WS_URL: 'wss://ws.example.com/prod' },
    });
    expect(explicit.system.config.wsUrl).toBe('wss://ws.example.com/prod');
  });

  it('hands out a ticket URL on the real port, where the socket answers pings and gets the household’s messages', async () => {
    const { url, system } = await start({ consumers: false });
    const { ticket } = await issueTicket(system, scope);
    const ws = await openSocket(`${system.config.wsUrl}?ticket=${ticket}`);
    expect(system.config.wsUrl.startsWith(url.replace('http', 'ws'))).toBe(true);
    const reply = nextMessage(ws);
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(JSON.parse(await reply)).toEqual({ type: 'pong' });

    // a message published for the household reaches its socket, and only its own
    const pushed = nextMessage(ws);
    expect(
      await system.realtime.publish(
        { householdId: scope.householdId },
        { type: 'test.ping', data: { n: 1 } },
      ),
    ).toEqual({ delivered: 1 });
    expect(JSON.parse(await pushed)).toEqual({ type: 'test.ping', data: { n: 1 } });
    expect(
      await system.realtime.publish(
        { householdId: 'hh_01JBBBBBBBBBBBBBBBBBBBBBBB' },
        { type: 'x', data: null },
      ),
    ).toEqual({ delivered: 0 });
    ws.close(1000);
  });

  it('closes a socket without a ticket, or with a used one, with 4401', async () => {
    const { url, system } = await start({ consumers: false });
    const closedWith = (ws: WebSocket) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
    const bare = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    expect(await closedWith(bare)).toEqual({ code: WS_UNAUTHENTICATED, reason: 'unauthenticated' });

    const { ticket } = await issueTicket(system, scope);
    const first = await openSocket(`${system.config.wsUrl}?ticket=${ticket}`);
    const again = new WebSocket(`${system.config.wsUrl}?ticket=${ticket}`);
    expect(await closedWith(again)).toEqual({ code: WS_UNAUTHENTICATED, reason: 'unauthenticated' });
    expect(system.realtime.connectionCount()).toBe(1);
    first.close(1000);
  });

  it('rejects a bad environment with a ConfigError naming the variable', async () => {
    const err = await startLocal({ env: { PORT: 'abc', MEDIANEST_MODE: 'cloud' }, dataDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('PORT: expected an integer 1–65535, got "abc"');
    expect((err as ConfigError).message).toContain(
      'MEDIANEST_MODE: expected one of selfhosted, saas, got "cloud"',
    );
  });

  it('sweeps expired items through the scheduled job', async () => {
    // arrange: an item that expired before the server starts
    const seeded = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dataDir, ...QUIET }));
    await seeded.table.put({ pk: 'T#1', sk: 'expired', ttl: Math.floor(Date.now() / 1000) - 60 });
    await seeded.close();
    // act: the first tick runs at start-up and the consumer handles the sweep
    const { system } = await start({ consumer: { idleDelayMs: 20, maxIdleDelayMs: 100 } });
    const count = () =>
      (system.db.prepare("SELECT COUNT(*) AS n FROM tbl_items WHERE pk = 'T#1'").get() as { n: number }).n;
    await until(() => count() === 0);
    // assert
    expect(count()).toBe(0);
    expect(await system.queue.depth('jobs')).toBe(0);
  });

  it('close() says goodbye to open sockets, stops the server and closes the database', async () => {
    const { url, system } = await start();
    const { ticket } = await issueTicket(system, scope);
    const ws = await openSocket(`${system.config.wsUrl}?ticket=${ticket}`);
    expect(system.realtime.connectionCount()).toBe(1);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await server!.close();
    server = undefined;
    expect(await closed).toBe(1001);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    await expect(system.table.get({ pk: 'a', sk: 'b' })).rejects.toThrow();
  });
});

describe('shutdown with a job in flight', () => {
  const started: string[] = [];
  let release: (() => void) | undefined;

  beforeEach(() => {
    started.length = 0;
    // Test-only job, registered through the registry API and removed again afterwards.
    jobs.register(
      defineJob({
        type: 'test.slow',
        queue: JOBS_QUEUE,
        schema: z.object({ id: z.string() }),
        async handle(system, data) {
          started.push(data.id);
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          await system.table.put({ pk: 'SLOW', sk: data.id });
        },
      }),
    );
  });
  afterEach(() => {
    jobs.unregister('test.slow');
    release?.();
  });

  async function startWithJob(shutdownGraceMs: number) {
    const s = await start({ shutdownGraceMs, consumer: { idleDelayMs: 10, maxIdleDelayMs: 50 } });
    await enqueueJob(s.system, 'test.slow', { id: 'a' });
    await until(() => started.length > 0);
    expect(started).toEqual(['a']);
    return s;
  }

  async function reopen() {
    const system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dataDir, ...QUIET }));
    // Which jobs are waiting (the start-up sweep may or may not have run: ignore it).
    const waiting: string[] = [];
    await system.queue.poll(JOBS_QUEUE, async (messages) => {
      waiting.push(...messages.map((m) => (m.body as { type: string }).type));
      return { batchItemFailures: messages.map((m) => ({ itemIdentifier: m.id })) };
    });
    const state = {
      slowWaiting: waiting.includes('test.slow'),
      dead: await system.queue.deadLetterDepth(JOBS_QUEUE),
      written: (await system.table.get({ pk: 'SLOW', sk: 'a' })) !== undefined,
    };
    await system.close();
    return state;
  }

  it('waits for a job that finishes within the grace period', async () => {
    const s = await startWithJob(10_000);
    const closing = s.close();
    server = undefined;
    release!();
    await closing;
    expect(await reopen()).toEqual({ slowWaiting: false, dead: 0, written: true });
  });

  it('releases a job that does not finish in time: the next start can take it at once', async () => {
    const s = await startWithJob(50);
    await s.close();
    server = undefined;
    expect(await reopen()).toEqual({ slowWaiting: true, dead: 0, written: false });
  });
});

describe('pickEncoding', () => {
  it.each([
    [undefined, undefined],
    ['identity', undefined],
    ['gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['BR', 'br'],
    ['gzip;q=0', undefined],
  ])('%s → %s', (accept, encoding) => expect(pickEncoding(accept)).toBe(encoding));
});

describe('isHashedAsset', () => {
  it.each([
    ['/assets/index-Bq3xK9aZ.js', true],
    ['/_build/assets/app.css', true],
    ['/entry-client-D4x8Yz1q.js', true],
    ['/favicon.ico', false],
    ['/apple-touch-icon.png', false],
    ['/robots.txt', false],
  ])('%s → %s', (path, hashed) => expect(isHashedAsset(path)).toBe(hashed));
});
