/**
 * The deadline of a call a member waits on. The Http adapter retries a timed-out idempotent call
 * (three attempts of the per-attempt timeout plus backoff: ~26 s for a hanging Plex server); an
 * interactive library read instead ends, retries included, within `deadlineMs` (8 s by default).
 */
import { formatSeconds, type Http, HttpError } from '../port/http.ts';
import { DEFAULT_DEADLINE_MS, type LibraryDeps } from './deps.ts';

/**
 * The Http port with an overall deadline per call: the adapter's per-attempt timeout and retries
 * still apply inside it, but the caller's signal ends the whole call (retries and backoff included)
 * after `deadlineMs`, reported as an `http.timeout` naming that deadline. For calls a member waits
 * on; a hanging server would otherwise take every attempt's timeout plus the backoff.
 */
export function withDeadline(http: Http, deadlineMs: number): Http {
  return {
    async request(req) {
      const deadline = AbortSignal.timeout(deadlineMs);
      const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
      try {
        return await http.request({ ...req, signal });
      } catch (err) {
        if (!deadline.aborted || req.signal?.aborted) throw err;
        let host = 'the server';
        try {
          host = new URL(req.url).hostname;
        } catch {
          // The adapter refuses an invalid URL before any deadline could pass.
        }
        throw new HttpError(
          'http.timeout',
          `Timed out after ${formatSeconds(deadlineMs)} waiting for ${host}`,
          {
            cause: err,
            details: { host, timeoutMs: deadlineMs, deadline: true },
          },
        );
      }
    },
  };
}

/** The Http a member's call goes through: deps.http bounded by the interactive deadline. */
export const interactiveHttp = (deps: LibraryDeps): Http =>
  withDeadline(deps.http, deps.deadlineMs ?? DEFAULT_DEADLINE_MS);
