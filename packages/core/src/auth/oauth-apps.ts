/**
 * GitHub, Google and Discord through arctic. Google is OpenID Connect, so its ID token is verified
 * like a generic provider's (JWKS, issuer, audience, nonce); GitHub and Discord are plain OAuth 2
 * and the profile comes from their user API with the access token.
 */
import { createRemoteJWKSet } from 'jose';
import { z } from 'zod';
import type { Clock } from '../port/clock.ts';
import type { OAuthAppConfig } from '../system/config.ts';
import { Discord, GitHub, Google, tokenRequest } from './arctic.ts';
import { verifyIdToken } from './oidc.ts';
import {
  type AuthProvider,
  type ExternalIdentity,
  IdTokenInvalidError,
  ProviderUnavailableError,
} from './provider.ts';

const TIMEOUT_MS = 10_000;

async function getJson<S extends z.ZodType>(
  fetchFn: typeof fetch,
  url: string,
  accessToken: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    const res = await fetchFn(url, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
        'user-agent': 'MediaNest',
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (cause) {
    throw new ProviderUnavailableError(`${what} did not answer the profile request`, { cause });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ProviderUnavailableError(`${what} sent an unexpected profile`);
  return parsed.data;
}

const GitHubUser = z.object({
  id: z.number().int(),
  login: z.string(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  avatar_url: z.string().nullable().optional(),
});

export function githubProvider(
  app: OAuthAppConfig,
  redirectUri: string,
  options: { fetch?: typeof fetch } = {},
): AuthProvider {
  const github = new GitHub(app.clientId, app.clientSecret, redirectUri);
  return {
    id: 'github',
    name: 'GitHub',
    kind: 'github',
    async authorizationUrl({ state }) {
      return github.createAuthorizationURL(state, ['read:user', 'user:email']);
    },
    async finish({ code }): Promise<ExternalIdentity> {
      const tokens = await tokenRequest('GitHub', () => github.validateAuthorizationCode(code));
      const user = await getJson(
        options.fetch ?? fetch,
        'https://api.github.com/user',
        tokens.accessToken(),
        GitHubUser,
        'GitHub',
      );
      return {
        provider: 'github',
        subject: String(user.id),
        name: user.name ?? user.login,
        email: user.email ?? null,
        avatarUrl: user.avatar_url ?? null,
        label: user.login,
      };
    },
  };
}

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const GOOGLE_JWKS = 'https://www.googleapis.com/oauth2/v3/certs';

export function googleProvider(app: OAuthAppConfig, redirectUri: string, clock: Clock): AuthProvider {
  const google = new Google(app.clientId, app.clientSecret, redirectUri);
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  return {
    id: 'google',
    name: 'Google',
    kind: 'google',
    async authorizationUrl({ state, codeVerifier, nonce }) {
      const url = google.createAuthorizationURL(state, codeVerifier, ['openid', 'email', 'profile']);
      url.searchParams.set('nonce', nonce);
      return url;
    },
    async finish({ code, codeVerifier, nonce }): Promise<ExternalIdentity> {
      const tokens = await tokenRequest('Google', () => google.validateAuthorizationCode(code, codeVerifier));
      let idToken: string;
      try {
        idToken = tokens.idToken();
      } catch (cause) {
        throw new IdTokenInvalidError('Google sent no ID token', { cause });
      }
      jwks ??= createRemoteJWKSet(new URL(GOOGLE_JWKS));
      const claims = await verifyIdToken({
        idToken,
        issuer: GOOGLE_ISSUERS,
        audience: app.clientId,
        nonce,
        jwks,
        clock,
      });
      const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
      return {
        provider: 'google',
        subject: claims.sub,
        name: s(claims.name),
        email: s(claims.email),
        avatarUrl: s(claims.picture),
        label: s(claims.email) ?? s(claims.name),
      };
    },
  };
}

const DiscordUser = z.object({
  id: z.string(),
  username: z.string(),
  global_name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  avatar: z.string().nullable().optional(),
});

export function discordProvider(
  app: OAuthAppConfig,
  redirectUri: string,
  options: { fetch?: typeof fetch } = {},
): AuthProvider {
  const discord = new Discord(app.clientId, app.clientSecret, redirectUri);
  return {
    id: 'discord',
    name: 'Discord',
    kind: 'discord',
    async authorizationUrl({ state, codeVerifier }) {
      return discord.createAuthorizationURL(state, codeVerifier, ['identify', 'email']);
    },
    async finish({ code, codeVerifier }): Promise<ExternalIdentity> {
      const tokens = await tokenRequest('Discord', () =>
        discord.validateAuthorizationCode(code, codeVerifier),
      );
      const user = await getJson(
        options.fetch ?? fetch,
        'https://discord.com/api/users/@me',
        tokens.accessToken(),
        DiscordUser,
        'Discord',
      );
      return {
        provider: 'discord',
        subject: user.id,
        name: user.global_name ?? user.username,
        email: user.email ?? null,
        avatarUrl: user.avatar ? `https://cdn.discordapp.com/avatars/${user.id}/${user.avatar}.png` : null,
        label: user.username,
      };
    },
  };
}
