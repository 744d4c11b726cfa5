/**
 * Fault injection shared by every simulator: per-route rules switchable at run time, either from
 * code (`sim.faults.add(...)`) or over HTTP (`POST /__control/faults`).
 */
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';

export const FaultRule = z.object({
  /** HTTP method to match; any when absent. */
  method: z.string().optional(),
  /** Path to match: exact, or a prefix when it ends with `*`. Any when absent. */
  path: z.string().optional(),
  /** Delay before answering (or before the other fault). */
  latencyMs: z.number().int().min(0).optional(),
  /** Answer with this status (and `body`) instead of the real handler. */
  status: z.number().int().min(100).max(599).optional(),
  body: z.string().optional(),
  /** Accept the request and never answer. */
  hang: z.boolean().optional(),
  /** Destroy the connection without an answer. */
  reset: z.boolean().optional(),
  /** Answer with a truncated, unparsable version of the real body. */
  malformed: z.boolean().optional(),
  /** Apply to this many matching requests, then remove itself. Forever when absent. */
  times: z.number().int().min(1).optional(),
});
export type FaultRule = z.infer<typeof FaultRule>;

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

export class Faults {
  #rules: ActiveRule[] = [];
  #next = 1;

  add(rule: FaultRule): number {
    const parsed = FaultRule.parse(rule);
    const id = this.#next++;
    this.#rules.push({ ...parsed, id, remaining: parsed.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: number): void {
    this.#rules = this.#rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.#rules = [];
  }

  list(): FaultRule[] {
    return this.#rules.map(({ id: _id, remaining: _r, ...rule }) => rule);
  }

  /** The first rule matching this request, consuming one of its uses. */
  take(method: string, path: string): FaultRule | undefined {
    const rule = this.#rules.find((r) => matches(r, method, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.remove(rule.id);
    return rule;
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const path = new URL(c.req.url).pathname;
      if (path.startsWith('/__control')) return next();
      const rule = this.take(c.req.method, path);
      if (!rule) return next();
      if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (rule.reset) {
        const socket = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming
          ?.socket;
        socket?.destroy();
        return new Promise<Response>(() => {});
      }
      if (rule.hang) return new Promise<Response>(() => {});
      if (rule.status !== undefined) {
        return new Response(rule.body ?? '', {
          status: rule.status,
          headers: { 'content-type': rule.body?.startsWith('{') ? 'application/json' : 'text/html' },
        });
      }
      await next();
      if (rule.malformed) {
        const text = await c.res.text();
        const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        const headers = new Headers(c.res.headers);
        headers.delete('content-length');
        c.res = new Response(cut, { status: c.res.status, headers });
        // Hono's setter copies the previous response's headers onto the new one, Content-Length
        // included, which would make the client wait for bytes that never come.
        c.res.headers.delete('content-length');
      }
    };
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (!rule.path) return true;
  if (rule.path.endsWith('*')) return path.startsWith(rule.path.slice(0, -1));
  return rule.path === path;
}
