/**
 * `npm run demo`: a living portal in a minute, with nothing from outside. Starts every simulator
 * (plex.tv, a Plex Media Server with a few hundred titles and posters, Overseerr with users and
 * pending requests, Uptime Kuma watching the others, a media server and the fake yt-dlp), seeds
 * them so they know each other, then starts the self-hosted runtime wired to them on PORT
 * (default 3000) with its data under ./data/demo (MEDIANEST_DEMO_DIR; wiped at every start, since the
 * simulators start fresh too). Ctrl-C stops everything.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { withActor } from '@medianest/core/actor/context';
import { plexTvFor } from '@medianest/core/auth/index';
import * as Integration from '@medianest/core/integration/integration';
import { startLocal } from '@medianest/local';
import { startSimulators } from '@medianest/simulators/cli';
import { loadScenario } from '@medianest/simulators/scenario/index';
import { ensureWebBuilt } from './ensure-web.ts';

const root = join(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 3000);
ensureWebBuilt(root);

const scenario = await loadScenario();
const sims = await startSimulators('all');
const overseerr = sims.urls.overseerr!;
const apiKey = 'overseerr-simulator-api-key';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok && res.status !== 409) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json().catch(() => undefined);
}

// Overseerr knows the household's Plex accounts (matched by plexId, as the real one imports them),
// and a few requests are waiting for an admin.
const overseerrIds = new Map<number, number>();
for (const account of scenario.accounts) {
  const user = (await post(`${overseerr}/__control/users`, {
    plexId: account.id,
    plexUsername: account.username,
    email: account.email,
    userType: 1,
    permissions: 32, // REQUEST
  })) as { id: number };
  overseerrIds.set(account.id, user.id);
}
const search = (await (
  await fetch(`${overseerr}/api/v1/search?query=the&page=1`, { headers: { 'X-Api-Key': apiKey } })
).json()) as { results: { id: number; mediaType: string }[] };
const requesters = [...overseerrIds.values()].slice(1);
let made = 0;
for (const r of search.results.filter((x) => x.mediaType === 'movie' || x.mediaType === 'tv').slice(0, 4)) {
  const asUser = requesters[made % Math.max(1, requesters.length)];
  await post(
    `${overseerr}/api/v1/request`,
    { mediaType: r.mediaType, mediaId: r.id, ...(r.mediaType === 'tv' ? { seasons: [1] } : {}) },
    { 'X-Api-Key': apiKey, ...(asUser ? { 'X-Api-User': String(asUser) } : {}) },
  );
  made += 1;
}

// The simulators start fresh every run, so the portal's demo data does too.
const dataDir = process.env.MEDIANEST_DEMO_DIR ?? join(root, 'data/demo');
rmSync(dataDir, { recursive: true, force: true });
const app = await startLocal({
  port,
  dataDir,
  env: {
    ...process.env,
    MEDIANEST_PLEX_TV_URL: sims.urls['plex-tv'],
    MEDIANEST_PLEX_AUTH_URL: `${sims.urls['plex-tv']}/auth`,
    MEDIANEST_PLEX_CLIENT_ID: 'medianest-demo',
    MEDIANEST_ALLOW_PRIVATE_URLS: 'true',
  },
});

/**
 * The owner's household, made the way a person makes it: Plex sign-in through the portal's own API
 * (approved on the simulated plex.tv page's endpoint), then "create household" with her server.
 */
async function seedHousehold(accountId: number): Promise<{ householdId: string; userId: string }> {
  const publicUrl = app.system.config.publicUrl;
  const headers = { 'content-type': 'application/json', origin: new URL(publicUrl).origin };
  const api = async (path: string, init: RequestInit & { cookie?: string } = {}) => {
    const res = await fetch(`${app.url}/api/v1${path}`, {
      ...init,
      headers: { ...headers, ...(init.cookie ? { cookie: init.cookie } : {}) },
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return res;
  };
  const started = (await (await api('/auth/plex/start', { method: 'POST', body: '{}' })).json()) as {
    state: string;
    code: string;
    authUrl: string;
  };
  const params = new URLSearchParams(new URL(started.authUrl).hash.replace(/^#!?\??/, ''));
  await post(`${sims.urls['plex-tv']}/auth/approve`, {
    code: params.get('code'),
    clientID: params.get('clientID'),
    accountId,
  });
  const polled = await api('/auth/plex/poll', {
    method: 'POST',
    body: JSON.stringify({ state: started.state }),
  });
  const cookie = (polled.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { servers } = (await (await api('/plex/servers', { cookie })).json()) as {
    servers: { machineIdentifier: string }[];
  };
  const created = (await (
    await api('/households', {
      method: 'POST',
      cookie,
      body: JSON.stringify({ name: 'The Owner family', servers: servers.map((s) => s.machineIdentifier) }),
    })
  ).json()) as { id?: string; household?: { id: string } };
  const me = (await (await api('/me', { cookie })).json()) as { user: { id: string } };
  return { householdId: created.household?.id ?? created.id ?? '', userId: me.user.id };
}
const owner = scenario.accounts[0]!;
const { householdId, userId } = await seedHousehold(owner.id);

// Her integrations, saved as she would on the settings page (each one connection-tested first).
const plexUrl = sims.urls[Object.keys(sims.urls).find((k) => k.startsWith('plex-server')) ?? ''] ?? '';
const server = scenario.servers[0]!;
const deps = { ...app.system, http: app.system.http, plexTv: await plexTvFor(app.system) };
const saved: string[] = [];
await withActor({ type: 'user', userId, householdId }, async () => {
  for (const input of [
    { kind: 'plex' as const, machineIdentifier: server.machineIdentifier, url: plexUrl },
    { kind: 'overseerr' as const, url: overseerr, apiKey },
    { kind: 'uptime_kuma' as const, url: sims.urls['uptime-kuma']!, slug: 'home' },
  ]) {
    const { test } = await Integration.save(deps, input);
    saved.push(`${input.kind} (${test.ok ? 'connected' : 'saved, test failed'})`);
  }
});

console.log(`
MediaNest demo is running: ${app.url}

Simulators (all on 127.0.0.1):
${sims.lines.join('\n')}

Seeded: ${scenario.accounts.length} Plex accounts, ${made} pending Overseerr requests, and ${owner.username}'s household
(${householdId}) with her Plex server and integrations: ${saved.join(', ')}.
Her friends can join it in one click after signing in.
Sign in with Plex on ${app.url}: the simulated Plex page lets you pick an account —
${scenario.accounts.map((a) => `  ${a.username} (${a.title})`).join('\n')}
Integration settings for a household:
  Plex        ${sims.urls[Object.keys(sims.urls).find((k) => k.startsWith('plex-server')) ?? ''] ?? ''}
  Overseerr   ${overseerr}  (API key ${apiKey})
  Uptime Kuma ${sims.urls['uptime-kuma']}  (status page "home")

Ctrl-C stops everything.`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app.close();
  await sims.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
