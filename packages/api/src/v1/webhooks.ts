/**
 * Overseerr's webhook, one URL per household. Called by Overseerr's server, not a browser: no
 * session and no CSRF origin check (the v1 index exempts `/webhooks/`). The caller proves itself
 * with the per-household Authorization value from `webhook-settings`, checked by the domain in
 * constant time; wrong or missing → 401 and nothing changes.
 *
 * Access is declared `public` because the session guard has nothing to check here: the shared
 * secret is the authentication, and the handler (not a middleware) verifies it. The OpenAPI
 * operation says so in `x-medianest-shared-secret`, and the isolation suite's public branch
 * calls it anonymously (a foreign household id, no header), which must answer 401 and leak
 * nothing — asserted in webhooks.test.ts too.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { handleOverseerrWebhook } from '@medianest/core/request/index';
import type { System } from '@medianest/core/system/index';
import { createMiddleware } from 'hono/factory';
import { guard } from '../access.ts';
import type { AppEnv } from '../env.ts';
import { errorResponse } from '../errors.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { errors, json } from './schemas.ts';

/** Overseerr's default template is well under 8 KB; anything far bigger is not Overseerr. */
export const WEBHOOK_MAX_BYTES = 64 * 1024;

/**
 * The app's own body limit has already wrapped the stream (a second `bodyLimit` would find it
 * locked), so this one reads the text through Hono's body cache and measures the bytes.
 */
const limit = createMiddleware<AppEnv>(async (c, next) => {
  const declared = Number(c.req.header('content-length'));
  const tooLarge =
    (Number.isFinite(declared) && declared > WEBHOOK_MAX_BYTES) ||
    Buffer.byteLength(await c.req.text(), 'utf8') > WEBHOOK_MAX_BYTES;
  if (tooLarge) {
    return errorResponse(c, 413, {
      code: 'webhook.too_large',
      message: `The webhook body is larger than ${WEBHOOK_MAX_BYTES} bytes`,
    });
  }
  return next();
});

const Outcome = z
  .object({
    outcome: z.enum(['applied', 'unchanged', 'duplicate', 'ignored', 'test']),
    notificationType: z.string(),
    requestId: z.string().optional(),
    status: z.string().optional(),
  })
  .openapi('OverseerrWebhookOutcome');

export function webhookRoutes(system: System) {
  const router = createRouter();
  const deps = () => portsOf(system);

  router.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/overseerr/{hid}',
      tags: ['webhooks'],
      summary: "Overseerr's webhook agent (default JSON template); idempotent on replays",
      description:
        "Authenticated by the household's shared secret in `Authorization` (see GET /households/{hid}/webhook-settings), not by a session. Wrong or missing: 401, nothing changes. Bodies over 64 KB: 413. The body (Overseerr's default JSON template, all values strings) is read raw, not validated before the secret is checked, so a caller without it learns nothing from validation errors.",
      ...guard({ auth: 'public' }, [limit]),
      'x-medianest-shared-secret': { in: 'header', name: 'Authorization' },
      request: {
        params: z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) }),
        headers: z.object({
          // Optional in the schema: a missing header is a 401 from the domain, not a 400.
          authorization: z.string().optional().openapi({ description: 'The value from webhook-settings' }),
        }),
      },
      responses: {
        200: json(Outcome, 'Received'),
        413: { description: 'Body too large' },
        503: { description: 'Temporarily unavailable: Overseerr retries' },
        ...errors,
      },
    }),
    async (c) => {
      // The raw bytes: the replay marker is a hash of exactly what Overseerr sent.
      const body = await c.req.text();
      const result = await handleOverseerrWebhook(deps(), c.req.valid('param').hid, {
        authorization: c.req.header('authorization'),
        body,
      });
      return c.json(result, 200);
    },
  );

  return router;
}
