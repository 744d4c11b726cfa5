/**
 * Topic and message checks shared by both Realtime adapters. Ids may not contain `#`: the AWS
 * adapter builds keys from them, and `h1` must never prefix-match `h10` or `h1#x`.
 */
import { z } from 'zod';
import { AppError } from '../../error/index.ts';
import type { RealtimeMessage, Topic } from '../../port/realtime.ts';

const id = z.string().regex(/^[^#\s]{1,128}$/, 'ids are 1-128 characters without "#" or spaces');

export const scopeSchema = z.object({ userId: id, householdId: id });
export type ConnectionScope = z.infer<typeof scopeSchema>;

const topicSchema = z.union([
  z.object({ householdId: id, userId: id }).strict(),
  z.object({ householdId: id }).strict(),
  z.object({ userId: id }).strict(),
]);

export type ResolvedTopic =
  | { kind: 'household'; householdId: string }
  | { kind: 'user'; userId: string }
  | { kind: 'member'; householdId: string; userId: string };

export function resolveTopic(topic: Topic): ResolvedTopic {
  const parsed = topicSchema.safeParse(topic);
  if (!parsed.success) {
    throw new AppError('invalid', 'realtime.invalid_topic', z.prettifyError(parsed.error), {
      cause: parsed.error,
    });
  }
  const t = parsed.data as { householdId?: string; userId?: string };
  if (t.householdId !== undefined && t.userId !== undefined) {
    return { kind: 'member', householdId: t.householdId, userId: t.userId };
  }
  if (t.householdId !== undefined) return { kind: 'household', householdId: t.householdId };
  return { kind: 'user', userId: t.userId as string };
}

export function checkScope(scope: ConnectionScope): ConnectionScope {
  const parsed = scopeSchema.safeParse(scope);
  if (!parsed.success) {
    throw new AppError('invalid', 'realtime.invalid_scope', z.prettifyError(parsed.error), {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** The wire form every client receives: `{"type":…,"data":…}`. */
export function encodeMessage(message: RealtimeMessage): string {
  if (typeof message?.type !== 'string' || message.type === '') {
    throw new AppError('invalid', 'realtime.invalid_message', 'A realtime message needs a non-empty type');
  }
  try {
    return JSON.stringify({ type: message.type, data: message.data ?? null });
  } catch (cause) {
    throw new AppError('invalid', 'realtime.invalid_message', 'A realtime message must be JSON', { cause });
  }
}
