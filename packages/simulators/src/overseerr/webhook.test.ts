import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_WEBHOOK_TEMPLATE,
  decodeTemplate,
  Permission,
  type RunningOverseerr,
  startOverseerr,
} from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests walk response JSON freely.
type Json = any;

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, Json>;
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

const KEY = 'hook-key';
let sim: RunningOverseerr | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  received.length = 0;
});

async function post(path: string, body: unknown, user?: number): Promise<Json> {
  const headers: Record<string, string> = { 'X-Api-Key': KEY, 'content-type': 'application/json' };
  if (user !== undefined) headers['X-Api-User'] = String(user);
  const res = await fetch(`${sim!.url}/api/v1${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Every leaf of the rendered template (outside `extra`) must be a string. */
function leaves(obj: unknown, out: unknown[] = []): unknown[] {
  if (obj && typeof obj === 'object') for (const v of Object.values(obj)) leaves(v, out);
  else out.push(obj);
  return out;
}

const users = [
  { id: 1, email: 'owner@example.com', plexUsername: 'owner', plexId: 11, permissions: Permission.ADMIN },
  { id: 2, email: 'kid@example.com', plexUsername: 'kid', plexId: 22, permissions: Permission.REQUEST },
];

describe('webhook sender', () => {
  it('decodes the stored default template to Overseerr’s default payload', () => {
    const t = decodeTemplate(DEFAULT_WEBHOOK_TEMPLATE);
    expect(Object.keys(t)).toEqual([
      'notification_type',
      'event',
      'subject',
      'message',
      'image',
      '{{media}}',
      '{{request}}',
      '{{issue}}',
      '{{comment}}',
      '{{extra}}',
    ]);
  });

  it('posts MEDIA_PENDING, MEDIA_APPROVED and MEDIA_AVAILABLE with the Authorization header', async () => {
    sim = await startOverseerr({
      apiKey: KEY,
      users,
      webhook: { url: receiverUrl, authHeader: 'Bearer hook-secret' },
    });
    const movie = sim.catalog.movies[0]!;
    const created = await post('/request', { mediaType: 'movie', mediaId: movie.tmdbId }, 2);
    expect(created.status).toBe(201);
    await post(`/request/${created.body.id}/approve`, {});
    sim.markAvailable(movie.tmdbId);
    await sim.flushWebhooks();
    expect(received.map((r) => r.body.notification_type)).toEqual([
      'MEDIA_PENDING',
      'MEDIA_APPROVED',
      'MEDIA_AVAILABLE',
    ]);
    for (const r of received) {
      expect(r.headers.authorization).toBe('Bearer hook-secret');
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(
        leaves({ ...r.body, extra: undefined }).every(
          (v) => typeof v === 'string' || v === undefined || v === null,
        ),
      ).toBe(true);
      expect(r.body.issue).toBeNull();
      expect(r.body.comment).toBeNull();
      expect(r.body.extra).toEqual([]);
    }
    const [pending, approved, available] = received.map((r) => r.body);
    expect(pending).toEqual({
      notification_type: 'MEDIA_PENDING',
      event: 'New Movie Request',
      subject: `${movie.title} (${movie.releaseDate.slice(0, 4)})`,
      message: movie.overview,
      image: `https://image.tmdb.org/t/p/w600_and_h900_bestv2${movie.posterPath}`,
      media: {
        media_type: 'movie',
        tmdbId: String(movie.tmdbId),
        tvdbId: '',
        status: 'PENDING',
        status4k: 'UNKNOWN',
      },
      request: {
        request_id: String(created.body.id),
        requestedBy_email: 'kid@example.com',
        requestedBy_username: 'kid',
        requestedBy_avatar: expect.stringMatching(/^https:\/\/plex\.tv\/users\//),
        requestedBy_settings_discordId: '',
        requestedBy_settings_telegramChatId: '',
      },
      issue: null,
      comment: null,
      extra: [],
    });
    expect(approved?.event).toBe('Movie Request Approved');
    expect(approved?.media.status).toBe('PROCESSING');
    expect(available?.event).toBe('Movie Request Now Available');
    expect(available?.media.status).toBe('AVAILABLE');
    expect(sim.webhookDeliveries().map((d) => d.status)).toEqual([200, 200, 200]);
  });

  it('auto-approved tv requests send MEDIA_AUTO_APPROVED with Requested Seasons; decline and failure too', async () => {
    sim = await startOverseerr({ apiKey: KEY, users, webhook: { url: receiverUrl } });
    const show = sim.catalog.tv.find((t) => t.seasons.length >= 2)!;
    const auto = await post('/request', { mediaType: 'tv', mediaId: show.tmdbId, seasons: [1, 2] });
    expect(auto.status).toBe(201);
    const other = sim.catalog.movies[1]!;
    const pending = await post('/request', { mediaType: 'movie', mediaId: other.tmdbId }, 2);
    await post(`/request/${pending.body.id}/decline`, {});
    const third = sim.catalog.movies[2]!;
    const p3 = await post('/request', { mediaType: 'movie', mediaId: third.tmdbId }, 2);
    sim.setRequestStatus(p3.body.id, 'failed');
    await sim.flushWebhooks();
    expect(received.map((r) => r.body.notification_type)).toEqual([
      'MEDIA_AUTO_APPROVED',
      'MEDIA_PENDING',
      'MEDIA_DECLINED',
      'MEDIA_PENDING',
      'MEDIA_FAILED',
    ]);
    const first = received[0]!;
    expect(first.headers.authorization).toBeUndefined();
    expect(first.body.event).toBe('Series Request Automatically Approved');
    expect(first.body.subject).toBe(`${show.name} (${show.firstAirDate.slice(0, 4)})`);
    expect(first.body.media.tvdbId).toBe(String(show.tvdbId));
    expect(first.body.extra).toEqual([{ name: 'Requested Seasons', value: '1, 2' }]);
    expect(received[2]!.body.event).toBe('Movie Request Declined');
    expect(received[4]!.body.event).toBe('Movie Request Failed');
  });

  it('sends MEDIA_AVAILABLE when isAvailable reports the title in the library', async () => {
    const inLibrary = new Set<number>();
    sim = await startOverseerr({
      apiKey: KEY,
      users,
      webhook: { url: receiverUrl },
      isAvailable: (m) => inLibrary.has(m.tmdbId),
      availabilityPollMs: 20,
    });
    const show = sim.catalog.tv.find((t) => t.seasons.length >= 2)!;
    const r = await post('/request', { mediaType: 'tv', mediaId: show.tmdbId, seasons: [1] }, 2);
    await sim.pollAvailability();
    expect(sim.webhookDeliveries().map((d) => d.notificationType)).toEqual(['MEDIA_PENDING']);
    inLibrary.add(show.tmdbId);
    await vi.waitFor(
      () => {
        expect(sim!.webhookDeliveries().map((d) => d.notificationType)).toContain('MEDIA_AVAILABLE');
      },
      { timeout: 10_000 },
    );
    await sim.flushWebhooks();
    const available = received.find((x) => x.body.notification_type === 'MEDIA_AVAILABLE')!;
    expect(available.body.event).toBe('Series Request Now Available');
    expect(available.body.request.request_id).toBe(String(r.body.id));
    expect(available.body.extra).toEqual([{ name: 'Requested Seasons', value: '1' }]);
    const details = await fetch(`${sim.url}/api/v1/tv/${show.tmdbId}`, { headers: { 'X-Api-Key': KEY } });
    const body = (await details.json()) as { mediaInfo: { status: number; seasons: unknown[] } };
    expect(body.mediaInfo.status).toBe(5);
    expect(body.mediaInfo.seasons).toHaveLength(show.seasons.length);
  });

  it('partial seasons: MEDIA_AVAILABLE only for the request whose seasons all arrived', async () => {
    sim = await startOverseerr({ apiKey: KEY, users, webhook: { url: receiverUrl } });
    const show = sim.catalog.tv.find((t) => t.seasons.length >= 3)!;
    const first = await post('/request', { mediaType: 'tv', mediaId: show.tmdbId, seasons: [1] }, 2);
    const second = await post('/request', { mediaType: 'tv', mediaId: show.tmdbId, seasons: [2, 3] }, 2);
    const partial = sim.markAvailable(show.tmdbId, 'tv', [1, 2]);
    expect(partial.status).toBe(4);
    await sim.flushWebhooks();
    const available = () => received.filter((r) => r.body.notification_type === 'MEDIA_AVAILABLE');
    expect(available().map((r) => r.body.request.request_id)).toEqual([String(first.body.id)]);
    expect(available()[0]!.body.media.status).toBe('PARTIALLY_AVAILABLE');
    sim.markAvailable(show.tmdbId, 'tv', [3]);
    await sim.flushWebhooks();
    expect(available().map((r) => r.body.request.request_id)).toEqual([
      String(first.body.id),
      String(second.body.id),
    ]);
    expect(available()[1]!.body.extra).toEqual([{ name: 'Requested Seasons', value: '2, 3' }]);
  });

  it('renders a custom template and respects the types mask', async () => {
    const template = Buffer.from(
      JSON.stringify(
        JSON.stringify({
          kind: '{{notification_type}}',
          who: '{{requestedBy_username}}',
          '{{media}}': { id: '{{media_tmdbid}}' },
        }),
      ),
    ).toString('base64');
    sim = await startOverseerr({
      apiKey: KEY,
      users,
      webhook: { url: receiverUrl, template, types: 4 /* MEDIA_APPROVED only */ },
    });
    const movie = sim.catalog.movies[3]!;
    const r = await post('/request', { mediaType: 'movie', mediaId: movie.tmdbId }, 2);
    await post(`/request/${r.body.id}/approve`, {});
    await sim.flushWebhooks();
    expect(received.map((x) => x.body)).toEqual([
      { kind: 'MEDIA_APPROVED', who: 'kid', media: { id: String(movie.tmdbId) } },
    ]);
  });

  it('records a failed delivery without breaking the API', async () => {
    sim = await startOverseerr({ apiKey: KEY, users, webhook: { url: 'http://127.0.0.1:9/nowhere' } });
    const r = await post('/request', { mediaType: 'movie', mediaId: sim.catalog.movies[0]!.tmdbId }, 2);
    expect(r.status).toBe(201);
    await sim.flushWebhooks();
    const [d] = sim.webhookDeliveries();
    expect(d?.status).toBeUndefined();
    expect(d?.error).toBeTruthy();
  });
});

describe('Plex sign-in through a plex.tv lookup', () => {
  it('creates users with access to the server, refuses the others', async () => {
    sim = await startOverseerr({
      apiKey: KEY,
      users,
      plexAuth: (token) =>
        token === 'friend-token'
          ? { id: 4242, email: 'Friend@Example.com', username: 'newfriend', hasServerAccess: true }
          : token === 'stranger-token'
            ? { id: 5353, email: 'stranger@example.com', username: 'stranger', hasServerAccess: false }
            : undefined,
    });
    const login = (authToken: string) =>
      fetch(`${sim!.url}/api/v1/auth/plex`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authToken }),
      });
    const ok = await login('friend-token');
    expect(ok.status).toBe(200);
    const user = (await ok.json()) as Json;
    expect(user).toMatchObject({ plexUsername: 'newfriend', permissions: Permission.REQUEST, userType: 1 });
    const listed = await fetch(`${sim.url}/api/v1/user/${user.id}`, { headers: { 'X-Api-Key': KEY } });
    expect(((await listed.json()) as Json).plexId).toBe(4242);
    const refused = await login('stranger-token');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ message: 'Access denied.' });
    const missing = await fetch(`${sim.url}/api/v1/auth/plex`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(missing.status).toBe(400);
  });
});
