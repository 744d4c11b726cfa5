import { FRIEND_IDS, OWNER_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DEMO_MACHINE_ID,
  PUBLIC_URL,
  SAM_MACHINE_ID,
  signInWithPlex,
  startWorld,
  type World,
} from '../testing/world.ts';

// One story, step by step: each test builds on the previous one's household.
let world: World;
let olivia: Client;
let frank: Client;
let fiona: Client;
let sam: Client;
let hid: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  world = await startWorld();
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.1' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.2' }));
  fiona = await signInWithPlex(world, FRIEND_IDS[1], new Client(world.app, { ip: '192.0.2.3' }));
  sam = await signInWithPlex(world, STRANGER_ID, new Client(world.app, { ip: '192.0.2.4' }));
  for (const [name, c] of Object.entries({ olivia, frank, fiona, sam })) {
    ids[name] = (await c.request('GET', '/api/v1/me')).body.user.id;
  }
});
afterAll(() => world.close());

describe('household journey', () => {
  it('lists my own Plex servers from plex.tv with their connections', async () => {
    const res = await olivia.request('GET', '/api/v1/plex/servers');
    expect(res.status).toBe(200);
    expect(res.body.servers).toEqual([
      {
        machineIdentifier: DEMO_MACHINE_ID,
        name: "Olivia's Plex",
        owned: true,
        connections: expect.arrayContaining([
          { uri: expect.stringMatching(/^http/), local: expect.any(Boolean) },
        ]),
        taken: false,
      },
    ]);
    expect(res.text).not.toMatch(/tok-/);
  });

  it('creates a household with my server; bad input gets a clear 400', async () => {
    const bad = await olivia.request('POST', '/api/v1/households', { body: { name: '', servers: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.name: .*; body\.servers: /);
    const notMine = await olivia.request('POST', '/api/v1/households', {
      body: { name: 'X', servers: [SAM_MACHINE_ID] },
    });
    expect(notMine.status).toBe(400);
    expect(notMine.body.error.code).toBe('household.server_not_owned');
    const res = await olivia.request('POST', '/api/v1/households', {
      body: { name: 'The Owners', servers: [DEMO_MACHINE_ID] },
    });
    expect(res.status).toBe(201);
    hid = res.body.household.id;
    expect(res.body).toMatchObject({
      household: {
        name: 'The Owners',
        ownerId: ids.olivia,
        servers: [{ machineIdentifier: DEMO_MACHINE_ID }],
      },
      membership: {
        role: 'owner',
        status: 'active',
        permissions: expect.arrayContaining(['manage_members']),
      },
    });
    const servers = await olivia.request('GET', '/api/v1/plex/servers');
    expect(servers.body.servers[0]).toMatchObject({ claimedBy: hid, taken: true });
    const mine = await olivia.request('GET', '/api/v1/households');
    expect(mine.body.households).toEqual([
      expect.objectContaining({ household: expect.objectContaining({ id: hid }) }),
    ]);
    const me = await olivia.request('GET', '/api/v1/me');
    expect(me.body.households).toEqual([{ id: hid, name: 'The Owners', role: 'owner', status: 'active' }]);
  });

  it('lets a friend with server access join in one click, and refuses a stranger', async () => {
    const joinable = await frank.request('GET', '/api/v1/households/joinable');
    expect(joinable.body.households).toEqual([
      {
        household: { id: hid, name: 'The Owners' },
        server: { machineIdentifier: DEMO_MACHINE_ID, name: "Olivia's Plex" },
        status: null,
      },
    ]);
    const joined = await frank.request('POST', `/api/v1/households/${hid}/join`);
    expect(joined.status).toBe(201);
    expect(joined.body.membership).toMatchObject({
      role: 'member',
      status: 'active',
      joinedVia: 'server_access',
    });
    expect((await sam.request('GET', '/api/v1/households/joinable')).body.households).toEqual([]);
    const refused = await sam.request('POST', `/api/v1/households/${hid}/join`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('household.no_server_access');
    expect(refused.text).not.toContain('The Owners');
  });

  it('invites the stranger: preview without sign-in, redeem once signed in', async () => {
    const created = await olivia.request('POST', `/api/v1/households/${hid}/invites`, {
      body: { role: 'member', maxUses: 1, expiresInHours: 24 },
    });
    expect(created.status).toBe(201);
    const invite = created.body.invite;
    expect(invite).toMatchObject({
      url: `${PUBLIC_URL}/invite/${invite.code}`,
      role: 'member',
      maxUses: 1,
      uses: 0,
      revoked: false,
    });
    const preview = await new Client(world.app).request('GET', `/api/v1/invites/${invite.code}`);
    expect(preview.body).toEqual({
      valid: true,
      householdName: 'The Owners',
      role: 'member',
      expiresAt: invite.expiresAt,
    });
    const anon = await new Client(world.app).request('POST', `/api/v1/invites/${invite.code}/redeem`);
    expect(anon.status).toBe(401);
    const redeemed = await sam.request('POST', `/api/v1/invites/${invite.code}/redeem`);
    expect(redeemed.status).toBe(201);
    expect(redeemed.body.membership).toMatchObject({
      userId: ids.sam,
      status: 'active',
      joinedVia: 'invite',
    });
    expect((await new Client(world.app).request('GET', `/api/v1/invites/${invite.code}`)).body).toEqual({
      valid: false,
      reason: 'used_up',
    });
    expect(
      (await new Client(world.app).request('GET', '/api/v1/invites/AAAAAAAAAAAAAAAAAAAAAAAA')).status,
    ).toBe(404);
    const list = await olivia.request('GET', `/api/v1/households/${hid}/invites`);
    expect(list.body.invites).toEqual([
      expect.objectContaining({ code: invite.code, uses: 1, status: 'used_up' }),
    ]);
  });

  it('revokes an invite; bad invite input gets 400', async () => {
    const bad = await olivia.request('POST', `/api/v1/households/${hid}/invites`, {
      body: { maxUses: 0, expiresInHours: 10_000 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.maxUses.*body\.expiresInHours/);
    const { invite } = (await olivia.request('POST', `/api/v1/households/${hid}/invites`, { body: {} })).body;
    expect((await olivia.request('DELETE', `/api/v1/households/${hid}/invites/${invite.code}`)).status).toBe(
      204,
    );
    expect((await new Client(world.app).request('GET', `/api/v1/invites/${invite.code}`)).body).toEqual({
      valid: false,
      reason: 'revoked',
    });
  });

  it('imports the Plex friends as pending members', async () => {
    const res = await olivia.request('POST', `/api/v1/households/${hid}/members/import-plex-friends`);
    expect(res.status).toBe(200);
    // Frank is a member already; Fiona's share is accepted, so she is imported.
    expect(res.body).toEqual({ imported: 1, alreadyMembers: 1 });
    const members = await olivia.request('GET', `/api/v1/households/${hid}/members`);
    expect(
      members.body.members
        .map((m: { user: { name: string }; status: string }) => [m.user.name, m.status])
        .sort(),
    ).toEqual([
      ['Fiona Friend', 'pending'],
      ['Frank Friend', 'active'],
      ['Olivia Owner', 'active'],
      ['Sam Stranger', 'active'],
    ]);
    // A pending member cannot act yet.
    expect((await fiona.request('GET', `/api/v1/households/${hid}`)).status).toBe(403);
  });

  it('changes role, permissions and status; the owner is protected', async () => {
    const promoted = await olivia.request('PATCH', `/api/v1/households/${hid}/members/${ids.frank}`, {
      body: { role: 'admin' },
    });
    expect(promoted.body.membership).toMatchObject({
      role: 'admin',
      permissions: expect.arrayContaining(['manage_members']),
    });
    const tuned = await olivia.request('PATCH', `/api/v1/households/${hid}/members/${ids.sam}`, {
      body: { permissions: ['request', 'request_4k'] },
    });
    expect(tuned.body.membership).toMatchObject({
      permissions: ['request', 'request_4k'],
      overrides: { request_4k: true, download: false },
    });
    const suspended = await frank.request('PATCH', `/api/v1/households/${hid}/members/${ids.sam}`, {
      body: { status: 'suspended' },
    });
    expect(suspended.body.membership.status).toBe('suspended');
    expect((await sam.request('GET', `/api/v1/households/${hid}`)).status).toBe(403);
    const owner = await frank.request('DELETE', `/api/v1/households/${hid}/members/${ids.olivia}`);
    expect(owner.status).toBe(403);
    expect(owner.body.error.code).toBe('household.owner_protected');
    const empty = await olivia.request('PATCH', `/api/v1/households/${hid}/members/${ids.sam}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('nothing to change');
    expect((await olivia.request('DELETE', `/api/v1/households/${hid}/members/${ids.sam}`)).status).toBe(204);
  });

  it('transfers ownership and records every admin action in the audit log', async () => {
    const res = await olivia.request('POST', `/api/v1/households/${hid}/transfer-ownership`, {
      body: { userId: ids.frank },
    });
    expect(res.status).toBe(200);
    expect(res.body.membership).toMatchObject({ userId: ids.frank, role: 'owner' });
    const audit = await frank.request('GET', `/api/v1/households/${hid}/audit?limit=50`);
    expect(audit.status).toBe(200);
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'household.created',
        'member.joined',
        'invite.created',
        'invite.revoked',
        'member.imported',
        'member.role_changed',
        'member.permissions_changed',
        'member.suspended',
        'member.removed',
        'household.ownership_transferred',
      ]),
    );
    expect(audit.body.entries[0]).toMatchObject({
      action: 'household.ownership_transferred',
      actor: { id: ids.olivia, name: 'Olivia Owner' },
      target: { type: 'member', id: ids.frank },
      before: { ownerId: ids.olivia },
      after: { ownerId: ids.frank },
    });
    const page = await frank.request('GET', `/api/v1/households/${hid}/audit?limit=2`);
    expect(page.body.entries).toHaveLength(2);
    const next = await frank.request(
      'GET',
      `/api/v1/households/${hid}/audit?limit=2&cursor=${encodeURIComponent(page.body.cursor)}`,
    );
    expect(next.body.entries[0].id).not.toBe(page.body.entries[0].id);
  });

  it('issues a single-use realtime ticket for the household', async () => {
    const res = await frank.request('POST', `/api/v1/households/${hid}/realtime/ticket`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ticket: expect.stringMatching(/^[\w-]{43}$/),
      expiresAt: expect.any(Number),
      url: 'ws://localhost:3000/ws',
    });
  });
});
