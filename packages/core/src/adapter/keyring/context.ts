/**
 * What both keyrings bind into a ciphertext: the context as canonical JSON (keys sorted), so
 * `{a, b}` and `{b, a}` are the same context and any other context is a different one.
 */
import { z } from 'zod';
import { AppError } from '../../error/index.ts';

const contextSchema = z.record(z.string().min(1), z.string());

export function canonicalContext(context: Record<string, string>): string {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      'keyring.invalid_context',
      'The encryption context must map names to strings',
      {
        cause: parsed.error,
      },
    );
  }
  const sorted = Object.keys(parsed.data)
    .sort()
    .map((k) => [k, parsed.data[k]]);
  return JSON.stringify(Object.fromEntries(sorted));
}

/** One error for every way a ciphertext can fail to open, so callers learn nothing from which. */
export function decryptFailed(cause?: unknown): AppError {
  return new AppError(
    'invalid',
    'keyring.decrypt_failed',
    'The secret could not be decrypted: it was altered, or belongs to another context or key',
    { cause },
  );
}
