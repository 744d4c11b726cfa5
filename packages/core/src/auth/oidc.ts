/**
 * A generic OpenID Connect provider (Authentik, Keycloak, Authelia…) configured by its issuer:
 * the discovery document gives the endpoints, arctic's OAuth2Client runs the authorization code
 * flow with PKCE (S256), and the ID token is verified with jose: signature against the issuer's
 * JWKS, issuer, audience, expiry, and the nonce we sent.
 */
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import type { Clock } from '../port/clock.ts';
import { CodeChallengeMethod, OAuth2Client, tokenRequest } from './arctic.ts';
import {
  type AuthProvider,
  type ExternalIdentity,
  IdTokenInvalidError,
  ProviderUnavailableError,
} from './provider.ts';

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type Discovery = z.infer<typeof Discovery>;

const UserInfo = z.looseObject({
  sub: z.string(),
  email: z.string().optional(),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  picture: z.string().optional(),
});

const DISCOVERY_TIMEOUT_MS = 10_000;
/** Leeway for clocks that disagree a little about `exp`/`iat`. */
const CLOCK_TOLERANCE_SECONDS = 60;

const strip = (url: string) => url.replace(/\/+$/, '');

export async function discover(issuer: string, fetchFn: typeof fetch = fetch): Promise<Discovery> {
  const url = `${strip(issuer)}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const res = await fetchFn(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (cause) {
    throw new ProviderUnavailableError(
      `The identity provider's discovery document (${url}) could not be read`,
      {
        cause,
      },
    );
  }
  const parsed = Discovery.safeParse(body);
  if (!parsed.success) {
    throw new ProviderUnavailableError(
      `The identity provider's discovery document is not usable: ${z.prettifyError(parsed.error)}`,
    );
  }
  // A document that names another issuer would let that issuer's tokens in.
  if (strip(parsed.data.issuer) !== strip(issuer)) {
    throw new ProviderUnavailableError(
      `The discovery document names issuer ${parsed.data.issuer}, not the configured ${issuer}`,
    );
  }
  return parsed.data;
}

export interface VerifyIdTokenInput {
  idToken: string;
  issuer: string | string[];
  audience: string;
  nonce: string;
  jwks: JWTVerifyGetKey;
  clock: Clock;
}

/** The verified claims of an ID token; IdTokenInvalidError for anything wrong with it. */
export async function verifyIdToken(input: VerifyIdTokenInput): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(input.idToken, input.jwks, {
      issuer: input.issuer,
      audience: input.audience,
      currentDate: new Date(input.clock.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (cause) {
    if (cause instanceof joseErrors.JOSEError) {
      throw new IdTokenInvalidError(`The identity provider's ID token was refused (${cause.code})`, {
        cause,
      });
    }
    throw new ProviderUnavailableError("The identity provider's signing keys could not be read", { cause });
  }
  if (payload.nonce !== input.nonce) {
    throw new IdTokenInvalidError('The ID token was not issued for this sign-in (nonce mismatch)');
  }
  // With several audiences the token must have been issued to us (OIDC Core 3.1.3.7).
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== input.audience) {
    throw new IdTokenInvalidError('The ID token was issued to another client');
  }
  return payload as JWTPayload & { sub: string };
}

export interface OidcProviderOptions {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  clock: Clock;
  fetch?: typeof fetch;
  scopes?: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function oidcProvider(o: OidcProviderOptions): AuthProvider {
  const fetchFn = o.fetch ?? fetch;
  const client = new OAuth2Client(o.clientId, o.clientSecret, o.redirectUri);
  const scopes = o.scopes ?? ['openid', 'profile', 'email'];
  // Discovery is fetched on first use and kept; a failure is not kept, so the next sign-in retries.
  let metadata: Promise<{ discovery: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> }> | undefined;
  const load = () => {
    metadata ??= discover(o.issuer, fetchFn).then((discovery) => ({
      discovery,
      jwks: createRemoteJWKSet(new URL(discovery.jwks_uri)),
    }));
    metadata.catch(() => {
      metadata = undefined;
    });
    return metadata;
  };

  return {
    id: o.id,
    name: o.name,
    kind: 'oidc',
    async authorizationUrl({ state, codeVerifier, nonce }) {
      const { discovery } = await load();
      const url = client.createAuthorizationURLWithPKCE(
        discovery.authorization_endpoint,
        state,
        CodeChallengeMethod.S256,
        codeVerifier,
        scopes,
      );
      url.searchParams.set('nonce', nonce);
      return url;
    },
    async finish({ code, codeVerifier, nonce }): Promise<ExternalIdentity> {
      const { discovery, jwks } = await load();
      const tokens = await tokenRequest(o.name, () =>
        client.validateAuthorizationCode(discovery.token_endpoint, code, codeVerifier),
      );
      let idToken: string;
      try {
        idToken = tokens.idToken();
      } catch (cause) {
        throw new IdTokenInvalidError(`${o.name} sent no ID token`, { cause });
      }
      const claims = await verifyIdToken({
        idToken,
        issuer: discovery.issuer,
        audience: o.clientId,
        nonce,
        jwks,
        clock: o.clock,
      });
      let profile: Record<string, unknown> = claims;
      // Many providers keep profile claims out of the ID token when an access token can fetch them.
      if (discovery.userinfo_endpoint && (claims.email === undefined || claims.name === undefined)) {
        const info = await userInfo(fetchFn, discovery.userinfo_endpoint, tokens.accessToken(), o.name);
        // OIDC Core 5.3.2: userinfo of another subject must not be used.
        if (info && info.sub === claims.sub) profile = { ...info, ...claims };
      }
      return {
        provider: `oidc:${o.id}`,
        subject: claims.sub,
        name: str(profile.name) ?? str(profile.preferred_username),
        email: str(profile.email),
        avatarUrl: str(profile.picture),
        label: str(profile.email) ?? str(profile.preferred_username) ?? str(profile.name),
      };
    },
  };
}

async function userInfo(
  fetchFn: typeof fetch,
  endpoint: string,
  accessToken: string,
  what: string,
): Promise<z.infer<typeof UserInfo> | undefined> {
  try {
    const res = await fetchFn(endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!res.ok) return undefined;
    const parsed = UserInfo.safeParse(await res.json());
    return parsed.success ? parsed.data : undefined;
  } catch (cause) {
    throw new ProviderUnavailableError(`${what} did not answer the profile request`, { cause });
  }
}
