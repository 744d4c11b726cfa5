/**
 * Everything that touches arctic (pinned to 3.7.0; deprecated upstream). The rest of the code
 * sees `AuthProvider` only.
 */
import {
  ArcticFetchError,
  CodeChallengeMethod,
  Discord,
  GitHub,
  Google,
  OAuth2Client,
  OAuth2RequestError,
  type OAuth2Tokens,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
} from 'arctic';
import { ProviderRejectedError, ProviderUnavailableError } from './provider.ts';

export type { OAuth2Tokens };
export { CodeChallengeMethod, Discord, GitHub, Google, OAuth2Client };

/** Runs a token request and turns arctic's errors into ours. */
export async function tokenRequest(what: string, run: () => Promise<OAuth2Tokens>): Promise<OAuth2Tokens> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuth2RequestError) {
      // invalid_grant and friends: a used, expired or forged code; the person has to start over.
      throw new ProviderRejectedError(
        `${what} refused the sign-in (${error.code}${error.description ? `: ${error.description}` : ''}); start again`,
        { cause: error },
      );
    }
    if (
      error instanceof ArcticFetchError ||
      error instanceof UnexpectedResponseError ||
      error instanceof UnexpectedErrorResponseBodyError
    ) {
      throw new ProviderUnavailableError(`${what} could not complete the sign-in`, { cause: error });
    }
    throw error;
  }
}
