/**
 * The CSRF rule for cookie-authenticated APIs: a state-changing request must come from our own
 * pages. Browsers send `Origin` on every cross-origin and every non-GET same-origin fetch, and
 * `Sec-Fetch-Site` on all requests; a request with neither is refused rather than trusted, because
 * the cookie would be sent with it all the same.
 */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isUnsafeMethod = (method: string) => UNSAFE.has(method.toUpperCase());

export type OriginCheck = { ok: true } | { ok: false; reason: string };

/** `publicUrl` is the deployment's public URL; only its origin counts. */
export function checkOrigin(
  headers: { origin?: string | null | undefined; secFetchSite?: string | null | undefined },
  publicUrl: string,
): OriginCheck {
  if (headers.secFetchSite === 'same-origin') return { ok: true };
  const expected = new URL(publicUrl).origin;
  const origin = headers.origin?.trim();
  if (origin && origin !== 'null') {
    let actual: string | undefined;
    try {
      actual = new URL(origin).origin;
    } catch {
      actual = undefined;
    }
    if (actual === expected) return { ok: true };
    return { ok: false, reason: `Cross-site request refused: Origin ${origin} is not ${expected}` };
  }
  return {
    ok: false,
    reason: `Cross-site request refused: the request carries neither Origin ${expected} nor Sec-Fetch-Site: same-origin`,
  };
}
