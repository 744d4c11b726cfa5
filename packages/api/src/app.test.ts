import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { AppError, type ErrorKind, statusOf } from '@medianest/core/error/index';
import { createLogger } from '@medianest/core/observability/logger';
import { createLocalSystem, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, MAX_BODY_BYTES } from './app.ts';
import type { ErrorBody } from './errors.ts';
import { createRouter } from './router.ts';
import type { HealthBody } from './routes/health.ts';

let dir: string;
let system: LocalSystem;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-api-'));
  system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dir }), {
    logger: createLogger('medianest-test', { level: 'DEBUG' }),
  });
  app = createApp(system);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Log records written while `fn` runs. */
async function logsOf(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const json = (body: string, type = 'application/json') => ({
  method: 'POST',
  // Our own origin: unsafe methods under /api/v1 pass the CSRF check only with it.
  headers: { 'content-type': type, origin: 'http://localhost:3000' },
  body,
});

const itemRoute = createRoute({
  method: 'post',
  path: '/api/v1/test/items',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ name: z.string().min(2), count: z.number().int().positive() }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'created',
      content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } },
    },
  },
});

describe('request id', () => {
  it('generates one when absent and returns it', async () => {
    const res = await app.request('/api/health');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a sane incoming id and replaces an unsafe one', async () => {
    const kept = await app.request('/api/health', { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc');
    const replaced = await app.request('/api/health', { headers: { 'x-request-id': '<script>' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('<script>');
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is in the body and header of error responses', async () => {
    const res = await app.request('/api/nope', { headers: { 'x-request-id': 'trace-42' } });
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    expect(((await res.json()) as ErrorBody).error.requestId).toBe('trace-42');
  });

  it('is stamped on every log line of the request', async () => {
    app.get('/api/v1/test/log', (c) => {
      c.var.logger.info('inside handler', { step: 1 });
      return c.json({ ok: true });
    });
    const logs = await logsOf(async () =>
      app.request('/api/v1/test/log', { headers: { 'x-request-id': 'corr-7' } }),
    );
    expect(logs.find((l) => l.message === 'inside handler')).toMatchObject({
      correlation_id: 'corr-7',
      step: 1,
    });
    // At DEBUG there is one access line per request, with the same id.
    expect(logs.find((l) => l.message === 'request')).toMatchObject({
      correlation_id: 'corr-7',
      method: 'GET',
      path: '/api/v1/test/log',
      status: 200,
    });
  });
});

describe('error mapper', () => {
  it.each(Object.entries(statusOf) as [ErrorKind, number][])(
    'AppError kind %s → %i',
    async (kind, status) => {
      app.get('/api/v1/test/fail', () => {
        throw new AppError(kind, `test.${kind}`, `failed: ${kind}`, { details: { field: 'x' } });
      });
      let res: Response | undefined;
      const logs = await logsOf(async () => {
        res = await app.request('/api/v1/test/fail', { headers: { 'x-request-id': 'r1' } });
      });
      expect(res!.status).toBe(status);
      // Client mistakes are not server problems: only 5xx kinds are logged as warnings.
      expect(logs.some((l) => l.level === 'WARN' || l.level === 'ERROR')).toBe(status >= 500);
      expect(await res!.json()).toEqual({
        error: { code: `test.${kind}`, message: `failed: ${kind}`, details: { field: 'x' }, requestId: 'r1' },
      });
    },
  );

  it('omits details when there are none and sends Retry-After for rate limits', async () => {
    app.get('/api/v1/test/plain', () => {
      throw new AppError('not_found', 'household.not_found', 'No such household');
    });
    app.get('/api/v1/test/limited', () => {
      throw new AppError('rate_limited', 'auth.rate_limited', 'Slow down', {
        details: { retryAfterSeconds: 12.2 },
      });
    });
    const plain = (await (await app.request('/api/v1/test/plain')).json()) as ErrorBody;
    expect(plain.error).not.toHaveProperty('details');
    const limited = await app.request('/api/v1/test/limited');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('13');
  });

  it('maps a ZodError thrown by core code to 400 listing each field', async () => {
    app.post('/api/v1/test/core', async (c) => {
      z.object({ email: z.email(), age: z.number().min(18) }).parse(await c.req.json());
      return c.json({ ok: true });
    });
    const res = await app.request('/api/v1/test/core', json('{"email":"nope","age":3}'));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('request.invalid');
    expect(body.error.message).toContain('email: Invalid email');
    expect(body.error.message).toContain('age: Too small');
    expect(body.error.details).toMatchObject({ issues: [{ path: 'email' }, { path: 'age' }] });
  });

  it('maps route validation failures to 400 naming where each field came from', async () => {
    app.openapi(itemRoute, (c) => c.json({ ok: true }, 201));
    const good = await app.request('/api/v1/test/items', json('{"name":"ab","count":2}'));
    expect(good.status).toBe(201);
    const res = await app.request('/api/v1/test/items', json('{"name":"a","count":-1}'));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('request.invalid');
    const issues = (body.error.details as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path)).toEqual(['body.name', 'body.count']);
    expect(body.error.message).toMatch(/^Invalid request: body\.name: .+; body\.count: .+/);
  });

  it.each([
    ['a known route', '/api/v1/test/items'],
    ['an unknown route', '/api/v1/does-not-exist'],
    ['a route outside v1', '/api/health'],
  ])('answers malformed JSON on %s with 400 and the parser message', async (_, path) => {
    app.openapi(itemRoute, (c) => c.json({ ok: true }, 201));
    const res = await app.request(path, json('{"name": "ab",', 'application/json; charset=utf-8'));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('request.malformed_json');
    expect(body.error.message).toMatch(/^Malformed JSON body: .*JSON/);
  });

  it('checks structured JSON types too, and leaves other bodies alone', async () => {
    const merge = await app.request('/api/v1/x', {
      ...json('nope', 'application/merge-patch+json'),
      method: 'PATCH',
    });
    expect(merge.status).toBe(400);
    const text = await app.request('/api/v1/x', json('{not json', 'text/plain'));
    expect(text.status).toBe(404);
  });

  it('answers anything else with a bare 500 and logs the stack', async () => {
    app.get('/api/v1/test/bug', () => {
      throw new TypeError('cannot read properties of undefined (secret detail)');
    });
    let res: Response | undefined;
    const logs = await logsOf(async () => {
      res = await app.request('/api/v1/test/bug', { headers: { 'x-request-id': 'bug-1' } });
    });
    expect(res!.status).toBe(500);
    const text = await res!.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'Internal error', requestId: 'bug-1' },
    });
    expect(text).not.toContain('secret detail');
    expect(text).not.toContain('at ');
    const logged = logs.find((l) => l.level === 'ERROR');
    expect(logged).toMatchObject({ correlation_id: 'bug-1' });
    expect(JSON.stringify(logged)).toContain('secret detail');
    expect((logged?.error as { stack?: string } | undefined)?.stack).toContain('TypeError');
  });

  it('answers unknown /api routes with a JSON 404', async () => {
    const res = await app.request('/api/v1/nothing-here', {
      method: 'DELETE',
      headers: { origin: 'http://localhost:3000' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({
      code: 'route.not_found',
      message: 'No route for DELETE /api/v1/nothing-here',
    });
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await app.request('/api/v1/test/items', json(`"${'x'.repeat(MAX_BODY_BYTES)}"`));
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe('request.too_large');
  });
});

describe('feature routers', () => {
  it('a router from createRouter() mounted under /api/v1 shares validation, errors and the OpenAPI doc', async () => {
    const feature = createRouter()
      .openapi({ ...itemRoute, path: '/items' }, (c) => c.json({ ok: true }, 201))
      .get('/missing', () => {
        throw new AppError('not_found', 'feature.not_found', 'Nothing here');
      });
    app.route('/api/v1/feature', feature);

    const invalid = await app.request('/api/v1/feature/items', json('{"name":"a","count":1}'));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as ErrorBody).error.code).toBe('request.invalid');
    const missing = await app.request('/api/v1/feature/missing', { headers: { 'x-request-id': 'f-1' } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'feature.not_found', message: 'Nothing here', requestId: 'f-1' },
    });
    const doc = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths).toHaveProperty('/api/v1/feature/items');
  });
});

describe('GET /api/health', () => {
  it('reports version, mode, store and queue depths', async () => {
    await system.queue.send('jobs', { type: 'x', data: {} });
    await system.queue.send('jobs', { type: 'y', data: {} });
    const res = await app.request('/api/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthBody;
    expect(body).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      mode: 'selfhosted',
      store: 'sqlite',
      queue: { depth: 2, deadLetter: 0 },
    });
  });

  it('counts dead letters', async () => {
    await system.queue.send('jobs', { type: 'x', data: {} });
    await system.queue.poll(
      'jobs',
      async (ms) => ({ batchItemFailures: ms.map((m) => ({ itemIdentifier: m.id })) }),
      {
        maxReceives: 1,
      },
    );
    const body = (await (await app.request('/api/health')).json()) as HealthBody;
    expect(body.queue).toEqual({ depth: 0, deadLetter: 1 });
  });

  it('answers 503 when the store is unreachable', async () => {
    system.db.close();
    let res: Response | undefined;
    const logs = await logsOf(async () => {
      res = await app.request('/api/health', { headers: { 'x-request-id': 'probe-1' } });
    });
    expect(res!.status).toBe(503);
    expect(((await res!.json()) as HealthBody).status).toBe('unavailable');
    expect(logs.find((l) => l.level === 'ERROR')).toMatchObject({
      message: 'Health: store unreachable',
      correlation_id: 'probe-1',
    });
  });

  it('sends security headers and no-store', async () => {
    for (const path of ['/api/health', '/api/nope']) {
      const res = await app.request(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('is OpenAPI 3.1 generated from the route schemas', async () => {
    app.openapi(itemRoute, (c) => c.json({ ok: true }, 201));
    const res = await app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('MediaNest API');
    expect(Object.keys(doc.paths['/api/health']?.get?.responses ?? {})).toEqual(['200', '503']);
    expect(doc.components.schemas.Health?.properties).toHaveProperty('queue');
    expect(doc.paths['/api/v1/test/items']?.post).toBeDefined();
  });
});

describe('GET /api/blob/* (local signed URLs)', () => {
  it('serves a blob behind a valid signed URL and refuses tampered or expired ones', async () => {
    await system.blob.put('posters/a.png', new Uint8Array([1, 2, 3]), { contentType: 'image/png' });
    const signed = new URL(await system.blob.signedUrl('posters/a.png', 60));
    expect(signed.pathname).toBe('/api/blob/posters/a.png');
    const ok = await app.request(`${signed.pathname}${signed.search}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));

    const other = await app.request(`/api/blob/posters/b.png${signed.search}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as ErrorBody).error.code).toBe('blob.bad_signature');
    expect((await app.request('/api/blob/posters/a.png')).status).toBe(403);
  });
});
