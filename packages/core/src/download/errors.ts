/** Typed errors of the download domain; the HTTP layer maps `kind` to a status. */
import { AppError } from '../error/index.ts';

export class InvalidUrlError extends AppError {
  override name = 'InvalidUrlError';
  constructor(message: string, code = 'download.invalid_url') {
    super('invalid', code, message);
  }
}

export class UnsupportedSiteError extends AppError {
  override name = 'UnsupportedSiteError';
  constructor(host: string) {
    super(
      'invalid',
      'download.unsupported_site',
      `${host} is not a supported site: paste a YouTube (or other supported site) link, or a direct link to a video file`,
      { details: { host } },
    );
  }
}

export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  constructor(message: string, details: Record<string, unknown>) {
    super('rate_limited', 'download.quota_exceeded', message, { details });
  }
}

export class StorageQuotaExceededError extends AppError {
  override name = 'StorageQuotaExceededError';
  constructor(usedBytes: number, limitBytes: number) {
    super(
      'rate_limited',
      'download.storage_exceeded',
      `You have used your download storage (${formatBytes(usedBytes)} of ${formatBytes(limitBytes)})`,
      { details: { usedBytes, limitBytes } },
    );
  }
}

export class DownloadNotFoundError extends AppError {
  override name = 'DownloadNotFoundError';
  constructor() {
    super('not_found', 'download.not_found', 'No such download');
  }
}

export class AgentNotFoundError extends AppError {
  override name = 'AgentNotFoundError';
  constructor() {
    super('not_found', 'agent.not_found', 'No such agent');
  }
}

export class AgentAuthError extends AppError {
  override name = 'AgentAuthError';
  constructor() {
    super('unauthorized', 'agent.unauthorized', 'Unknown or revoked agent token');
  }
}

/** A write lost a race (state, lease owner or version changed underneath it). */
export class StaleDownloadError extends AppError {
  override name = 'StaleDownloadError';
  constructor(message = 'The download changed meanwhile; reload and try again') {
    super('conflict', 'download.stale', message);
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
