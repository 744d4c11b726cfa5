/**
 * The scenario format shared by the plex.tv and Plex Media Server simulators and the demo: who
 * exists on plex.tv, which Plex Home groups they form, which servers they own and what is shared
 * with whom. Everything is validated by zod so a hand-written JSON file fails loudly and early.
 */
import { z } from 'zod';

export const SectionType = z.enum(['movie', 'show']);
export type SectionType = z.infer<typeof SectionType>;

/** One library section of a simulated Plex Media Server, filled by the seeded generator. */
export const SectionSpec = z.object({
  /** Section key; PMS sends it as a string ("1"). */
  key: z.string().regex(/^\d+$/),
  title: z.string().min(1),
  type: SectionType,
  /** Number of top-level items (movies, or shows each with seasons and episodes). */
  count: z.number().int().min(0).default(0),
  /** Folder shown in `Location[]` and used for `Part.file` paths. */
  path: z.string().optional(),
  /** Personal-media sections ("Other Videos") use `com.plexapp.agents.none` and the loose scanner. */
  agent: z.string().optional(),
  scanner: z.string().optional(),
  language: z.string().default('en-US'),
});
export type SectionSpec = z.input<typeof SectionSpec>;
export type Section = z.output<typeof SectionSpec>;

export const Subscription = z.object({
  active: z.boolean(),
  status: z.string(),
  plan: z.string().nullable(),
  features: z.array(z.string()),
});

export const Account = z.object({
  id: z.number().int().positive(),
  uuid: z.string().min(1),
  username: z.string().min(1),
  title: z.string().min(1),
  email: z.string().email(),
  /** The plex.tv token handed out when this account approves a PIN. */
  authToken: z.string().min(8),
  thumb: z.string().url().optional(),
  friendlyName: z.string().optional(),
  /** `false` for password-less (magic-link / social) accounts. */
  hasPassword: z.boolean().default(true),
  twoFactorEnabled: z.boolean().default(false),
  /** Epoch seconds. */
  joinedAt: z.number().int().default(1_500_000_000),
  locale: z.string().nullable().default(null),
  country: z.string().default('US'),
  confirmed: z.boolean().default(true),
  guest: z.boolean().default(false),
  restricted: z.boolean().default(false),
  protected: z.boolean().default(false),
  subscription: Subscription.default({ active: false, status: 'Inactive', plan: null, features: [] }),
  roles: z.array(z.string()).default([]),
  entitlements: z.array(z.string()).default([]),
});
export type AccountInput = z.input<typeof Account>;
export type Account = z.output<typeof Account>;

/** A Plex Home: one admin plus members who switch profiles on shared devices. */
export const HomeGroup = z.object({
  id: z.number().int().positive(),
  name: z.string().default('Home'),
  adminId: z.number().int().positive(),
  memberIds: z.array(z.number().int().positive()).default([]),
  maxHomeSize: z.number().int().positive().default(15),
});
export type HomeGroup = z.output<typeof HomeGroup>;

export const Server = z.object({
  /** PMS `machineIdentifier`; equals `clientIdentifier` in plex.tv resources. */
  machineIdentifier: z.string().min(1),
  name: z.string().min(1),
  ownerId: z.number().int().positive(),
  version: z.string().default('1.41.3.9314-a0bfb8370'),
  /** Base URL of the PMS simulator, or null until it is started ("to be filled at start"). */
  url: z.string().url().nullable().default(null),
  /** Seed of the library generator, so the same scenario always produces the same titles. */
  seed: z.number().int().default(1),
  sections: z.array(SectionSpec).default([]),
  createdAt: z.number().int().default(1_600_000_000),
});
export type ServerInput = z.input<typeof Server>;
export type Server = z.output<typeof Server>;

export const Share = z.object({
  /** `machineIdentifier` of the shared server. */
  serverId: z.string().min(1),
  accountId: z.number().int().positive(),
  /** Section keys shared; empty means every section (`allLibraries`). */
  sectionKeys: z.array(z.string()).default([]),
  /** Server-specific token the friend uses against that PMS; derived when absent. */
  accessToken: z.string().min(8).optional(),
  pending: z.boolean().default(false),
});
export type ShareInput = z.input<typeof Share>;
export type Share = z.output<typeof Share>;

export const Scenario = z
  .object({
    accounts: z.array(Account).min(1),
    homes: z.array(HomeGroup).default([]),
    servers: z.array(Server).default([]),
    sharing: z.array(Share).default([]),
  })
  .superRefine((s, ctx) => {
    const ids = new Set(s.accounts.map((a) => a.id));
    const seen = new Set<number>();
    for (const a of s.accounts) {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', message: `duplicate account id ${a.id}` });
      seen.add(a.id);
    }
    const tokens = new Set(s.accounts.map((a) => a.authToken));
    if (tokens.size !== s.accounts.length) ctx.addIssue({ code: 'custom', message: 'duplicate authToken' });
    const servers = new Map(s.servers.map((sv) => [sv.machineIdentifier, sv]));
    for (const sv of s.servers) {
      if (!ids.has(sv.ownerId))
        ctx.addIssue({ code: 'custom', message: `server ${sv.name}: unknown owner ${sv.ownerId}` });
    }
    for (const h of s.homes) {
      for (const id of [h.adminId, ...h.memberIds]) {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `home ${h.id}: unknown account ${id}` });
      }
    }
    for (const sh of s.sharing) {
      const sv = servers.get(sh.serverId);
      if (!sv) {
        ctx.addIssue({ code: 'custom', message: `share: unknown server ${sh.serverId}` });
        continue;
      }
      if (!ids.has(sh.accountId))
        ctx.addIssue({ code: 'custom', message: `share: unknown account ${sh.accountId}` });
      const keys = new Set(sv.sections.map((x) => x.key));
      for (const k of sh.sectionKeys) {
        if (!keys.has(k))
          ctx.addIssue({ code: 'custom', message: `share: server ${sv.name} has no section ${k}` });
      }
    }
  });
export type ScenarioInput = z.input<typeof Scenario>;
export type Scenario = z.output<typeof Scenario>;
