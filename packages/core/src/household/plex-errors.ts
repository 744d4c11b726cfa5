/**
 * plex.tv refusing a stored Plex token is not the caller's MediaNest session failing: answering
 * 401 would sign them out of MediaNest. These errors say whose Plex sign-in needs renewing.
 */
import { AppError } from '../error/index.ts';
import { PlexUnauthorizedError } from '../plex/errors.ts';

export class PlexTokenRejectedError extends AppError {
  override name = 'PlexTokenRejectedError';
  readonly whose: 'self' | 'owner';
  constructor(whose: 'self' | 'owner', cause?: unknown) {
    if (whose === 'self') {
      super(
        'forbidden',
        'user.plex_token_rejected',
        'plex.tv no longer accepts your Plex sign-in; sign in with Plex again',
        {
          cause,
        },
      );
    } else {
      super(
        'conflict',
        'household.owner_plex_token_rejected',
        "plex.tv no longer accepts the household owner's Plex sign-in; the owner needs to sign in with Plex again",
        { cause },
      );
    }
    this.whose = whose;
  }
}

/** Runs a plex.tv call made with someone's stored token, translating a refused token. */
export async function withStoredToken<T>(whose: 'self' | 'owner', call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PlexUnauthorizedError) throw new PlexTokenRejectedError(whose, error);
    throw error;
  }
}
