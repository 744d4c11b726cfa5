/**
 * The isolation suite: every route of the generated OpenAPI document is called as someone who
 * must be refused, and the answers are checked. The route list comes from the document, so a new
 * route is covered the day it is added; a route without an access declaration is itself a finding.
 *
 * Callers: (a) anonymous, (b) a signed-in member of ANOTHER household, (c) a member of the target
 * household lacking the route's permission. Expected: 401 / 404 / 403, and no data of the target
 * household (its name, its id, its members' ids and names, its invite codes, its servers) in any
 * response body or header.
 */
import { ACCESS_EXTENSION, type RouteAccess } from '../access.ts';
import type { Client, Reply } from './world.ts';

export interface IsolationTarget {
  /** The household the callers must not reach. */
  hid: string;
  /** Values for path parameters (`userId`, `code`, …) that name real things inside the target. */
  params: Record<string, string>;
  /** Strings that must never reach a caller outside the household. */
  secrets: string[];
  /**
   * A household the stranger administers. Its routes are called with the target's inner ids
   * (member ids, invite codes): reaching into the target through one's own household must fail.
   */
  strangerHid?: string;
}

export interface IsolationCallers {
  anonymous: Client;
  /** Active member of another household. */
  stranger: Client;
  /** Active member of the target whose role has none of the admin permissions. */
  member: Client;
}

export interface Finding {
  route: string;
  caller: keyof IsolationCallers | 'stranger-own-household';
  status: number;
  problem: string;
}

interface Operation {
  [ACCESS_EXTENSION]?: RouteAccess;
  security?: unknown[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Capability parameters are secrets themselves: outsiders get a well-formed value that names nothing. */
const JUNK: Record<string, string> = {
  code: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  hid: 'hh_00000000000000000000000000',
};

export function listRoutes(doc: { paths: Record<string, Record<string, Operation>> }) {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? `unknown-${name}`),
  );
}

export async function runIsolationSuite(
  doc: { paths: Record<string, Record<string, Operation>> },
  callers: IsolationCallers,
  target: IsolationTarget,
  options: { only?: (path: string) => boolean } = {},
): Promise<{ checked: number; findings: Finding[] }> {
  const findings: Finding[] = [];
  let checked = 0;
  const real = { ...target.params, hid: target.hid };

  const call = async (
    as: keyof IsolationCallers | 'stranger-own-household',
    method: string,
    path: string,
    values: Record<string, string>,
    expect: (status: number) => string | undefined,
  ) => {
    const route = `${method} ${path}`;
    const caller = as;
    const reply: Reply = await callers[as === 'stranger-own-household' ? 'stranger' : as].request(
      method,
      fill(path, values),
      {
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
      },
    );
    checked++;
    const problem = expect(reply.status);
    if (problem) findings.push({ route, caller, status: reply.status, problem });
    if (reply.status >= 500) findings.push({ route, caller, status: reply.status, problem: 'server error' });
    const visible = `${reply.text}\n${[...reply.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
    for (const secret of target.secrets) {
      if (visible.includes(secret)) {
        findings.push({ route, caller, status: reply.status, problem: `response contains "${secret}"` });
      }
    }
  };

  const is = (want: number) => (status: number) =>
    status === want ? undefined : `expected ${want}, got ${status}`;
  const refused = (status: number) =>
    status >= 400 && status < 500 ? undefined : `expected a refusal (4xx), got ${status}`;

  for (const { method, path, op } of listRoutes(doc)) {
    if (options.only && !options.only(path)) continue;
    const access = op[ACCESS_EXTENSION];
    if (!access) {
      findings.push({
        route: `${method} ${path}`,
        caller: 'anonymous',
        status: 0,
        problem: 'no access declaration',
      });
      continue;
    }
    const outsider: Record<string, string> = { ...real };
    for (const name of Object.keys(JUNK))
      if ('capability' in access && access.capability === name) outsider[name] = JUNK[name]!;
    if (access.auth === 'public') {
      await call('anonymous', method, path, { ...outsider, ...JUNK }, () => undefined);
      continue;
    }
    // (a) Nobody signed in: 401 before anything else happens.
    await call('anonymous', method, path, real, is(401));
    if (access.auth === 'user') {
      // Sign-in and sign-out flows act on the caller's own session; everything else must not
      // hand a stranger anything of the target, whatever the status.
      if (!path.startsWith('/api/v1/auth/')) {
        await call('stranger', method, path, outsider, access.capability ? refused : () => undefined);
      }
      continue;
    }
    // (b) Another household's member: the household does not exist for them.
    await call('stranger', method, path, real, is(404));
    // (c) A plain member, for routes that need more than membership.
    if (access.permission) await call('member', method, path, real, is(403));
    // (d) The stranger in their own household, naming the target's members or invites.
    const inner = Object.keys(target.params).some((name) => path.includes(`{${name}}`));
    if (target.strangerHid && inner) {
      await call('stranger-own-household', method, path, { ...real, hid: target.strangerHid }, refused);
    }
  }
  return { checked, findings };
}
