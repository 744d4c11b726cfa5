/**
 * `npm run demo`: a living portal in a minute, with nothing from outside. Starts every simulator
 * (plex.tv, a Plex Media Server with a few hundred titles and posters, Overseerr with users and
 * pending requests, Uptime Kuma watching the others, a media server and the fake yt-dlp), seeds
 * them so they know each other, then starts the self-hosted runtime wired to them on PORT
 * (default 3000) with its data under ./data/demo. Ctrl-C stops everything.
 */
import { join } from 'node:path';
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

const app = await startLocal({
  port,
  dataDir: join(root, 'data/demo'),
  env: {
    ...process.env,
    MEDIANEST_PLEX_TV_URL: sims.urls['plex-tv'],
    MEDIANEST_PLEX_AUTH_URL: `${sims.urls['plex-tv']}/auth`,
    MEDIANEST_PLEX_CLIENT_ID: 'medianest-demo',
    MEDIANEST_ALLOW_PRIVATE_URLS: 'true',
  },
});

console.log(`
MediaNest demo is running: ${app.url}

Simulators (all on 127.0.0.1):
${sims.lines.join('\n')}

Seeded: ${scenario.accounts.length} Plex accounts, ${made} pending Overseerr requests.
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
