/**
 * Sign-in routes: the provider list, Plex PIN sign-in, OIDC/OAuth redirects and callbacks, and
 * signing out. Every sign-in endpoint is rate-limited per client address, and every completed
 * sign-in per account.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { withActor } from '@medianest/core/actor/index';
import { type AuthProvider, createAuthProviders, OAuthState } from '@medianest/core/auth/index';
import { AppError } from '@medianest/core/error/index';
import { metrics } from '@medianest/core/observability/metrics';
import { PlexPinExpiredError } from '@medianest/core/plex/index';
import * as Session from '@medianest/core/session/index';
import type { System } from '@medianest/core/system/index';
import * as User from '@medianest/core/user/index';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { guard } from '../access.ts';
import { clientIp } from '../client-ip.ts';
import type { AppEnv } from '../env.ts';
import { depsOf, plexDepsOf } from '../identity/deps.ts';
import { limitAccount, limitPerIp, type SignInLimits } from '../middleware/rate-limit.ts';
import {
  clearSessionCookie,
  requireAuth,
  SESSION_COOKIE,
  secureCookies,
  setSessionCookie,
} from '../middleware/session.ts';
import { createRouter } from '../router.ts';
import { publicUser } from './present.ts';
import { errors, json, noContent, PublicUser } from './schemas.ts';

/** How often the web polls a Plex sign-in (plex.tv's own clients use 1–2 s). */
export const PLEX_POLL_INTERVAL_MS = 2000;
const OAUTH_COOKIE = 'mn_oauth';
const OAUTH_COOKIE_PATH = '/api/v1/auth/oidc';

const ProviderKind = z.enum(['plex', 'oidc', 'github', 'google', 'discord']);
const Providers = z
  .object({ providers: z.array(z.object({ id: z.string(), name: z.string(), kind: ProviderKind })) })
  .openapi('Providers');

const PlexStartBody = z.object({
  forwardUrl: z
    .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL on this site' })
    .optional()
    .openapi({ description: 'Where plex.tv sends the browser after approval (a page of this site)' }),
});
const PlexStarted = z
  .object({
    state: z.string().openapi({ description: 'Secret: send it back to /poll' }),
    code: z.string(),
    authUrl: z.string(),
    expiresAt: z.number().int(),
    pollIntervalMs: z.number().int(),
  })
  .openapi('PlexSignInStarted');
const StateBody = z.object({
  state: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'not a sign-in state' }),
});
const PlexPolled = z
  .union([
    z.object({ status: z.literal('pending') }),
    z.object({ status: z.literal('signed_in'), user: PublicUser }),
  ])
  .openapi('PlexSignInPoll');
const gone = json(
  z.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) }),
  'The Plex code expired: start again',
);

/** `/path?query`, never `//host` or an absolute URL: nobody can bounce a signed-in browser elsewhere. */
const ReturnTo = z
  .string()
  .max(2000)
  .regex(/^\/(?![/\\])[^\s]*$/, { error: 'expected a path on this site, like /households' })
  .default('/');

const ProviderParam = z.object({ provider: z.string().min(1).max(64) });

/**
 * The forward URL must be ours: plex.tv sends the approving browser there. "Ours" is the public
 * URL's origin, or the origin the request verifiably came from (the browser says same-origin),
 * so a local install opened as 127.0.0.1 instead of localhost still works.
 */
function checkForwardUrl(c: Context<AppEnv>, forwardUrl: string | undefined) {
  if (forwardUrl === undefined) return;
  const { publicUrl } = c.var.system.config;
  const origin = new URL(forwardUrl).origin;
  if (origin === new URL(publicUrl).origin) return;
  const from = c.req.header('origin');
  if (c.req.header('sec-fetch-site') === 'same-origin' && from && origin === from) return;
  throw new AppError('invalid', 'auth.forward_url', `forwardUrl must be a page of ${publicUrl}`);
}

async function startPlex(c: Context<AppEnv>, forwardUrl: string | undefined) {
  checkForwardUrl(c, forwardUrl);
  const started = await Session.PlexSignIn.start(
    await plexDepsOf(c.var.system),
    forwardUrl ? { forwardUrl } : {},
  );
  return { ...started, pollIntervalMs: PLEX_POLL_INTERVAL_MS };
}

/** plex.tv forgets an expired PIN: the contract answers 410 so the web starts over. */
function pinExpired(c: Context<AppEnv>, error: PlexPinExpiredError) {
  return c.json(
    { error: { code: 'auth.pin_expired', message: error.message, requestId: c.var.requestId } },
    410 as const,
  );
}

export function authRoutes(system: System, limits: SignInLimits) {
  let providers: AuthProvider[] | undefined;
  const oauthProviders = () => {
    providers ??= createAuthProviders(system.config.identity, {
      publicUrl: system.config.publicUrl,
      clock: system.clock,
    });
    return providers;
  };
  const providerOf = (id: string) => {
    const p = oauthProviders().find((x) => x.id === id);
    if (!p)
      throw new AppError('not_found', 'auth.unknown_provider', `No sign-in provider "${id}" is configured`);
    return p;
  };

  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/auth/providers',
      tags: ['auth'],
      summary: 'The sign-in methods this deployment offers',
      ...guard({ auth: 'public' }),
      responses: { 200: json(Providers, 'Sign-in providers') },
    }),
    (c) =>
      c.json(
        {
          providers: [
            { id: 'plex', name: 'Plex', kind: 'plex' as const },
            ...oauthProviders().map((p) => ({ id: p.id, name: p.name, kind: p.kind })),
          ],
        },
        200,
      ),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/plex/start',
      tags: ['auth'],
      summary: 'Start a Plex sign-in: a code to show and the plex.tv page to open',
      ...guard({ auth: 'public' }, [limitPerIp('start', limits.startPerIp)]),
      request: { body: { content: { 'application/json': { schema: PlexStartBody } }, required: false } },
      responses: { 200: json(PlexStarted, 'Started'), ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json') ?? {};
      return c.json(await startPlex(c, body.forwardUrl), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/plex/poll',
      tags: ['auth'],
      summary: 'Check a Plex sign-in; signs in (Set-Cookie) once approved on plex.tv',
      ...guard({ auth: 'public' }, [limitPerIp('poll', limits.pollPerIp)]),
      request: { body: { content: { 'application/json': { schema: StateBody } }, required: true } },
      responses: { 200: json(PlexPolled, 'Pending or signed in'), 410: gone, ...errors },
    }),
    async (c) => {
      const { state } = c.req.valid('json');
      const deps = await plexDepsOf(system);
      let result: Session.PlexSignIn.SignInResult;
      try {
        result = await Session.PlexSignIn.poll(deps, {
          state,
          userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
          ip: clientIp(c, system.config.identity.trustProxy),
        });
      } catch (error) {
        if (error instanceof PlexPinExpiredError) return pinExpired(c, error);
        throw error;
      }
      if (result.status === 'pending') return c.json({ status: 'pending' as const }, 200);
      try {
        await limitAccount(deps, result.user.id, limits.perAccount);
      } catch (error) {
        await Session.revokeToken(deps, result.token);
        throw error;
      }
      // Signing in over an existing session replaces it rather than leaving it behind.
      const previous = getCookie(c, SESSION_COOKIE);
      if (previous && previous !== result.token) await Session.revokeToken(deps, previous);
      setSessionCookie(c, result.token, result.session.expiresAt);
      metrics().signIn({ method: 'plex', ok: true });
      return c.json({ status: 'signed_in' as const, user: publicUser(result.user) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/auth/oidc/{provider}/start',
      tags: ['auth'],
      summary: 'Redirect to an OpenID Connect / OAuth provider (links the identity when already signed in)',
      ...guard({ auth: 'public' }, [limitPerIp('start', limits.startPerIp)]),
      request: { params: ProviderParam, query: z.object({ returnTo: ReturnTo }) },
      responses: { 302: { description: 'To the provider' }, ...errors },
    }),
    async (c) => {
      const { provider: id } = c.req.valid('param');
      const { returnTo } = c.req.valid('query');
      const provider = providerOf(id);
      const pending = await OAuthState.begin(system, {
        provider: provider.id,
        returnTo,
        linkUserId: c.var.auth?.userId ?? null,
      });
      const url = await provider.authorizationUrl(pending);
      // Binds the state to this browser: a callback URL crafted by someone else fails here.
      setCookie(c, OAUTH_COOKIE, pending.state, {
        httpOnly: true,
        sameSite: 'Lax',
        path: OAUTH_COOKIE_PATH,
        secure: secureCookies(system.config.publicUrl),
        maxAge: OAuthState.STATE_TTL_SECONDS,
      });
      return c.redirect(url.toString(), 302);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/auth/oidc/{provider}/callback',
      tags: ['auth'],
      summary: 'Where the provider returns: signs in (or links), then redirects to returnTo',
      ...guard({ auth: 'public' }, [limitPerIp('callback', limits.callbackPerIp)]),
      request: {
        params: ProviderParam,
        query: z.object({
          code: z.string().min(1).max(4096).optional(),
          state: z.string().min(1).max(512),
          error: z.string().max(200).optional(),
          error_description: z.string().max(1000).optional(),
        }),
      },
      responses: { 302: { description: 'Signed in or linked: to returnTo' }, ...errors },
    }),
    async (c) => {
      const { provider: id } = c.req.valid('param');
      const query = c.req.valid('query');
      const provider = providerOf(id);
      const bound = getCookie(c, OAUTH_COOKIE);
      deleteCookie(c, OAUTH_COOKIE, {
        path: OAUTH_COOKIE_PATH,
        secure: secureCookies(system.config.publicUrl),
      });
      if (bound !== query.state) throw new OAuthState.OAuthStateError();
      const pending = await OAuthState.consume(system, query.state);
      if (pending.provider !== provider.id) throw new OAuthState.OAuthStateError();
      if (query.error !== undefined) {
        throw new AppError(
          'invalid',
          'auth.provider_error',
          `${provider.name} did not sign you in (${query.error}${query.error_description ? `: ${query.error_description}` : ''})`,
        );
      }
      if (query.code === undefined) {
        throw new AppError('invalid', 'request.invalid', 'Invalid request: query.code: required');
      }
      const identity = await provider.finish({
        code: query.code,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
      });
      const deps = depsOf(system);
      const current = c.var.auth;
      // Linking is decided when the flow starts: a browser that signed in meanwhile (another tab)
      // must not silently attach this identity to whoever that is.
      if (pending.linkUserId !== null) {
        if (current?.userId !== pending.linkUserId) {
          throw new AppError(
            'unauthorized',
            'auth.link_session_changed',
            'Sign in again to link this account',
          );
        }
        await limitAccount(deps, current.userId, limits.perAccount);
        await withActor({ type: 'user', userId: current.userId, sessionId: current.sessionId }, () =>
          User.linkIdentity(deps, {
            provider: identity.provider,
            subject: identity.subject,
            label: identity.label,
          }),
        );
        return c.redirect(pending.returnTo, 302);
      }
      const { user } = await User.upsertFromOidc(deps, {
        provider: identity.provider,
        subject: identity.subject,
        ...(identity.name ? { name: identity.name.slice(0, 200) } : {}),
        email: identity.email?.slice(0, 320) ?? null,
        avatarUrl: identity.avatarUrl?.slice(0, 2000) ?? null,
      });
      await limitAccount(deps, user.id, limits.perAccount);
      const created = await Session.create(deps, {
        userId: user.id,
        userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
        ip: clientIp(c, system.config.identity.trustProxy),
      });
      // Signing in over an existing session replaces it rather than leaving it behind.
      if (current) await Session.revokeToken(deps, current.token);
      setSessionCookie(c, created.token, created.session.expiresAt);
      metrics().signIn({ method: identity.provider, ok: true });
      return c.redirect(pending.returnTo, 302);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-out',
      tags: ['auth'],
      summary: 'End this session (signing out twice is fine)',
      ...guard({ auth: 'public' }),
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await Session.revokeToken(depsOf(system), token);
      clearSessionCookie(c);
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/auth/sign-out-everywhere',
      tags: ['auth'],
      summary: 'End every session of the signed-in user, this one included',
      ...guard({ auth: 'user' }),
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      requireAuth(c);
      await Session.revokeAllMine(depsOf(system));
      clearSessionCookie(c);
      return c.body(null, 204);
    },
  );

  return router;
}

export { gone, PlexStartBody, PlexStarted, pinExpired, StateBody, startPlex };
