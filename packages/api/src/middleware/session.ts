/**
 * Sessions over HTTP: the `mn_session` cookie (HttpOnly, SameSite=Lax, Secure when the public URL
 * is https) is validated on every /api/v1 request and the caller becomes the
 * ambient actor for the domain. When validation extends the session (sliding expiry) the cookie
 * is sent again with the new lifetime.
 */
import { withActor } from '@medianest/core/actor/index';
import { AppError } from '@medianest/core/error/index';
import * as Session from '@medianest/core/session/index';
import type { System } from '@medianest/core/system/index';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { depsOf } from '../identity/deps.ts';

export const SESSION_COOKIE = 'mn_session';

/**
 * Secure whenever the public URL is https. A plain-http public URL (localhost, or a NAS on the
 * LAN) gets no Secure flag: browsers refuse to store a Secure cookie set over http, so the flag
 * would make sign-in impossible there while protecting nothing (the whole site is plain http).
 */
export function secureCookies(publicUrl: string): boolean {
  return new URL(publicUrl).protocol === 'https:';
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: number): void {
  const { config, clock } = c.var.system;
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: secureCookies(config.publicUrl),
    // Max-Age only: it is relative, so it stays right whatever the browser's clock says.
    maxAge: Math.max(0, Math.floor((expiresAt - clock.now()) / 1000)),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookies(c.var.system.config.publicUrl) });
}

/** Resolves the cookie (if any) and runs the rest of the request as that user. */
export const sessionMiddleware = createMiddleware<AppEnv>(async (c, next) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || token === '') return next();
  const system: System = c.var.system;
  let valid: Session.ValidSession;
  try {
    valid = await Session.validate(depsOf(system), token);
  } catch (error) {
    if (!(error instanceof Session.SessionInvalidError)) throw error;
    c.set('sessionInvalid', true);
    clearSessionCookie(c);
    return next();
  }
  const { session } = valid;
  c.set('auth', { userId: session.userId, sessionId: session.id, token });
  if (valid.renewed) setSessionCookie(c, token, session.expiresAt);
  return withActor({ type: 'user', userId: session.userId, sessionId: session.id }, () => next());
});

/** The signed-in caller, or 401 (saying whether a session ended or there never was one). */
export function requireAuth(c: Context<AppEnv>) {
  const auth = c.var.auth;
  if (auth) return auth;
  if (c.var.sessionInvalid) throw new Session.SessionInvalidError();
  throw new AppError('unauthorized', 'auth.required', 'Sign in to do this');
}
