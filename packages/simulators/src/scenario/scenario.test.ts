import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_MACHINE_ID,
  defaultScenario,
  FRIEND_IDS,
  loadScenario,
  OWNER_ID,
  parseScenario,
  type ScenarioInput,
  STRANGER_ID,
  shareToken,
} from './index.ts';
import { type PlexWorld, startPlexWorld } from './start.ts';

describe('scenario format', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scenario-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the default demo has an owner, two friends with access and a stranger', async () => {
    const s = await loadScenario();
    expect(s.accounts.map((a) => a.id)).toEqual([OWNER_ID, ...FRIEND_IDS, STRANGER_ID]);
    expect(s.servers[0]).toMatchObject({ machineIdentifier: DEMO_MACHINE_ID, ownerId: OWNER_ID, url: null });
    expect(s.sharing.map((x) => x.accountId).sort()).toEqual([...FRIEND_IDS].sort());
    expect(s.sharing.some((x) => x.accountId === STRANGER_ID)).toBe(false);
    // defaults filled by the schema
    expect(s.accounts[0]).toMatchObject({ hasPassword: true, twoFactorEnabled: false, guest: false });
  });

  it('loads a JSON file and an object the same way', async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(defaultScenario));
    expect(await loadScenario(file)).toEqual(await loadScenario(defaultScenario));
  });

  it('rejects unknown owners, duplicate ids, unknown shared sections and bad emails', () => {
    const base = structuredClone(defaultScenario) as ScenarioInput & Record<string, unknown>;
    const broken = (mutate: (s: typeof base) => void) => {
      const s = structuredClone(base);
      mutate(s);
      return () => parseScenario(s);
    };
    expect(broken((s) => (s.servers![0]!.ownerId = 999))).toThrow(/unknown owner 999/);
    expect(broken((s) => s.accounts.push({ ...s.accounts[0]!, authToken: 'tok-unique-xxxx' }))).toThrow(
      /duplicate account id/,
    );
    expect(broken((s) => (s.sharing![0]!.sectionKeys = ['42']))).toThrow(/no section 42/);
    expect(broken((s) => (s.accounts[0]!.email = 'not-an-email'))).toThrow();
    expect(broken((s) => (s.homes![0]!.memberIds = [7]))).toThrow(/unknown account 7/);
  });

  it('derives a stable server token per share that differs from the account token', () => {
    const a = shareToken({ serverId: DEMO_MACHINE_ID, accountId: 2002 });
    expect(a).toBe(shareToken({ serverId: DEMO_MACHINE_ID, accountId: 2002 }));
    expect(a).not.toBe(shareToken({ serverId: DEMO_MACHINE_ID, accountId: 2003 }));
    expect(shareToken({ serverId: 'x', accountId: 1, accessToken: 'given-token' })).toBe('given-token');
  });
});

describe('startPlexWorld', () => {
  let world: PlexWorld;
  beforeAll(async () => {
    world = await startPlexWorld(undefined, { clock: () => Date.UTC(2026, 0, 1) });
  });
  afterAll(() => world.close());

  const resources = async (token: string) => {
    const res = await fetch(`${world.plexTv.url}/api/v2/resources?includeHttps=1&includeRelay=1`, {
      headers: {
        Accept: 'application/json',
        'X-Plex-Token': token,
        'X-Plex-Client-Identifier': 'world-test',
      },
    });
    return (await res.json()) as {
      clientIdentifier: string;
      accessToken: string;
      provides: string;
      connections: { uri: string; local: boolean }[];
    }[];
  };

  it('a friend reaches the PMS through plex.tv resources with their server token', async () => {
    const server = (await resources('tok-frank-friend-0002')).find(
      (d) => d.clientIdentifier === DEMO_MACHINE_ID,
    );
    const remote = server?.connections.find((c) => !c.local);
    expect(remote?.uri).toBe(world.servers.get(DEMO_MACHINE_ID)?.url);
    const res = await fetch(`${remote?.uri}/library/sections`, {
      headers: { Accept: 'application/json', 'X-Plex-Token': server!.accessToken },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { MediaContainer: { Directory: { title: string }[] } };
    expect(body.MediaContainer.Directory.map((d) => d.title)).toEqual(['Movies', 'TV Shows', 'Other Videos']);
  });

  it('sharing changes on plex.tv are mirrored into the PMS token list', async () => {
    const pms = world.servers.get(DEMO_MACHINE_ID)!;
    const share = world.plexTv.share(DEMO_MACHINE_ID, STRANGER_ID, ['1']);
    const ok = await fetch(`${pms.url}/library/sections`, { headers: { 'X-Plex-Token': share.accessToken } });
    expect(ok.status).toBe(200);
    world.plexTv.unshare(DEMO_MACHINE_ID, STRANGER_ID);
    const gone = await fetch(`${pms.url}/library/sections`, {
      headers: { 'X-Plex-Token': share.accessToken },
    });
    expect(gone.status).toBe(401);
  });
});
