/**
 * The client's address, for per-IP rate limits. The socket's peer locally, API Gateway's
 * `sourceIp` on Lambda; X-Forwarded-For only when the operator says a proxy sets it (anyone can
 * send that header, so trusting it by default would let a client pick its own rate-limit bucket).
 */
import type { Context } from 'hono';

interface Bindings {
  incoming?: { socket?: { remoteAddress?: string } };
  requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
}

export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // The last entry is the one our own proxy appended; earlier ones are the client's word.
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const last = hops.at(-1);
    if (last) return last.slice(0, 64);
  }
  const env = (c.env ?? {}) as Bindings;
  const ip =
    env.incoming?.socket?.remoteAddress ??
    env.requestContext?.http?.sourceIp ??
    env.requestContext?.identity?.sourceIp;
  return (ip ?? 'unknown').slice(0, 64);
}
