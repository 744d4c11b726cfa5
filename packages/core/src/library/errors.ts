/**
 * The library's typed errors. A Plex server that is down, slow or refusing the household's token
 * is `unavailable` with a message a member can act on ("Olivia's Plex did not answer within 8 s"),
 * never a hung request or a bare 500.
 */
import { AppError, type AppErrorOptions, isAppError } from '../error/index.ts';
import { isIntegrationError } from '../integration/client/errors.ts';
import { formatSeconds, isHttpError } from '../port/http.ts';

export class LibraryUnavailableError extends AppError {
  override name = 'LibraryUnavailableError';
  readonly serverId: string | undefined;
  constructor(message: string, options: AppErrorOptions & { serverId?: string } = {}) {
    super('unavailable', 'library.unavailable', message, {
      ...options,
      details: { ...(options.serverId ? { serverId: options.serverId } : {}), ...options.details },
    });
    this.serverId = options.serverId;
  }
}

export class LibraryNotFoundError extends AppError {
  override name = 'LibraryNotFoundError';
  constructor(what = 'No such item in your library') {
    super('not_found', 'library.not_found', what);
  }
}

export class ServerNotConnectedError extends AppError {
  override name = 'ServerNotConnectedError';
  constructor(message = 'No Plex server is connected to this household yet') {
    super('not_found', 'library.no_server', message);
  }
}

export class ImageSizeError extends AppError {
  override name = 'ImageSizeError';
  constructor(message: string) {
    super('invalid', 'library.image_size', message);
  }
}

export class SyncBusyError extends AppError {
  override name = 'SyncBusyError';
  constructor() {
    super('conflict', 'library.sync_running', 'A library sync is already running');
  }
}

/**
 * Turns what the Http layer or the Plex client threw into a message about the named server. A
 * `not_found` or `invalid` answer stays what it is; everything that means "no usable answer"
 * becomes LibraryUnavailableError.
 */
export function serverFailure(err: unknown, serverName: string, serverId: string): unknown {
  if (err instanceof LibraryUnavailableError || err instanceof LibraryNotFoundError) return err;
  if (isHttpError(err)) {
    const why =
      err.code === 'http.timeout'
        ? `did not answer in time${timeoutOf(err)}`
        : err.code === 'http.circuit_open'
          ? 'is failing repeatedly; MediaNest is giving it a moment before trying again'
          : err.code === 'http.connection_refused' || err.code === 'http.unreachable'
            ? 'cannot be reached (is it running and online?)'
            : err.code === 'http.dns_failure'
              ? 'cannot be found (its address does not resolve)'
              : err.code === 'http.blocked_address'
                ? 'has an address MediaNest may not call'
                : `could not be reached (${err.message})`;
    return new LibraryUnavailableError(`${serverName} ${why}`, { serverId, cause: err });
  }
  if (isIntegrationError(err)) {
    if (err.kind === 'not_found') return new LibraryNotFoundError();
    if (err.kind === 'invalid') return err;
    const why =
      err.code === 'integration.unauthorized'
        ? "refused the household's Plex token; the owner may need to reconnect the server"
        : err.code === 'integration.server_error'
          ? `failed to answer (${err.status ?? 'error'})`
          : err.code === 'integration.rate_limited'
            ? 'is busy; try again in a moment'
            : 'sent an answer MediaNest cannot read';
    return new LibraryUnavailableError(`${serverName} ${why}`, { serverId, cause: err });
  }
  if (isAppError(err)) return err;
  return err;
}

function timeoutOf(err: AppError): string {
  const ms = (err.details as { timeoutMs?: unknown } | undefined)?.timeoutMs;
  return typeof ms === 'number' ? ` (${formatSeconds(ms)})` : '';
}
