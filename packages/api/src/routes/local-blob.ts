/**
 * Serves blobs behind the signed URLs the local blob store hands out (`/api/blob/<key>?expires=…&sig=…`).
 * In AWS the same URLs point at S3 directly, so this route exists only where the system can
 * verify them (the local runtime).
 */
import { verifyBlobUrl } from '@medianest/core/adapter/blob/index';
import { AppError } from '@medianest/core/error/index';
import type { AppEnv } from '../env.ts';
import { createRouter } from '../router.ts';

export function localBlobRouter(secret: string) {
  return createRouter().get('/blob/*', async (c) => {
    const { system } = c.var;
    const check = verifyBlobUrl(c.req.url, { secret, now: system.clock.now() });
    if (!check.ok) {
      const message = {
        malformed: 'Not a signed blob URL',
        expired: 'This link has expired',
        bad_signature: 'This link is not valid',
      }[check.reason];
      throw new AppError('forbidden', `blob.${check.reason}`, message);
    }
    const object = await system.blob.get(check.key);
    if (!object) throw new AppError('not_found', 'blob.not_found', 'No such file');
    const maxAge = Math.max(0, check.expires - Math.floor(system.clock.now() / 1000));
    const headers = {
      'content-type': object.contentType,
      etag: object.etag,
      'cache-control': `private, max-age=${maxAge}`,
      'last-modified': new Date(object.lastModified).toUTCString(),
    };
    if (c.req.header('if-none-match') === object.etag) return c.body(null, 304, headers);
    return c.body(object.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}

export type { AppEnv };
