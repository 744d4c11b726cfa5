/**
 * Who is calling, carried through async calls by AsyncLocalStorage so domain functions do not
 * thread a user id through every signature. The HTTP layer (or a worker) sets it once per request
 * with `withActor`; the domain reads it with `useActor` / `useUser`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { AppError } from '../error/index.ts';

export const UserActor = z.object({
  type: z.literal('user'),
  userId: z.string().regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/),
  /** The household the request acts in (chosen by the client, checked against the membership). */
  householdId: z
    .string()
    .regex(/^hh_[0-9A-HJKMNP-TV-Z]{26}$/)
    .optional(),
  /** The short id of the session that authenticated the request. */
  sessionId: z.string().optional(),
});
export type UserActor = z.infer<typeof UserActor>;

export const Actor = z.discriminatedUnion('type', [
  UserActor,
  z.object({ type: z.literal('system') }),
  z.object({ type: z.literal('public') }),
]);
export type Actor = z.infer<typeof Actor>;

const storage = new AsyncLocalStorage<Actor>();

export function withActor<T>(actor: Actor, fn: () => T): T {
  return storage.run(Actor.parse(actor), fn);
}

/** The current actor; outside any `withActor` the caller is anonymous. */
export function useActor(): Actor {
  return storage.getStore() ?? { type: 'public' };
}

/** The signed-in user, or 401. */
export function useUser(): UserActor {
  const actor = useActor();
  if (actor.type !== 'user') {
    throw new AppError('unauthorized', 'auth.required', 'Sign in to do this');
  }
  return actor;
}

/** The household the signed-in user acts in, or 400 when the request named none. */
export function useHouseholdId(): string {
  const { householdId } = useUser();
  if (householdId === undefined) {
    throw new AppError('invalid', 'household.not_selected', 'Choose a household first');
  }
  return householdId;
}
