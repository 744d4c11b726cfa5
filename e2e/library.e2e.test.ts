/**
 * The library in headless Chromium against the real runtime and a simulated Plex world whose
 * server carries a 50,000-title movie section (plus TV shows and "Home Videos", which olivia's
 * share with frank leaves out). olivia owns the household and connected the server through the
 * integrations API; frank joined through the server olivia shares with him.
 *
 * Scenarios: the virtualised grid scrolled far down asks for its pages one at a time, one page per
 * request, only around what is on screen; a show opens with its seasons and a season with its
 * episodes; `/` focuses the shell's quick search and its results are grouped by type; frank does
 * not see the section he was not given; a slow (beyond the deadline) or failing Plex server gives a
 * clear message and a retry that works once it answers again; an empty section, "Sync now" and a
 * household without a Plex server have their own states. axe checks the section and detail pages.
 * The genre filter offers the section's own genres (one of them, "Anime", only this simulated TV
 * section has), and a sync started elsewhere reaches an open admin card over the socket.
 */
import { defaultScenario, STRANGER_ID } from '@medianest/simulators/scenario/index';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBrowser,
  expectNoA11yViolations,
  type RunningPlexApp,
  type SignedIn,
  signInDirectly,
  startAppWithPlexScenario,
  withPage,
} from './harness.ts';

const MOVIES = 50_000;
const PAGE = 60;
const WAIT = { timeout: 30_000 };

let app: RunningPlexApp;
let hid: string;
let machine: string;
let olivia: SignedIn;
let frank: SignedIn;

async function http(who: SignedIn, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: {
      cookie: `mn_session=${who.token}`,
      origin: app.url,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const pms = () => {
  const s = app.world.servers.get(machine);
  if (!s) throw new Error('no Plex server');
  return s;
};
const libraryUrl = () => `${app.url}/households/${hid}/library`;
const sectionUrl = (key: string, query = '') =>
  `${app.url}/households/${hid}/library/sections/${machine}/${key}${query}`;
const ctx = (who: SignedIn) => ({ context: { storageState: who.storageState } });

beforeAll(async () => {
  const scenario = structuredClone(defaultScenario);
  const server = scenario.servers?.[0];
  if (!server) throw new Error('no server in the default scenario');
  server.sections = [
    { key: '1', title: 'Movies', type: 'movie', count: MOVIES, path: '/data/media/movies' },
    { key: '2', title: 'TV Shows', type: 'show', count: 40, path: '/data/media/tv' },
    { key: '3', title: 'Home Videos', type: 'movie', count: 12, path: '/data/media/home' },
    { key: '4', title: 'Concerts', type: 'movie', count: 0, path: '/data/media/concerts' },
  ];
  machine = server.machineIdentifier;
  // sam's own server, for a household whose Plex integration nobody has saved yet.
  scenario.servers?.push({
    machineIdentifier: 'e2e0library0sam0server0000000000000000',
    name: "Sam's Plex",
    ownerId: STRANGER_ID,
    sections: [{ key: '1', title: 'Films', type: 'movie', count: 3, path: '/films' }],
  });
  // No consumers: the scheduled availability sync would read all 50,000 titles behind the tests.
  app = await startAppWithPlexScenario(scenario, { consumers: false });
  olivia = await signInDirectly(app, { account: 'olivia', household: 'Library Lane' });
  hid = olivia.householdId as string;
  await http(olivia, 'PUT', `/households/${hid}/integrations`, {
    kind: 'plex',
    machineIdentifier: machine,
    url: pms().url,
  });
  // A genre of this section only (the generated vocabulary has no "Anime").
  pms().addItems('2', [{ title: 'Zanzibar Nights', year: 2019, genres: ['Anime', 'Drama'] }]);
  frank = await signInDirectly(app, { account: 'frank', household: false });
  await http(frank, 'POST', `/households/${hid}/join`);
});

afterAll(async () => {
  await closeBrowser();
  await app?.close();
});

/** Every visible cell of the grid shows a loaded card (not a placeholder). */
const VISIBLE_LOADED = `(() => {
  const cells = [...document.querySelectorAll('[role=listitem][aria-posinset]')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 64 && r.top < innerHeight;
  });
  return cells.length > 0 && cells.every((el) => el.querySelector('[data-testid=library-card]'));
})()`;

const firstVisible = (page: Page) =>
  page.evaluate(`(() => {
    const cell = [...document.querySelectorAll('[role=listitem][aria-posinset]')].find(
      (el) => el.getBoundingClientRect().top >= 64,
    );
    return Number(cell?.getAttribute('aria-posinset'));
  })()`) as Promise<number>;

describe('library', () => {
  it('scrolls a 50,000-title section asking for one page at a time, only where the user looks', async () => {
    await withPage(
      'library-scroll',
      async (page) => {
        const itemsPath = `/api/v1/households/${hid}/library/sections/${machine}/1/items`;
        const seen: URL[] = [];
        let open = 0;
        let maxOpen = 0;
        const isItems = (r: Request) => new URL(r.url()).pathname === itemsPath;
        page.on('request', (r) => {
          if (!isItems(r)) return;
          seen.push(new URL(r.url()));
          open++;
          maxOpen = Math.max(maxOpen, open);
        });
        const done = (r: Request) => {
          if (isItems(r)) open--;
        };
        page.on('requestfinished', done);
        page.on('requestfailed', done);

        await page.goto(libraryUrl());
        await page.locator(`a[data-testid=library-section][href$="/sections/${machine}/1"]`).click();
        await page.getByTestId('library-total').filter({ hasText: '50,000 items' }).waitFor(WAIT);
        await page.waitForFunction(VISIBLE_LOADED, undefined, WAIT);
        await expectNoA11yViolations(page);

        // Far down, then to the very end.
        await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight * 0.6)');
        await page.waitForFunction(VISIBLE_LOADED, undefined, WAIT);
        const middle = await firstVisible(page);
        expect(middle).toBeGreaterThan(25_000);
        await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
        await page
          .locator(`[role=listitem][aria-posinset="${MOVIES}"] [data-testid=library-card]`)
          .waitFor(WAIT);
        await page.waitForFunction(VISIBLE_LOADED, undefined, WAIT);

        expect(maxOpen).toBe(1);
        expect(seen.length).toBeGreaterThanOrEqual(3);
        // Each request is one page at a page boundary; a handful in all, not the 800 pages flown past.
        for (const url of seen) {
          expect(url.searchParams.get('limit')).toBe(String(PAGE));
          expect(Number(url.searchParams.get('cursor') ?? 0) % PAGE).toBe(0);
        }
        expect(seen.length).toBeLessThan(20);
        const cursors = seen.map((u) => Number(u.searchParams.get('cursor') ?? 0));
        expect(new Set(cursors).size).toBe(cursors.length);
        expect(Math.max(...cursors)).toBeGreaterThanOrEqual(MOVIES - 2 * PAGE);

        // Sort and filters live in the URL and reach the API.
        await page.evaluate('window.scrollTo(0, 0)');
        await page.getByLabel('Sort by').selectOption('year');
        await page.waitForURL(/sort=year/, WAIT);
        await page.waitForFunction(VISIBLE_LOADED, undefined, WAIT);
        await page.getByLabel('Watched').selectOption('true');
        await page.waitForURL(/unwatched=true/, WAIT);
        await page.waitForFunction(VISIBLE_LOADED, undefined, WAIT);
        const last = seen.at(-1) as URL;
        expect(last.searchParams.get('sort')).toBe('year');
        expect(last.searchParams.get('unwatched')).toBe('true');
        expect(maxOpen).toBe(1);
      },
      ctx(olivia),
    );
  });

  it("filters by the section's own genres and years, read from Plex", async () => {
    const filters = (p: string) =>
      http(olivia, 'GET', `/households/${hid}/library/sections/${machine}/${p}/filters`) as Promise<{
        genres: { key: string; title: string }[];
        years: number[];
      }>;
    const [shows, movies] = await Promise.all([filters('2'), filters('1')]);
    const anime = shows.genres.find((g) => g.title === 'Anime');
    expect(anime).toBeDefined();
    expect(movies.genres.map((g) => g.title)).not.toContain('Anime');
    await withPage(
      'library-genres',
      async (page) => {
        await page.goto(sectionUrl('2'));
        const genre = page.getByLabel('Genre');
        await genre.locator('option', { hasText: 'Anime' }).waitFor({ state: 'attached', ...WAIT });
        // Exactly the section's genres, in its order, after "Any genre".
        const options = await genre.locator('option').allTextContents();
        expect(options).toEqual(['Any genre', ...shows.genres.map((g) => g.title)]);
        const years = await page.getByLabel('Year').locator('option').allTextContents();
        expect(years).toEqual(['Any year', ...shows.years.map(String)]);
        await genre.selectOption({ label: 'Anime' });
        await page.waitForURL(new RegExp(`genre=${anime?.key}`), WAIT);
        await page
          .getByTestId('library-total')
          .filter({ hasText: /^1 item$/ })
          .waitFor(WAIT);
        await page.getByTestId('library-card').filter({ hasText: 'Zanzibar Nights' }).waitFor(WAIT);
        await expectNoA11yViolations(page);
        // The URL keeps the choice: a reload shows it selected, with its name.
        await page.reload();
        await page
          .getByTestId('library-total')
          .filter({ hasText: /^1 item$/ })
          .waitFor(WAIT);
        await expect.poll(() => genre.locator('option:checked').textContent()).toBe('Anime');
        await page.getByLabel('Year').selectOption('2019');
        await page.waitForURL(/year=2019/, WAIT);
        await page.getByTestId('library-card').filter({ hasText: 'Zanzibar Nights' }).waitFor(WAIT);
      },
      ctx(olivia),
    );
  });

  it('opens a show with its seasons, and a season with its episodes', async () => {
    await withPage(
      'library-show',
      async (page) => {
        await page.goto(sectionUrl('2'));
        await page.getByTestId('library-card').first().click();
        const detail = page.getByTestId('library-detail');
        await detail.waitFor(WAIT);
        await page.getByRole('heading', { name: /Seasons/ }).waitFor(WAIT);
        await expect(page.getByRole('link', { name: /Open in Plex/ }).getAttribute('href')).resolves.toMatch(
          /^https:\/\/app\.plex\.tv\/desktop#!\/server\//,
        );
        await expectNoA11yViolations(page);
        await page.getByTestId('seasons').getByTestId('library-card').first().click();
        await page.getByRole('heading', { name: /Episodes/ }).waitFor(WAIT);
        const episodes = page.getByTestId('episodes').getByTestId('library-row');
        await episodes.first().waitFor(WAIT);
        expect(await episodes.count()).toBeGreaterThan(0);
        await episodes.first().click();
        await page.getByTestId('library-detail').waitFor(WAIT);
        await page.getByRole('link', { name: /Open in Plex/ }).waitFor(WAIT);
      },
      ctx(olivia),
    );
  });

  it('/ focuses the quick search in the shell; results come grouped by type', async () => {
    const first = await http(olivia, 'GET', `/households/${hid}/library/sections/${machine}/2/items?limit=1`);
    const title = first.items[0].title as string;
    await withPage(
      'library-search',
      async (page) => {
        await page.goto(libraryUrl());
        await page.getByTestId('library-section').first().waitFor(WAIT);
        await page.locator('h1').click();
        await page.keyboard.press('/');
        const box = page.getByTestId('quick-search');
        await expect.poll(() => box.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
        await page.keyboard.type(title);
        const panel = page.getByTestId('quick-search-panel');
        // A hit of its own (not only the "All results for …" link), under its type's heading.
        await panel.locator('ul a', { hasText: title }).first().waitFor(WAIT);
        await panel.getByText('TV shows', { exact: true }).waitFor(WAIT);
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/library\/search\?q=/, WAIT);
        const groups = page.getByTestId('search-group');
        await groups.first().waitFor(WAIT);
        await expect(groups.getByRole('heading', { name: /TV shows/ }).count()).resolves.toBe(1);
        await expect(groups.getByText(title).first().isVisible()).resolves.toBe(true);
      },
      ctx(olivia),
    );
  });

  it('a member whose Plex share leaves a section out does not see it', async () => {
    await withPage(
      'library-restricted',
      async (page) => {
        await page.goto(libraryUrl());
        const sections = page.getByTestId('library-section');
        await sections.first().waitFor(WAIT);
        const names = await sections.allTextContents();
        expect(names.some((n) => n.includes('Movies'))).toBe(true);
        expect(names.some((n) => n.includes('TV Shows'))).toBe(true);
        expect(names.some((n) => n.includes('Home Videos'))).toBe(false);
        // Not by its address either.
        await page.goto(sectionUrl('3'));
        await page.getByText('This section is not in your library').waitFor(WAIT);
        await expect(page.getByTestId('library-card').count()).resolves.toBe(0);
        // And no sync card for a member.
        await page.goto(libraryUrl());
        await sections.first().waitFor(WAIT);
        await expect(page.getByTestId('library-sync').count()).resolves.toBe(0);
      },
      ctx(frank),
    );
  });

  it('an empty section says so; admins start a sync; a household without Plex links to its settings', async () => {
    const other = await signInDirectly(app, { account: 'sam', household: 'No Plex Yet' });
    await withPage(
      'library-states',
      async (page) => {
        await page.goto(sectionUrl('4'));
        await page.getByText('Concerts is empty').waitFor(WAIT);
        // Two tabs on the library page: one starts the sync, the other learns it over its socket.
        const watcher = await page.context().newPage();
        const syncReads: string[] = [];
        const frames: string[] = [];
        watcher.on('request', (r) => {
          if (r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/library/sync'))
            syncReads.push(r.url());
        });
        watcher.on('websocket', (ws) =>
          ws.on('framereceived', (f) => {
            if (typeof f.payload === 'string' && f.payload.includes('"library.sync"')) frames.push(f.payload);
          }),
        );
        for (const p of [watcher, page]) {
          await p.goto(libraryUrl());
          await p
            .locator('[data-testid="ws-status"][data-status="live"]')
            .waitFor({ state: 'attached', ...WAIT });
          await p
            .getByTestId('library-sync')
            .getByText(/Last full sync: never/)
            .waitFor(WAIT);
        }
        await watcher.waitForLoadState('networkidle');
        const readsBefore = syncReads.length;
        await page.getByTestId('library-recent').getByTestId('library-card').first().waitFor(WAIT);
        const sync = page.getByTestId('library-sync');
        await sync.getByRole('button', { name: 'Sync now' }).click();
        await page.getByText('Library sync started').waitFor(WAIT);
        await sync.getByRole('button', { name: 'Syncing…' }).waitFor(WAIT);
        // The other tab shows the run without asking the API again: the push carried it.
        const watched = watcher.getByTestId('library-sync');
        await watched.getByRole('button', { name: 'Syncing…' }).waitFor(WAIT);
        await watched.getByRole('progressbar', { name: 'Sync progress' }).waitFor(WAIT);
        expect(frames.length).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(frames[0] as string)).toMatchObject({
          type: 'library.sync',
          data: { householdId: hid, event: 'progress', status: { state: 'running' } },
        });
        expect(syncReads.length).toBe(readsBefore);
      },
      ctx(olivia),
    );
    await withPage(
      'library-not-configured',
      async (page) => {
        await page.goto(`${app.url}/households/${other.householdId}/library`);
        const missing = page.getByTestId('library-not-configured');
        await missing.waitFor(WAIT);
        await expect(
          missing.getByRole('link', { name: 'Open integration settings' }).getAttribute('href'),
        ).resolves.toBe(`/households/${other.householdId}/settings/integrations`);
      },
      ctx(other),
    );
  });

  it('a slow or failing Plex server gives a clear message with a retry, never an endless spinner', async () => {
    const system = app.system as unknown as { library?: { deadlineMs?: number } };
    await withPage(
      'library-faults',
      async (page) => {
        // Failing: every attempt answers 500.
        const failing = pms().faults.add({ path: '/library/sections/1/all', status: 500 });
        await page.goto(sectionUrl('1'));
        const error = page.getByTestId('library-error');
        await error.getByText('Plex is not answering').waitFor(WAIT);
        await error.getByText(/Olivia's Plex failed to answer/).waitFor(WAIT);
        pms().faults.remove(failing);
        await error.getByRole('button', { name: 'Try again' }).click();
        await page.getByTestId('library-total').waitFor(WAIT);

        // Slow: beyond the (shortened) deadline, retries included.
        system.library = { deadlineMs: 1_000 };
        const slow = pms().faults.add({ path: '/library/sections', latencyMs: 10_000 });
        try {
          await page.goto(libraryUrl());
          await error.getByText(/Olivia's Plex did not answer in time \(1 s\)/).waitFor(WAIT);
          await expect(page.getByTestId('library-loading').count()).resolves.toBe(0);
          pms().faults.remove(slow);
          await error.getByRole('button', { name: 'Try again' }).click();
          await page.getByTestId('library-section').first().waitFor(WAIT);
          await expect(page.getByTestId('library-error').count()).resolves.toBe(0);
        } finally {
          pms().faults.clear();
          delete system.library;
        }
      },
      ctx(olivia),
    );
  });
});
