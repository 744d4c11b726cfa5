/**
 * The HTTP API, one Hono app for both runtimes: the local server mounts it next to the static
 * web app, the Lambda HTTP handler wraps it with `hono/aws-lambda`.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { System } from '@medianest/core/system/index';
import { VERSION } from '@medianest/core/system/version';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './env.ts';
import { errorResponse, notFound, onError } from './errors.ts';
import { jsonBodyGuard } from './middleware/json-body.ts';
import { requestContext } from './middleware/request-context.ts';
import { createRouter } from './router.ts';
import { healthRouter } from './routes/health.ts';
import { localBlobRouter } from './routes/local-blob.ts';
import { createV1, type V1Options } from './v1/index.ts';

/** Request bodies are small JSON documents; uploads go to signed blob URLs instead. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type AppOptions = V1Options;

export function createApp(system: System, options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.use('*', requestContext(system));
  app.use('*', secureHeaders());
  app.use('/api/*', async (c, next) => {
    await next();
    // API answers are per-user and live: never let a shared cache keep one.
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(c, 413, {
          code: 'request.too_large',
          message: `Request body larger than ${MAX_BODY_BYTES} bytes`,
        }),
    }),
  );
  app.use('/api/*', jsonBodyGuard);

  app.route('/api', healthRouter());
  if ('blobSigningSecret' in system && typeof system.blobSigningSecret === 'string') {
    app.route('/api', localBlobRouter(system.blobSigningSecret));
  }
  app.route('/api/v1', createV1(system, options));

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'mn_session',
    description: 'The session cookie set by a sign-in',
  });

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'MediaNest API',
      version: VERSION,
      description: 'Errors share one shape: `{ error: { code, message, details?, requestId } }`.',
    },
  });

  app.notFound(notFound);
  app.onError(onError);
  return app;
}
