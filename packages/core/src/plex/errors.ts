/**
 * What can go wrong talking to plex.tv, as AppErrors so the HTTP layer maps them without knowing
 * about Plex: a refused token is the user's problem (401), an unreachable or broken plex.tv is
 * ours (503), and an expired PIN means the sign-in has to start over.
 */
import { AppError, type AppErrorOptions } from '../error/index.ts';

export class PlexUnauthorizedError extends AppError {
  override name = 'PlexUnauthorizedError';
  constructor(message = 'plex.tv did not accept the Plex token', options: AppErrorOptions = {}) {
    super('unauthorized', 'plex.unauthorized', message, options);
  }
}

export class PlexUnavailableError extends AppError {
  override name = 'PlexUnavailableError';
  constructor(message = 'plex.tv is unavailable', options: AppErrorOptions = {}) {
    super('unavailable', 'plex.unavailable', message, options);
  }
}

/** plex.tv forgets a PIN once it expires (15 minutes) and answers 404 for it from then on. */
export class PlexPinExpiredError extends AppError {
  override name = 'PlexPinExpiredError';
  constructor(message = 'The Plex sign-in code expired; start again', options: AppErrorOptions = {}) {
    super('not_found', 'plex.pin_expired', message, options);
  }
}

/** plex.tv answered, but not in a shape we understand (a changed API, a proxy's error page). */
export class PlexBadResponseError extends AppError {
  override name = 'PlexBadResponseError';
  constructor(message: string, options: AppErrorOptions = {}) {
    super('unavailable', 'plex.bad_response', message, options);
  }
}
