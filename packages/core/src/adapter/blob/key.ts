/**
 * Blob keys, the same rules for every adapter so a key that works locally works in S3:
 * slash-separated segments, at most 1024 UTF-8 bytes (S3's limit), no empty, `.` or `..`
 * segment, no leading slash, no backslash or control characters.
 */
import { z } from 'zod';
import { AppError } from '../../error/index.ts';

export const blobKeySchema = z
  .string()
  .min(1)
  .refine((k) => Buffer.byteLength(k) <= 1024, 'at most 1024 bytes')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((k) => !/[\u0000-\u001f\u007f\\]/.test(k), 'no control characters or backslashes')
  .refine(
    (k) => k.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'no empty, "." or ".." segments',
  );

export function checkBlobKey(key: string): string {
  const parsed = blobKeySchema.safeParse(key);
  if (!parsed.success) {
    throw new AppError('invalid', 'blob.invalid_key', `Invalid blob key: ${z.prettifyError(parsed.error)}`, {
      details: { key },
    });
  }
  return parsed.data;
}

export const expiresInSchema = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600);

export function checkExpiresIn(seconds: number): number {
  const parsed = expiresInSchema.safeParse(seconds);
  if (!parsed.success) {
    throw new AppError('invalid', 'blob.invalid_expiry', 'A signed URL lives 1 s to 7 days', {
      details: { seconds },
    });
  }
  return parsed.data;
}
