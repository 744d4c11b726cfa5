/**
 * Our own small interface in front of the OAuth/OIDC library (arctic, deprecated upstream and
 * pinned): the HTTP layer and the domain only ever see `AuthProvider`, so replacing arctic touches
 * the files of this folder and nothing else.
 */
import { AppError } from '../error/index.ts';

export type ProviderKind = 'oidc' | 'github' | 'google' | 'discord';

/** Who the provider says signed in. */
export interface ExternalIdentity {
  /** The identity's provider as stored on the user: `oidc:<id>`, `github`, `google`, `discord`. */
  provider: string;
  /** The provider's stable user id (`sub`). */
  subject: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
  /** What "my account" shows for this identity (a username or an e-mail address). */
  label: string | null;
}

export interface AuthorizationInput {
  state: string;
  /** PKCE verifier (S256); providers without PKCE ignore it. */
  codeVerifier: string;
  /** Echoed in the ID token by OIDC providers; others ignore it. */
  nonce: string;
}

export interface AuthProvider {
  /** Used in URLs: `/api/v1/auth/oidc/<id>/start`. */
  readonly id: string;
  readonly name: string;
  readonly kind: ProviderKind;
  /** The URL to send the browser to. */
  authorizationUrl(input: AuthorizationInput): Promise<URL>;
  /** Exchanges the code and proves who signed in (ID token verified where there is one). */
  finish(input: { code: string; codeVerifier: string; nonce: string }): Promise<ExternalIdentity>;
}

export class ProviderRejectedError extends AppError {
  override name = 'ProviderRejectedError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('invalid', 'auth.code_rejected', message, options);
  }
}

export class IdTokenInvalidError extends AppError {
  override name = 'IdTokenInvalidError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('unauthorized', 'auth.id_token_invalid', message, options);
  }
}

export class ProviderUnavailableError extends AppError {
  override name = 'ProviderUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('unavailable', 'auth.provider_unavailable', message, options);
  }
}
