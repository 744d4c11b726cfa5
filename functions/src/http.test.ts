import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from './http.ts';
import { httpApiEvent, lambdaContext } from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';

describe('http handler (API Gateway HTTP API v2 → Hono app)', () => {
  let local: TempSystem;
  let systemsBuilt = 0;
  let handler: ReturnType<typeof createHttpHandler>;

  beforeAll(async () => {
    local = await tempSystem();
    handler = createHttpHandler(() => {
      systemsBuilt += 1;
      return local.system;
    });
  });
  afterAll(() => local.cleanup());

  it('answers GET /api/health from the real store, tagged with API Gateway request id', async () => {
    // act
    const res = await handler(
      httpApiEvent({ method: 'GET', path: '/api/health', requestId: 'Ju2ROjJaDoEEJdw=' }),
      lambdaContext(),
    );
    // assert
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^application\/json/);
    expect(res.headers?.['x-request-id']).toBe('Ju2ROjJaDoEEJdw=');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'ok',
      store: 'sqlite',
      queue: { depth: 0, deadLetter: 0 },
    });
  });

  it("keeps the caller's own x-request-id", async () => {
    const res = await handler(
      httpApiEvent({ method: 'GET', path: '/api/health', headers: { 'x-request-id': 'trace-abc-123' } }),
      lambdaContext(),
    );
    expect(res.headers?.['x-request-id']).toBe('trace-abc-123');
  });

  it('maps an unknown route to the JSON error shape', async () => {
    const res = await handler(
      httpApiEvent({ method: 'GET', path: '/api/v1/nope', query: 'a=1', requestId: 'Ab12Cd34Ef56Gh=' }),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: expect.any(String), requestId: 'Ab12Cd34Ef56Gh=' },
    });
  });

  it('builds the System and the app once per container', async () => {
    await handler(httpApiEvent({ method: 'GET', path: '/api/health' }), lambdaContext());
    await handler(httpApiEvent({ method: 'GET', path: '/api/health' }), lambdaContext());
    expect(systemsBuilt).toBe(1);
  });
});
