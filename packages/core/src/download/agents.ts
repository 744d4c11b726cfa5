/**
 * Household agents: admins mint a token per agent (shown once; only its SHA-256 is stored),
 * name and revoke them, and see which are online. The agent presents the token when it connects;
 * presence is a lease renewed by heartbeats, owned by one connection (`sessionId`), so a stale
 * connection closing late cannot mark a reconnected agent offline.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { newUlid } from '../actor/id.ts';
import { auditOp } from '../audit/entry.ts';
import { actorUnchanged, requireAccess } from '../household/access.ts';
import { ConditionFailedError, notExists, queryAll, type Table, type TransactOp } from '../port/table.ts';
import { AgentAuthError, AgentNotFoundError } from './errors.ts';
import { type AgentItem, type AgentTokenItem, ENTITY_VERSION, keys } from './keys.ts';

/** How long an agent counts as online after its last sign of life. */
export const PRESENCE_MS = 90_000;
export const TOKEN_PREFIX = 'mna_';

export const AgentId = z.string().regex(/^agt_[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'expected an agt_ id' });

export const AgentInfo = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  revoked: z.boolean(),
  online: z.boolean(),
  lastSeenAt: z.number().nullable(),
  version: z.string().nullable(),
  ytDlpVersion: z.string().nullable(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

export interface AgentIdentity {
  householdId: string;
  agentId: string;
  name: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function toAgentInfo(item: AgentItem, now: number): AgentInfo {
  return {
    id: item.id,
    name: item.name,
    createdAt: item.createdAt,
    revoked: item.revokedAt !== null,
    online: item.revokedAt === null && (item.onlineUntil ?? 0) > now,
    lastSeenAt: item.lastSeenAt,
    version: item.version,
    ytDlpVersion: item.ytDlpVersion,
  };
}

const Name = z.string().trim().min(1, 'Give the agent a name').max(60);

export const CreateAgentInput = z.object({ name: Name });

/** Admins only. The token is returned once and never again. */
export const createAgent = fn(
  CreateAgentInput,
  async (deps: DomainDeps, { name }): Promise<{ agent: AgentInfo; token: string }> => {
    const access = await requireAccess(deps, { role: 'admin' });
    return mintAgent(deps, access.householdId, name, access.userId, [actorUnchanged(access)]);
  },
);

/**
 * An agent the runtime itself runs for a household (the self-hosted runtime's built-in agent):
 * minted without an acting admin, audited as `system`. Admins see, rename and revoke it like any other.
 */
export async function createSystemAgent(
  deps: { table: Table; clock: { now(): number } },
  householdId: string,
  name: string,
): Promise<{ agent: AgentInfo; token: string }> {
  return mintAgent(deps, householdId, CreateAgentInput.parse({ name }).name, 'system', []);
}

async function mintAgent(
  deps: { table: Table; clock: { now(): number } },
  householdId: string,
  name: string,
  actorId: string,
  guards: TransactOp[],
): Promise<{ agent: AgentInfo; token: string }> {
  const now = deps.clock.now();
  const id = `agt_${newUlid(now)}`;
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const tokenHash = hashToken(token);
  const item: AgentItem = {
    ...keys.agent(householdId, id),
    type: 'agent',
    v: ENTITY_VERSION,
    id,
    householdId,
    name,
    tokenHash,
    createdBy: actorId,
    createdAt: now,
    revokedAt: null,
    onlineUntil: null,
    sessionId: null,
    version: null,
    ytDlpVersion: null,
    lastSeenAt: null,
  };
  const tokenItem: AgentTokenItem = {
    ...keys.agentToken(tokenHash),
    type: 'agent_token',
    householdId,
    agentId: id,
  };
  await deps.table.transact([
    { put: item, condition: notExists },
    { put: tokenItem, condition: notExists },
    ...guards,
    auditOp(
      {
        householdId,
        actorId,
        action: 'agent.created',
        target: { type: 'household', id: householdId },
        after: { agentId: id, name },
      },
      now,
    ),
  ]);
  return { agent: toAgentInfo(item, now), token };
}

export async function listAgents(deps: DomainDeps): Promise<AgentInfo[]> {
  const access = await requireAccess(deps, { role: 'admin' });
  const items = await agentItems(deps, access.householdId);
  const now = deps.clock.now();
  return items.map((i) => toAgentInfo(i, now));
}

export const RenameAgentInput = z.object({ agentId: AgentId, name: Name });

export const renameAgent = fn(
  RenameAgentInput,
  async (deps: DomainDeps, { agentId, name }): Promise<AgentInfo> => {
    const access = await requireAccess(deps, { role: 'admin' });
    try {
      const item = await deps.table.update<AgentItem>(keys.agent(access.householdId, agentId), {
        set: { name },
        condition: { attr: 'pk', exists: true },
      });
      return toAgentInfo(item, deps.clock.now());
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AgentNotFoundError();
      throw e;
    }
  },
);

export const RevokeAgentInput = z.object({ agentId: AgentId });

/** The token stops working at once; a connected agent is dropped at its next message. */
export const revokeAgent = fn(RevokeAgentInput, async (deps: DomainDeps, { agentId }): Promise<void> => {
  const access = await requireAccess(deps, { role: 'admin' });
  const item = await deps.table.get<AgentItem>(keys.agent(access.householdId, agentId));
  if (!item) throw new AgentNotFoundError();
  if (item.revokedAt !== null) return;
  const now = deps.clock.now();
  await deps.table.transact([
    {
      update: keys.agent(access.householdId, agentId),
      spec: {
        set: { revokedAt: now, onlineUntil: null, sessionId: null },
        condition: { attr: 'revokedAt', op: '=', value: null },
      },
    },
    { delete: keys.agentToken(item.tokenHash) },
    actorUnchanged(access),
    auditOp(
      {
        householdId: access.householdId,
        actorId: access.userId,
        action: 'agent.revoked',
        target: { type: 'household', id: access.householdId },
        before: { agentId, name: item.name },
      },
      now,
    ),
  ]);
});

/** Who a token belongs to; AgentAuthError for unknown or revoked tokens. */
export async function authenticateAgent(deps: { table: Table }, token: string): Promise<AgentIdentity> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw new AgentAuthError();
  const link = await deps.table.get<AgentTokenItem>(keys.agentToken(hashToken(token)));
  if (!link) throw new AgentAuthError();
  const agent = await deps.table.get<AgentItem>(keys.agent(link.householdId, link.agentId));
  if (!agent || agent.revokedAt !== null) throw new AgentAuthError();
  return { householdId: link.householdId, agentId: link.agentId, name: agent.name };
}

export async function agentItems(deps: { table: Table }, householdId: string): Promise<AgentItem[]> {
  const out = await queryAll<AgentItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: 'AGT#' },
  });
  return out;
}

/** Whether any agent of the household is online now (drives "waiting for the household agent"). */
export async function anyAgentOnline(deps: { table: Table; clock: { now(): number } }, householdId: string) {
  const now = deps.clock.now();
  return (await agentItems(deps, householdId)).some(
    (a) => a.revokedAt === null && (a.onlineUntil ?? 0) > now,
  );
}

/** Claims presence for one connection (a newer connection takes over from an older one). */
export async function markOnline(
  deps: { table: Table; clock: { now(): number } },
  id: AgentIdentity,
  sessionId: string,
  info: { version: string; ytDlpVersion: string | null },
): Promise<void> {
  const now = deps.clock.now();
  try {
    await deps.table.update(keys.agent(id.householdId, id.agentId), {
      set: {
        onlineUntil: now + PRESENCE_MS,
        sessionId,
        lastSeenAt: now,
        version: info.version,
        ytDlpVersion: info.ytDlpVersion,
      },
      condition: {
        and: [
          { attr: 'pk', exists: true },
          { attr: 'revokedAt', op: '=', value: null },
        ],
      },
    });
  } catch (e) {
    if (e instanceof ConditionFailedError) throw new AgentAuthError();
    throw e;
  }
}

/** Renews presence; AgentAuthError once the agent was revoked or another connection took over. */
export async function renewPresence(
  deps: { table: Table; clock: { now(): number } },
  id: AgentIdentity,
  sessionId: string,
): Promise<void> {
  const now = deps.clock.now();
  try {
    await deps.table.update(keys.agent(id.householdId, id.agentId), {
      set: { onlineUntil: now + PRESENCE_MS, lastSeenAt: now },
      condition: {
        and: [
          { attr: 'sessionId', op: '=', value: sessionId },
          { attr: 'revokedAt', op: '=', value: null },
        ],
      },
    });
  } catch (e) {
    if (e instanceof ConditionFailedError) throw new AgentAuthError();
    throw e;
  }
}

export async function markOffline(
  deps: { table: Table; clock: { now(): number } },
  id: AgentIdentity,
  sessionId: string,
): Promise<void> {
  try {
    await deps.table.update(keys.agent(id.householdId, id.agentId), {
      set: { onlineUntil: null, sessionId: null, lastSeenAt: deps.clock.now() },
      condition: { attr: 'sessionId', op: '=', value: sessionId },
    });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}
