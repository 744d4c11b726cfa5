/**
 * Sign-in plumbing that is not domain logic: the configured OAuth/OIDC providers (behind our own
 * `AuthProvider`, arctic inside), the single-use OAuth state, the plex.tv client of a deployment
 * and the CSRF origin rule.
 */
import type { Clock } from '../port/clock.ts';
import type { IdentityConfig } from '../system/config.ts';
import { discordProvider, githubProvider, googleProvider } from './oauth-apps.ts';
import { oidcProvider } from './oidc.ts';
import type { AuthProvider } from './provider.ts';

export * from './csrf.ts';
export * as OAuthState from './oauth-state.ts';
export { discover, oidcProvider, verifyIdToken } from './oidc.ts';
export { plexClientIdentifier, plexTvFor } from './plex-client.ts';
export * from './provider.ts';

export interface ProviderOptions {
  /** The deployment's public URL: callbacks are `<publicUrl>/api/v1/auth/oidc/<id>/callback`. */
  publicUrl: string;
  clock: Clock;
  fetch?: typeof fetch;
}

export const callbackUrl = (publicUrl: string, id: string) =>
  `${publicUrl.replace(/\/+$/, '')}/api/v1/auth/oidc/${encodeURIComponent(id)}/callback`;

/** Every provider the configuration enables, generic OIDC providers first. */
export function createAuthProviders(identity: IdentityConfig, o: ProviderOptions): AuthProvider[] {
  const out: AuthProvider[] = identity.oidc.map((p) =>
    oidcProvider({
      ...p,
      redirectUri: callbackUrl(o.publicUrl, p.id),
      clock: o.clock,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    }),
  );
  const fetchOpt = o.fetch ? { fetch: o.fetch } : {};
  if (identity.github)
    out.push(githubProvider(identity.github, callbackUrl(o.publicUrl, 'github'), fetchOpt));
  if (identity.google) out.push(googleProvider(identity.google, callbackUrl(o.publicUrl, 'google'), o.clock));
  if (identity.discord)
    out.push(discordProvider(identity.discord, callbackUrl(o.publicUrl, 'discord'), fetchOpt));
  return out;
}
