import * as Download from '@medianest/core/download/index';
import { FRIEND_IDS, OWNER_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DEMO_MACHINE_ID,
  SAM_MACHINE_ID,
  signInWithPlex,
  startWorld,
  type World,
} from '../testing/world.ts';
import { setAgentNotifier } from './downloads.ts';

// One story: olivia (owner) and frank (member) in one household, sam in his own.
let world: World;
let olivia: Client;
let frank: Client;
let sam: Client;
let hid: string;
let samHid: string;
const poked: string[] = [];
const base = () => `/api/v1/households/${hid}`;
const clip = 'https://media.example.net/films/clip-one.mp4';
const target = { sectionKey: '5', preset: 'other-videos' };

beforeAll(async () => {
  world = await startWorld();
  setAgentNotifier(world.system, (hh) => {
    poked.push(hh);
  });
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.31' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.32' }));
  sam = await signInWithPlex(world, STRANGER_ID, new Client(world.app, { ip: '192.0.2.33' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Downloaders', servers: [DEMO_MACHINE_ID] },
  });
  expect(created.status).toBe(201);
  hid = created.body.household.id;
  expect((await frank.request('POST', `${base()}/join`, { body: {} })).status).toBe(201);
  const own = await sam.request('POST', '/api/v1/households', {
    body: { name: "Sam's", servers: [SAM_MACHINE_ID] },
  });
  samHid = own.body.household.id;
});
afterAll(() => world.close());

describe('downloads API', () => {
  let frankJob: string;

  it('a member queues a direct media link: 201, queued, waiting for the agent, agents woken', async () => {
    const res = await frank.request('POST', `${base()}/downloads`, {
      body: { url: clip, quality: '720p', target },
    });
    expect(res.status).toBe(201);
    expect(res.body.download).toMatchObject({
      kind: 'submission',
      state: 'queued',
      url: clip,
      quality: '720p',
      target,
      waitingForAgent: true,
      reason: null,
    });
    frankJob = res.body.download.id;
    expect(poked).toContain(hid);
  });

  it('refuses a malformed link, an unsupported site and bad fields with a 400 and no job', async () => {
    const before = (await frank.request('GET', `${base()}/downloads`)).body.downloads.length;
    const malformed = await frank.request('POST', `${base()}/downloads`, {
      body: { url: 'not a link', target },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      code: 'download.invalid_url',
      message: 'A link cannot contain spaces',
    });
    const unsupported = await frank.request('POST', `${base()}/downloads`, {
      body: { url: 'https://example.com/page.html', target },
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.code).toBe('download.unsupported_site');
    expect(unsupported.body.error.message).toMatch(/^example\.com is not a supported site/);
    const fields = await frank.request('POST', `${base()}/downloads`, {
      body: { url: clip, quality: '4k', target: { sectionKey: 'movies' } },
    });
    expect(fields.status).toBe(400);
    expect(fields.body.error.message).toMatch(
      /body\.quality: .*body\.target\.sectionKey: Choose a Plex library/,
    );
    expect((await frank.request('GET', `${base()}/downloads`)).body.downloads).toHaveLength(before);
  });

  it('members see their own downloads, admins everyone’s unless mine; filters by state and kind', async () => {
    const mine = await olivia.request('POST', `${base()}/downloads`, {
      body: { url: 'https://www.youtube.com/watch?v=abc123', target },
    });
    expect(mine.status).toBe(201);
    const asFrank = await frank.request('GET', `${base()}/downloads`);
    expect(asFrank.status).toBe(200);
    expect(asFrank.body.downloads.map((d: { id: string }) => d.id)).toEqual([frankJob]);
    const all = await olivia.request('GET', `${base()}/downloads`);
    expect(all.body.downloads.map((d: { id: string }) => d.id)).toEqual([mine.body.download.id, frankJob]);
    const onlyMine = await olivia.request('GET', `${base()}/downloads?mine=true`);
    expect(onlyMine.body.downloads.map((d: { id: string }) => d.id)).toEqual([mine.body.download.id]);
    expect((await olivia.request('GET', `${base()}/downloads?state=done`)).body.downloads).toEqual([]);
    expect((await olivia.request('GET', `${base()}/downloads?kind=video`)).body.downloads).toEqual([]);
    const paged = await olivia.request('GET', `${base()}/downloads?limit=1`);
    expect(paged.body.downloads).toHaveLength(1);
    const next = await olivia.request(
      'GET',
      `${base()}/downloads?limit=1&cursor=${encodeURIComponent(paged.body.cursor)}`,
    );
    expect(next.body.downloads.map((d: { id: string }) => d.id)).toEqual([frankJob]);
    const bad = await olivia.request('GET', `${base()}/downloads?state=sleeping&limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/query\.state: .*query\.limit: /);
  });

  it('gets one download with its percentage; another member’s download is 404 for a member', async () => {
    const res = await frank.request('GET', `${base()}/downloads/${frankJob}`);
    expect(res.status).toBe(200);
    expect(res.body.download).toMatchObject({ id: frankJob, percent: 0, children: [] });
    const others = (await olivia.request('GET', `${base()}/downloads?mine=true`)).body.downloads[0].id;
    const hidden = await frank.request('GET', `${base()}/downloads/${others}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('download.not_found');
    expect((await frank.request('GET', `${base()}/downloads/dl_nope`)).status).toBe(400);
    expect((await sam.request('GET', `${base()}/downloads/${frankJob}`)).status).toBe(404);
    expect((await sam.request('GET', `/api/v1/households/${samHid}/downloads/${frankJob}`)).status).toBe(404);
  });

  it('cancels, refuses to retry what is not failed or cancelled, retries a cancelled one', async () => {
    const early = await frank.request('POST', `${base()}/downloads/${frankJob}/retry`, { body: {} });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('download.not_retryable');
    const cancelled = await frank.request('POST', `${base()}/downloads/${frankJob}/cancel`, { body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.download).toMatchObject({ state: 'cancelled', reason: { code: 'cancelled' } });
    const again = await frank.request('POST', `${base()}/downloads/${frankJob}/retry`, { body: {} });
    expect(again.status).toBe(200);
    expect(again.body.download).toMatchObject({ state: 'queued', reason: null });
  });

  it('an admin may cancel a member’s download; a member cannot touch an admin’s (404)', async () => {
    const olivias = (await olivia.request('GET', `${base()}/downloads?mine=true`)).body.downloads[0].id;
    const refused = await frank.request('POST', `${base()}/downloads/${olivias}/cancel`, { body: {} });
    expect(refused.status).toBe(404);
    expect((await olivia.request('GET', `${base()}/downloads/${olivias}`)).body.download.state).toBe(
      'queued',
    );
    const byAdmin = await olivia.request('POST', `${base()}/downloads/${frankJob}/cancel`, { body: {} });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.download).toMatchObject({ id: frankJob, state: 'cancelled' });
  });

  it('quota: shows usage; an admin lowers the limit and the next link is refused with 429 and no job', async () => {
    const q = await frank.request('GET', `${base()}/downloads/quota`);
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ videosPerHour: 30, usedThisHour: 1, usedBytes: 0 });
    expect(q.body.resetsAt).toBeGreaterThan(world.clock.now());
    const memberTry = await frank.request('PUT', `${base()}/downloads/limits`, {
      body: { videosPerHour: 1 },
    });
    expect(memberTry.status).toBe(403);
    const bad = await olivia.request('PUT', `${base()}/downloads/limits`, { body: { videosPerHour: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.videosPerHour/);
    const set = await olivia.request('PUT', `${base()}/downloads/limits`, { body: { videosPerHour: 1 } });
    expect(set.status).toBe(200);
    expect(set.body.limits).toMatchObject({ videosPerHour: 1, maxAttempts: 3 });
    const before = (await frank.request('GET', `${base()}/downloads`)).body.downloads.length;
    const over = await frank.request('POST', `${base()}/downloads`, { body: { url: clip, target } });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('download.quota_exceeded');
    expect(over.body.error.message).toMatch(
      /You can download 1 videos per hour and have used 1; try again in \d+ min/,
    );
    expect((await frank.request('GET', `${base()}/downloads`)).body.downloads).toHaveLength(before);
  });

  it('a member without the download permission is refused (403 naming it)', async () => {
    const frankId = (await frank.request('GET', '/api/v1/me')).body.user.id;
    const patched = await olivia.request('PATCH', `${base()}/members/${frankId}`, {
      body: { permissions: ['request'] },
    });
    expect(patched.status).toBe(200);
    const res = await frank.request('GET', `${base()}/downloads`);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('You need the download permission');
    await olivia.request('PATCH', `${base()}/members/${frankId}`, {
      body: { permissions: ['request', 'download'] },
    });
    expect((await frank.request('GET', `${base()}/downloads`)).status).toBe(200);
  });
});

describe('agents API', () => {
  let agentId: string;
  let token: string;

  it('an admin creates an agent: the token comes once, not cached, and authenticates', async () => {
    const bad = await olivia.request('POST', `${base()}/agents`, { body: { name: '  ' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.name: Give the agent a name/);
    const res = await olivia.request('POST', `${base()}/agents`, { body: { name: 'NAS' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.agent).toMatchObject({ name: 'NAS', online: false, revoked: false, lastSeenAt: null });
    agentId = res.body.agent.id;
    token = res.body.token;
    expect(token).toMatch(/^mna_/);
    expect(await Download.authenticateAgent(world.system, token)).toMatchObject({
      householdId: hid,
      agentId,
    });
  });

  it('lists agents without tokens; members are refused', async () => {
    const res = await olivia.request('GET', `${base()}/agents`);
    expect(res.status).toBe(200);
    expect(res.body.agents).toEqual([expect.objectContaining({ id: agentId, name: 'NAS' })]);
    expect(res.text).not.toContain(token);
    expect((await frank.request('GET', `${base()}/agents`)).status).toBe(403);
    expect((await frank.request('POST', `${base()}/agents`, { body: { name: 'x' } })).status).toBe(403);
  });

  it('renames; an unknown agent is 404 and a malformed id 400', async () => {
    const res = await olivia.request('PATCH', `${base()}/agents/${agentId}`, {
      body: { name: 'Basement NAS' },
    });
    expect(res.status).toBe(200);
    expect(res.body.agent).toMatchObject({ id: agentId, name: 'Basement NAS' });
    const unknown = await olivia.request('PATCH', `${base()}/agents/agt_00000000000000000000000000`, {
      body: { name: 'x' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('agent.not_found');
    expect((await olivia.request('PATCH', `${base()}/agents/nope`, { body: { name: 'x' } })).status).toBe(
      400,
    );
    // Another household's admin cannot reach this agent through his own household.
    const reach = await sam.request('PATCH', `/api/v1/households/${samHid}/agents/${agentId}`, {
      body: { name: 'mine now' },
    });
    expect(reach.status).toBe(404);
  });

  it('revokes: the token stops working at once', async () => {
    const res = await olivia.request('DELETE', `${base()}/agents/${agentId}`);
    expect(res.status).toBe(204);
    await expect(Download.authenticateAgent(world.system, token)).rejects.toMatchObject({
      code: 'agent.unauthorized',
    });
    const listed = await olivia.request('GET', `${base()}/agents`);
    expect(listed.body.agents[0]).toMatchObject({ id: agentId, revoked: true, online: false });
    expect((await olivia.request('DELETE', `${base()}/agents/agt_00000000000000000000000000`)).status).toBe(
      404,
    );
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await (await world.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const p = '/api/v1/households/{hid}';
    expect(Object.keys(doc.paths[`${p}/downloads`] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    for (const path of [
      '/downloads/{id}',
      '/downloads/quota',
      '/downloads/limits',
      '/downloads/{id}/cancel',
      '/downloads/{id}/retry',
      '/agents',
      '/agents/{agentId}',
    ]) {
      expect(doc.paths[`${p}${path}`], path).toBeDefined();
    }
  });
});
