import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, isHttpError } from '../../port/http.ts';
import { createHttp, type OutboundHttp } from './http.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void;

interface TestServer {
  port: number;
  url: string;
  hits: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  handle: Handler;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function serve(handle: Handler, make: (l: http.RequestListener) => http.Server = http.createServer) {
  const s: TestServer = {
    port: 0,
    url: '',
    hits: 0,
    requests: [],
    handle,
    close: async () => {},
  };
  const server = make((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      s.hits += 1;
      s.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      s.handle(req, res, s.hits);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.port = (server.address() as AddressInfo).port;
  s.url = `http://127.0.0.1:${s.port}`;
  s.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(s);
  return s;
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
};

const clients: OutboundHttp[] = [];
function lan(extra: Parameters<typeof createHttp>[0] extends infer O ? Partial<O> : never = {}) {
  const h = createHttp({
    mode: 'selfhosted',
    allowPrivate: true,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
  clients.push(h);
  return h;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      if (!(e instanceof HttpError)) throw e;
      return e;
    },
  );

describe('requests and responses', () => {
  it('returns status, lower-cased headers and the body, sending a user agent', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(201, { 'X-Thing': 'a', 'Content-Type': 'text/plain' });
      res.end('héllo');
    });
    const res = await lan().request({ url: `${s.url}/path?q=1`, headers: { 'X-Api-Key': 'k' } });
    expect(res.status).toBe(201);
    expect(res.headers['x-thing']).toBe('a');
    expect(res.text()).toBe('héllo');
    expect(res.attempts).toBe(1);
    expect(res.url).toBe(`${s.url}/path?q=1`);
    expect(s.requests[0]?.url).toBe('/path?q=1');
    expect(s.requests[0]?.headers['x-api-key']).toBe('k');
    expect(s.requests[0]?.headers['user-agent']).toMatch(/MediaNest/);
  });

  it('sends a body with its length and decompresses gzip and brotli answers', async () => {
    const big = 'x'.repeat(10_000);
    const s = await serve((req, res, hit) => {
      const enc = hit === 1 ? 'gzip' : 'br';
      res.writeHead(200, { 'content-encoding': enc });
      res.end(enc === 'gzip' ? zlib.gzipSync(big) : zlib.brotliCompressSync(big));
      void req;
    });
    const h = lan();
    const a = await h.request({
      method: 'POST',
      url: s.url,
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(a.text()).toBe(big);
    expect(s.requests[0]?.body).toBe('{"a":1}');
    expect(s.requests[0]?.headers['content-length']).toBe('7');
    expect((await h.request({ url: s.url })).text()).toBe(big);
  });

  it('refuses bodies over the cap: declared, streamed, and after decompression', async () => {
    const s = await serve((_req, res, hit) => {
      if (hit === 1) {
        res.writeHead(200, { 'content-length': '5000' });
        res.end('y'.repeat(5000));
      } else if (hit === 2) {
        res.writeHead(200); // chunked, no length
        for (let i = 0; i < 10; i++) res.write('z'.repeat(1000));
        res.end();
      } else {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(Buffer.alloc(1_000_000))); // ~1 KB on the wire
      }
    });
    const h = lan();
    for (let i = 0; i < 3; i++) {
      const e = await failure(h.request({ url: s.url, maxResponseBytes: 4096 }));
      expect(e.code).toBe('http.too_large');
      expect(e.message).toContain('4096');
    }
    expect(s.hits).toBe(3); // not retried: a bigger body will not shrink
  });

  it('rejects URLs it will not call', async () => {
    const h = lan();
    expect((await failure(h.request({ url: 'ftp://example.com/' }))).code).toBe('http.invalid_url');
    expect((await failure(h.request({ url: 'not a url' }))).code).toBe('http.invalid_url');
    expect((await failure(h.request({ url: 'http://user:pw@127.0.0.1/' }))).code).toBe('http.invalid_url');
  });

  it('a header Node will not send is http.invalid_request, not retried', async () => {
    const s = await serve(ok);
    const e = await failure(lan().request({ url: s.url, headers: { 'x-plex-token': 'abc\r\nX-Evil: 1' } }));
    expect(e.code).toBe('http.invalid_request');
    expect(e.kind).toBe('invalid');
    expect(e.message).not.toContain('abc');
    expect(s.hits).toBe(0);
  });

  it('refuses SaaS mode with private targets allowed', () => {
    expect(() => createHttp({ mode: 'saas', allowPrivate: true })).toThrow(/self-hosted/);
  });
});

describe('failures become typed errors', () => {
  it('connection refused', async () => {
    const s = await serve(ok);
    const port = s.port;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const e = await failure(lan({ retry: { maxRetries: 0 } }).request({ url: `http://127.0.0.1:${port}/` }));
    expect(e.code).toBe('http.connection_refused');
    expect(e.kind).toBe('unavailable');
    expect(e.message).toBe(`127.0.0.1:${port} refused the connection`);
  });

  it('DNS failure names the host', async () => {
    const h = lan({
      lookup: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    const e = await failure(h.request({ url: 'http://plex.nowhere.example:32400/identity' }));
    expect(e.code).toBe('http.dns_failure');
    expect(e.message).toBe('Could not resolve plex.nowhere.example (DNS ENOTFOUND)');
    expect(e.transient).toBe(false);
  });

  it('a server that never answers times out with the seconds in the message, retried only if idempotent', async () => {
    const s = await serve(() => {});
    const h = lan({ retry: { maxRetries: 2, initialDelayMs: 1 } });
    const e = await failure(h.request({ url: s.url, timeoutMs: 150 }));
    expect(e.code).toBe('http.timeout');
    expect(e.message).toBe('Timed out after 0.15 s waiting for 127.0.0.1');
    expect(s.hits).toBe(3);
    s.hits = 0;
    const p = await failure(h.request({ method: 'POST', url: s.url, body: 'x', timeoutMs: 100 }));
    expect(p.code).toBe('http.timeout');
    expect(s.hits).toBe(1);
  });

  it('a slow body counts against the same timeout', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const e = await failure(lan({ retry: { maxRetries: 0 } }).request({ url: s.url, timeoutMs: 300 }));
    expect(e.message).toBe('Timed out after 0.3 s waiting for 127.0.0.1');
  });

  it('a reset connection is http.reset and is retried for GET', async () => {
    const s = await serve((req, res, hit) => {
      if (hit < 3) req.socket.destroy();
      else ok(req, res, hit);
    });
    const res = await lan().request({ url: s.url });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    s.hits = 0;
    s.handle = (req) => req.socket.destroy();
    const e = await failure(lan({ retry: { maxRetries: 1 } }).request({ url: s.url }));
    expect(e.code).toBe('http.reset');
    expect(s.hits).toBe(2);
  });

  it('the caller can cancel', async () => {
    const s = await serve(() => {});
    const ac = new AbortController();
    const p = lan().request({ url: s.url, signal: ac.signal, timeoutMs: 60_000 });
    setTimeout(() => ac.abort(), 20);
    expect((await failure(p)).code).toBe('http.aborted');
  });

  describe('TLS', () => {
    let dir: string;
    let key: Buffer;
    let cert: Buffer;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mn-tls-'));
      await promisify(execFile)('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=plex.example.com',
      ]);
      key = await readFile(join(dir, 'key.pem'));
      cert = await readFile(join(dir, 'cert.pem'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a self-signed certificate is a TLS error, not retried', async () => {
      const s = await serve(ok, (l) => https.createServer({ key, cert }, l));
      const h = lan({ lookup: async () => ['127.0.0.1'] });
      const e = await failure(h.request({ url: `https://plex.example.com:${s.port}/identity` }));
      expect(e.code).toBe('http.tls_error');
      expect(e.message).toMatch(/^TLS with plex.example.com failed: .*self[- ]signed/i);
      expect(s.hits).toBe(0);
    });
  });
});

describe('retries', () => {
  it('retries 503 for GET until it succeeds, never for POST', async () => {
    const s = await serve((req, res, hit) => {
      if (hit % 3 !== 0) {
        res.writeHead(503);
        res.end('busy');
      } else ok(req, res, hit);
    });
    const h = lan();
    const res = await h.request({ url: s.url });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    const post = await h.request({ method: 'POST', url: s.url, body: '{}' });
    expect(post.status).toBe(503);
    expect(post.attempts).toBe(1);
    expect(s.hits).toBe(4);
  });

  it('an explicitly idempotent POST is retried; persistent 500s come back as the last answer', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const res = await lan().request({ method: 'POST', url: s.url, idempotent: true });
    expect(res.status).toBe(500);
    expect(res.attempts).toBe(3);
    expect(s.hits).toBe(3);
  });

  it('4xx answers are final', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const res = await lan().request({ url: s.url });
    expect(res.status).toBe(404);
    expect(s.hits).toBe(1);
  });

  it('429 is retried only when Retry-After says how long, and only if that is short', async () => {
    const s = await serve((_req, res, hit) => {
      const headers: Record<string, string> =
        hit === 1 ? { 'retry-after': '0' } : hit === 3 ? { 'retry-after': '3600' } : {};
      res.writeHead(hit === 2 ? 200 : 429, headers);
      res.end();
    });
    const h = lan();
    expect((await h.request({ url: s.url })).status).toBe(200);
    expect(s.hits).toBe(2);
    const long = await h.request({ url: s.url });
    expect(long.status).toBe(429);
    expect(s.hits).toBe(3);
    const none = await h.request({ url: s.url });
    expect(none.status).toBe(429);
    expect(s.hits).toBe(4);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures per integration key, then half-opens and closes', async () => {
    let healthy = false;
    const s = await serve((req, res, hit) => {
      if (healthy) return ok(req, res, hit);
      res.writeHead(502);
      res.end();
    });
    const h = lan({ retry: { maxRetries: 0 }, breaker: { threshold: 3, halfOpenAfterMs: 200 } });
    for (let i = 0; i < 3; i++) {
      expect((await h.request({ url: s.url, integrationKey: 'hh1:overseerr' })).status).toBe(502);
    }
    expect(h.breakerState('hh1:overseerr')).toBe('open');
    const e = await failure(h.request({ url: s.url, integrationKey: 'hh1:overseerr' }));
    expect(e.code).toBe('http.circuit_open');
    expect(e.message).toContain('127.0.0.1');
    expect(s.hits).toBe(3);
    // Another household's integration, and calls without a key, are not affected.
    expect((await h.request({ url: s.url, integrationKey: 'hh2:overseerr' })).status).toBe(502);
    expect((await h.request({ url: s.url })).status).toBe(502);
    expect(s.hits).toBe(5);

    healthy = true;
    await new Promise((r) => setTimeout(r, 250));
    expect((await h.request({ url: s.url, integrationKey: 'hh1:overseerr' })).status).toBe(200);
    expect(h.breakerState('hh1:overseerr')).toBe('closed');
  });

  it('a failed test call in half-open re-opens it; timeouts count as failures', async () => {
    const s = await serve(() => {});
    const h = lan({ retry: { maxRetries: 0 }, breaker: { threshold: 2, halfOpenAfterMs: 100 } });
    const call = () => h.request({ url: s.url, integrationKey: 'k', timeoutMs: 50 });
    expect((await failure(call())).code).toBe('http.timeout');
    expect((await failure(call())).code).toBe('http.timeout');
    expect((await failure(call())).code).toBe('http.circuit_open');
    await new Promise((r) => setTimeout(r, 150));
    expect((await failure(call())).code).toBe('http.timeout');
    expect(h.breakerState('k')).toBe('open');
    expect((await failure(call())).code).toBe('http.circuit_open');
    expect(s.hits).toBe(3);
  });

  it('4xx answers do not count', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    const h = lan({ breaker: { threshold: 2 } });
    for (let i = 0; i < 5; i++)
      expect((await h.request({ url: s.url, integrationKey: 'k' })).status).toBe(401);
    expect(h.breakerState('k')).toBe('closed');
  });

  it('keeps at most maxBreakers, dropping the least recently used', async () => {
    const s = await serve(ok);
    const h = lan({ breaker: { maxBreakers: 2 } });
    await h.request({ url: s.url, integrationKey: 'a' });
    await h.request({ url: s.url, integrationKey: 'b' });
    await h.request({ url: s.url, integrationKey: 'a' });
    await h.request({ url: s.url, integrationKey: 'c' });
    expect(h.breakerState('a')).toBe('closed');
    expect(h.breakerState('b')).toBeUndefined();
    expect(h.breakerState('c')).toBe('closed');
  });
});

describe('redirects', () => {
  it('follows up to 5 hops with browser method rules and drops credentials across origins', async () => {
    const other = await serve(ok);
    const s = await serve((req, res) => {
      if (req.url === '/a') {
        res.writeHead(303, { location: '/b' });
      } else if (req.url === '/b') {
        res.writeHead(307, { location: `${other.url}/c` });
      } else res.writeHead(500);
      res.end();
    });
    const res = await lan().request({
      method: 'POST',
      url: `${s.url}/a`,
      body: 'x',
      headers: { 'X-Api-Key': 'secret', 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${other.url}/c`);
    expect(s.requests.map((r) => `${r.method} ${r.url} ${r.headers['x-api-key']}`)).toEqual([
      'POST /a secret',
      'GET /b secret',
    ]);
    expect(other.requests[0]?.method).toBe('GET');
    expect(other.requests[0]?.headers['x-api-key']).toBeUndefined();
  });

  it('stops after too many hops, or when asked not to follow', async () => {
    const s = await serve((req, res) => {
      res.writeHead(302, { location: `/n${Number((req.url ?? '/n0').slice(2)) + 1}` });
      res.end();
    });
    const h = lan();
    const e = await failure(h.request({ url: `${s.url}/n0` }));
    expect(e.code).toBe('http.redirect_blocked');
    expect(s.hits).toBe(6);
    const raw = await h.request({ url: `${s.url}/n0`, followRedirects: false });
    expect(raw.status).toBe(302);
    expect(raw.headers.location).toBe('/n1');
  });
});

describe('SSRF guard in SaaS mode', () => {
  it('refuses loopback and metadata literals without connecting', async () => {
    const s = await serve(ok);
    const h = createHttp({ mode: 'saas' });
    clients.push(h);
    const e = await failure(h.request({ url: s.url }));
    expect(e.code).toBe('http.blocked_address');
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe(
      '127.0.0.1 is a loopback address; MediaNest does not connect there (only public addresses are allowed)',
    );
    expect(e.transient).toBe(false);
    expect(
      (await failure(h.request({ url: 'http://169.254.169.254/latest/meta-data/' }))).details,
    ).toMatchObject({
      category: 'metadata',
    });
    expect(s.hits).toBe(0);
  });

  it('refuses a DNS name resolving to loopback or metadata, or to any internal address among public ones', async () => {
    const answers: Record<string, string[]> = {
      'rebind.example.com': ['127.0.0.1'],
      'meta.example.com': ['169.254.169.254'],
      'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
      'v6.example.com': ['2606:4700::1', '::ffff:127.0.0.1'],
    };
    const h = createHttp({ mode: 'saas', lookup: async (name) => answers[name] ?? [] });
    clients.push(h);
    for (const [name, addrs] of Object.entries(answers)) {
      const e = await failure(h.request({ url: `http://${name}/` }));
      expect(e.code, name).toBe('http.blocked_address');
      expect(e.message).toContain(`${name} resolves to ${addrs.at(-1)}`);
    }
  });

  it('connects to the vetted address (one lookup per hop) and refuses a redirect to loopback or metadata', async () => {
    const internal = await serve(ok);
    const s = await serve((req, res) => {
      const to =
        req.url === '/to-loopback'
          ? `${internal.url}/`
          : req.url === '/to-meta'
            ? 'http://metadata.example.com/latest'
            : req.url === '/to-v6'
              ? 'http://[::1]/'
              : undefined;
      if (to) res.writeHead(302, { location: to });
      else res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(to ? '' : `host=${req.headers.host}`);
    });
    const lookups: string[] = [];
    const h = createHttp({
      mode: 'saas',
      // The test server is loopback; exactly this address:port is exempted, nothing else.
      allowTargets: [`127.0.0.1:${s.port}`],
      lookup: async (name) => {
        lookups.push(name);
        if (name === 'plex.example.com') return ['127.0.0.1'];
        if (name === 'metadata.example.com') return ['169.254.169.254'];
        // A rebinding name: vetted once, then it points at the metadata service.
        if (name === 'plex.rebind.test') return lookups.length === 1 ? ['127.0.0.1'] : ['169.254.169.254'];
        return [];
      },
    });
    clients.push(h);
    // `.test` never resolves through the system resolver, so an answer proves the socket was
    // handed the address vet() checked, with no second lookup of its own.
    const first = await h.request({ url: `http://plex.rebind.test:${s.port}/hello` });
    expect(first.text()).toBe(`host=plex.rebind.test:${s.port}`);
    expect(lookups).toEqual(['plex.rebind.test']);
    const rebound = await failure(h.request({ url: `http://plex.rebind.test:${s.port}/hello` }));
    expect(rebound.code).toBe('http.blocked_address');
    expect(s.hits).toBe(1);
    lookups.length = 0;

    const res = await h.request({ url: `http://plex.example.com:${s.port}/hello` });
    expect(res.text()).toBe(`host=plex.example.com:${s.port}`);
    expect(lookups).toEqual(['plex.example.com']);

    for (const path of ['/to-loopback', '/to-meta', '/to-v6']) {
      const e = await failure(h.request({ url: `http://plex.example.com:${s.port}${path}` }));
      expect(e.code, path).toBe('http.redirect_blocked');
      expect(e.message).toMatch(/^Redirect refused: /);
    }
    expect(internal.hits).toBe(0);
  });

  it('the system resolver is used by default: localhost is loopback', async () => {
    const s = await serve(ok);
    const h = createHttp({ mode: 'saas' });
    clients.push(h);
    const e = await failure(h.request({ url: `http://localhost:${s.port}/` }));
    expect(e.code).toBe('http.blocked_address');
    expect(e.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
    expect(s.hits).toBe(0);
    // The same name is fine for a self-hosted install that allows its own network.
    expect((await lan().request({ url: `http://localhost:${s.port}/` })).status).toBe(200);
  });

  it('self-hosted mode with private ranges allowed still refuses the metadata service', async () => {
    const h = lan({ lookup: async () => ['169.254.169.254'] });
    expect((await failure(h.request({ url: 'http://169.254.169.254/' }))).code).toBe('http.blocked_address');
    expect((await failure(h.request({ url: 'http://metadata.google.internal/' }))).code).toBe(
      'http.blocked_address',
    );
    const strict = createHttp({ mode: 'selfhosted' });
    clients.push(strict);
    expect((await failure(strict.request({ url: 'http://127.0.0.1:1/' }))).code).toBe('http.blocked_address');
  });
});

describe('errors never leak the path or query', () => {
  it('messages name the host only', async () => {
    const s = await serve(() => {});
    const e = await failure(
      lan({ retry: { maxRetries: 0 } }).request({ url: `${s.url}/photo?X-Plex-Token=secret`, timeoutMs: 50 }),
    );
    expect(e.message).not.toContain('secret');
    expect(JSON.stringify(e.details)).not.toContain('secret');
    expect(isHttpError(e, 'http.timeout')).toBe(true);
  });
});
