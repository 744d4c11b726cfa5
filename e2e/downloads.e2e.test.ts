/**
 * Downloads in headless Chromium against the simulators: the in-process runtime with its /agent
 * endpoint, the simulated Plex world (the household's Plex integration points at its server), a
 * real household agent (`runAgent`) running the fake yt-dlp (paced so progress takes seconds), and
 * a Plex "scanner" that lists new files once the agent asks for a folder refresh (the simulator
 * records refreshes but does not scan), so the playlist's collection can be filled.
 *
 * The real /usr/bin/yt-dlp path is covered by packages/agent/src/agent.test.ts ("the same single
 * download with the REAL /usr/bin/yt-dlp against the media server"); the browser test uses the
 * fake because it is fast and deterministic.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { withActor } from '@medianest/core/actor/index';
import { plexTvFor } from '@medianest/core/auth/index';
import { setLimits } from '@medianest/core/download/index';
import { memberItem } from '@medianest/core/household/keys';
import * as Integration from '@medianest/core/integration/index';
import { DEMO_MACHINE_ID } from '@medianest/simulators/scenario/index';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBrowser,
  expectNoA11yViolations,
  type RunningPlexApp,
  type SignedIn,
  signInDirectly,
  startAppWithPlex,
  withPage,
} from './harness.ts';

const SECTION = '3'; // "Other Videos" on the demo server
const PLEX_PATH = '/data/media/other';

let app: RunningPlexApp;
let owner: SignedIn;
let member: SignedIn;
let hid: string;
let work: string;
let lib: string;
let catalog: string;
let agent: RunningAgent | undefined;
let agentToken = '';
let stopScanner = () => {};

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await walk(join(dir, e.name))).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

const pms = () => {
  const s = app.world.servers.get(DEMO_MACHINE_ID);
  if (!s) throw new Error('no demo Plex server');
  return s;
};

/** Plex's scanner, simulated: after a folder refresh the new files show up as items. */
function emulateScanner(): () => void {
  let seen = 0;
  const known = new Set<string>();
  const timer = setInterval(async () => {
    const refreshes = pms().refreshes();
    if (refreshes.length === seen) return;
    seen = refreshes.length;
    for (const f of await walk(lib)) {
      if (!f.endsWith('.mp4') || known.has(f)) continue;
      known.add(f);
      pms().addItems(SECTION, [{ title: basename(f, '.mp4') }]);
    }
  }, 50);
  return () => clearInterval(timer);
}

const downloadsUrl = () => `${app.url}/households/${hid}/downloads`;

/** Downloads of the household as the store has them (to prove a refusal created nothing). */
async function jobCount(): Promise<number> {
  const page = await app.system?.table.query({ pk: `H#${hid}`, sk: { beginsWith: 'DL#' } });
  return page?.items.length ?? 0;
}

async function openDownloads(page: Page) {
  await page.goto(downloadsUrl());
  await page.getByRole('heading', { name: 'Downloads', level: 1 }).waitFor({ timeout: 20_000 });
  // The target list is loaded from the Plex server; the form is usable once it is.
  await page.locator('#download-section:not([disabled])').waitFor({ timeout: 20_000 });
}

async function submit(page: Page, url: string) {
  await page.locator('#download-url').fill(url);
  await page.getByRole('button', { name: 'Download', exact: true }).click();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-e2e-downloads-'));
  lib = join(work, 'library');
  catalog = await writeCatalog(join(work, 'catalog'), {
    videos: [1, 2, 3].map((i) => ({
      id: `roadtrip${i}`,
      title: `Road Trip Day ${i}`,
      channel: 'Road Trip Channel',
      upload_date: `2024060${i}`,
      sample: 'big' as const,
    })),
    playlists: [
      {
        id: 'PLroadtrip',
        title: 'Road Trip 2024',
        channel: 'Road Trip Channel',
        entries: ['roadtrip1', 'roadtrip2', 'roadtrip3'],
      },
    ],
  });
  app = await startAppWithPlex({ consumers: false });
  const system = app.system;
  if (!system) throw new Error('needs the in-process runtime');
  owner = await signInDirectly(app, { household: 'Road Trippers' });
  hid = owner.householdId as string;
  // Fiona sees every section of the demo server (shared with all libraries): a plain member here.
  member = await signInDirectly(app, { account: 'fiona', household: false });
  await system.table.put(
    memberItem(
      hid,
      member.userId,
      { role: 'member', status: 'active', joinedVia: 'invite' },
      system.clock.now(),
    ),
  );
  const deps = {
    table: system.table,
    keyring: system.keyring,
    clock: system.clock,
    logger: system.logger,
    http: system.http,
    sessions: {
      idleSeconds: system.config.identity.sessionIdleSeconds,
      absoluteSeconds: system.config.identity.sessionAbsoluteSeconds,
    },
    plexTv: await plexTvFor(system),
  };
  // The household's Plex integration: the agent is told to scan this server.
  await withActor({ type: 'user', userId: owner.userId, householdId: hid }, () =>
    Integration.save(deps, { kind: 'plex', machineIdentifier: DEMO_MACHINE_ID, url: pms().url }),
  );
  stopScanner = emulateScanner();
}, 120_000);

afterAll(async () => {
  stopScanner();
  await agent?.stop();
  await closeBrowser();
  await app?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const limitVideosPerHour = (videosPerHour: number) => {
  const system = app.system;
  if (!system) throw new Error('needs the in-process runtime');
  return withActor({ type: 'user', userId: owner.userId, householdId: hid }, () =>
    setLimits({ table: system.table, clock: system.clock, keyring: system.keyring }, { videosPerHour }),
  );
};

describe('downloads', () => {
  it('without an agent a job waits visibly; a malformed link, an unsupported site and a quota overrun are refused in words with no job', async () => {
    await withPage(
      'downloads-refusals',
      async (page) => {
        await openDownloads(page);
        await page.getByText('Nothing downloading').waitFor();

        await submit(page, 'https://www.youtube.com/watch?v=waitingClip');
        const card = page.locator('[data-testid="queue"] [data-testid="download"]');
        await card.waitFor({ timeout: 20_000 });
        await card.getByTestId('waiting').getByText('Waiting for the household agent').waitFor();
        expect(await jobCount()).toBe(1);

        await submit(page, 'notalink');
        await page
          .getByTestId('download-error')
          .getByText('"notalink" is not a link: it should start with https://')
          .waitFor();
        await submit(page, 'https://example.com/some/page');
        await page
          .getByTestId('download-error')
          .getByText('example.com is not a supported site', { exact: false })
          .waitFor();

        await limitVideosPerHour(1);
        await submit(page, 'https://www.youtube.com/watch?v=oneTooMany');
        await page
          .getByTestId('download-error')
          .getByText('You can download 1 videos per hour and have used 1', { exact: false })
          .waitFor();
        expect(await jobCount()).toBe(1);
        await expect(page.locator('[data-testid="download"]').count()).resolves.toBe(1);
        await page.getByTestId('quota').getByText('0 of 1 videos left this hour').waitFor();
        await expect(page.getByTestId('quota-reset').textContent()).resolves.toMatch(
          /^Resets in \d+ minutes?$/,
        );

        // Cancelling moves it to the history, where it can be retried.
        await card.getByRole('button', { name: /^Cancel / }).click();
        await page
          .locator('[data-testid="history"] [data-testid="download"][data-state="cancelled"]')
          .waitFor({ timeout: 20_000 });
        await page.getByRole('button', { name: /^Retry / }).waitFor();
      },
      { context: { storageState: member.storageState } },
    );
    await limitVideosPerHour(30);
  }, 120_000);

  it('an admin creates an agent: the token and command are shown once, and it comes online live', async () => {
    await withPage(
      'downloads-agents',
      async (page) => {
        await page.goto(`${app.url}/households/${hid}/settings/agents`);
        await page.getByText('No download agent yet').waitFor({ timeout: 20_000 });
        await page.getByLabel('Name').fill('Garage NAS');
        await page.getByRole('button', { name: 'Create agent' }).click();
        const token = page.getByTestId('agent-token');
        await token.waitFor();
        agentToken = await token.inputValue();
        expect(agentToken).toMatch(/^mna_/);
        await expect(page.getByTestId('agent-command').textContent()).resolves.toContain(
          `npx medianest-agent --server ${app.url.replace(/^http/, 'ws')}/agent --token ${agentToken}`,
        );
        const row = page.locator('[data-testid="agent"]');
        await row.getByTestId('agent-status').getByText('Offline').waitFor();

        agent = await runAgent({
          serverUrl: `${app.url}/agent`,
          token: agentToken,
          downloadDir: join(work, 'agent'),
          libraryRoots: { [SECTION]: lib },
          plexRoots: { [SECTION]: PLEX_PATH },
          ytDlpPath: fakeYtDlpPath,
          // ~1.5 MB per video at 300 kB/s: each download reports progress for a few seconds.
          env: fakeYtDlpEnv({ catalog, bytesPerSecond: 300_000 }),
          concurrency: 3,
          collectionWaitMs: 30_000,
          reconnect: { minMs: 50, maxMs: 500 },
        });
        await agent.ready();
        // Presence arrives over the page's socket (download.agent), no reload.
        await row.getByTestId('agent-status').getByText('Online').waitFor({ timeout: 20_000 });
        await expectNoA11yViolations(page);
      },
      { context: { storageState: owner.storageState } },
    );
  }, 120_000);

  it('a member queues a three-video playlist: progress moves, files land with poster and .nfo, Plex scans and collects', async () => {
    expect(agent?.connected).toBe(true);
    await withPage(
      'downloads-playlist',
      async (page) => {
        await openDownloads(page);
        await submit(page, 'https://www.youtube.com/playlist?list=PLroadtrip');
        const card = page.locator('[data-testid="download"][aria-label="Road Trip 2024"]');
        await card.waitFor({ timeout: 30_000 });
        await card.locator('[data-testid="download-child"]').nth(2).waitFor({ timeout: 30_000 });

        // At least two distinct in-between percentages, read from the DOM as the bars move.
        await page.waitForFunction(
          () => {
            const g = globalThis as unknown as {
              __seen?: Set<string>;
              document: {
                querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }>;
              };
            };
            g.__seen ??= new Set();
            for (const el of Array.from(
              g.document.querySelectorAll('[data-testid="download-child"] [data-testid="progress"]'),
            )) {
              const p = Number(el.getAttribute('data-percent'));
              if (p > 0 && p < 100) g.__seen.add(p.toFixed(1));
            }
            return g.__seen.size >= 2;
          },
          undefined,
          { timeout: 60_000, polling: 50 },
        );

        await page
          .locator(
            '[data-testid="history"] [data-testid="download"][aria-label="Road Trip 2024"][data-state="done"]',
          )
          .waitFor({ timeout: 90_000 });
        await expect(card.locator('[data-testid="download-child"][data-state="done"]').count()).resolves.toBe(
          3,
        );
        await expectNoA11yViolations(page);
      },
      { context: { storageState: member.storageState } },
    );

    const base = (i: number) => `Road Trip Channel/Road Trip Day ${i} [roadtrip${i}]`;
    expect(await walk(lib)).toEqual(
      [1, 2, 3].flatMap((i) => ['.jpg', '.mp4', '.nfo'].map((x) => base(i) + x)),
    );
    expect(
      pms()
        .refreshes()
        .map((r) => ({ sectionKey: r.sectionKey, path: r.path })),
    ).toContainEqual({
      sectionKey: SECTION,
      path: `${PLEX_PATH}/Road Trip Channel`,
    });
    const collection = pms()
      .collections()
      .find((c) => c.title === 'Road Trip 2024');
    expect(collection?.sectionKey).toBe(SECTION);
    expect(collection?.items).toHaveLength(3);
  }, 180_000);
});
