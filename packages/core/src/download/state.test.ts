import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { move } from './download.ts';
import { StaleDownloadError } from './errors.ts';
import { type DownloadItem, keys } from './keys.ts';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  STATES,
  type State,
  TRANSITIONS,
} from './state.ts';
import { validateUrl } from './url.ts';

const state = fc.constantFrom(...STATES);

describe('state machine', () => {
  it('accepts exactly the edges of the table and names both ends when refusing', () => {
    fc.assert(
      fc.property(state, state, (from, to) => {
        const legal = TRANSITIONS[from].includes(to);
        expect(canTransition(from, to)).toBe(legal);
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
      }),
    );
  });

  it('never leaves done, never skips straight from queued to post-processing or importing', () => {
    for (const to of STATES) expect(canTransition('done', to)).toBe(false);
    expect(canTransition('queued', 'post-processing')).toBe(false);
    expect(canTransition('queued', 'importing')).toBe(false);
    expect(canTransition('queued', 'done')).toBe(false);
  });

  describe('guarded writes on a stored job', () => {
    let deps: TestDeps;
    beforeEach(() => {
      deps = createTestDeps();
    });
    afterEach(() => deps.close());

    const seed = async (): Promise<DownloadItem> => {
      const id = 'dl_01JAAAAAAAAAAAAAAAAAAAAAAA';
      const item = {
        ...keys.download('hh_01JAAAAAAAAAAAAAAAAAAAAAAA', id),
        type: 'download',
        v: 1,
        rev: 1,
        id,
        householdId: 'hh_01JAAAAAAAAAAAAAAAAAAAAAAA',
        userId: 'usr_01JAAAAAAAAAAAAAAAAAAAAAAA',
        kind: 'video',
        parentId: null,
        url: 'https://www.youtube.com/watch?v=x',
        quality: 'best',
        target: { sectionKey: '1', preset: 'other-videos' },
        state: 'queued',
        reason: null,
        title: null,
        channel: null,
        video: null,
        playlist: null,
        progress: null,
        files: [],
        childCount: 0,
        childIds: [],
        duplicates: [],
        attempt: 0,
        tries: 0,
        leaseOwner: null,
        leaseUntil: null,
        createdAt: 0,
        updatedAt: 0,
        finishedAt: null,
        gsi1pk: keys.queueIndex('hh_01JAAAAAAAAAAAAAAAAAAAAAAA'),
        gsi1sk: '01JAAAAAAAAAAAAAAAAAAAAAAA',
      } satisfies DownloadItem;
      await deps.table.put(item);
      return item;
    };

    it('applies random move sequences only along legal edges, and a stale read never wins', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(state, fc.boolean()), { minLength: 1, maxLength: 12 }),
          async (steps) => {
            await deps.table.delete(
              keys.download('hh_01JAAAAAAAAAAAAAAAAAAAAAAA', 'dl_01JAAAAAAAAAAAAAAAAAAAAAAA'),
            );
            let current = await seed();
            const visited: State[] = [current.state];
            for (const [to, useStale] of steps) {
              const stale = current;
              if (useStale && canTransition(current.state, to)) {
                // Someone else moved the job first (a no-op write that bumps rev).
                await deps.table.update(keys.download(current.householdId, current.id), { add: { rev: 1 } });
                await expect(move(deps, stale, to)).rejects.toBeInstanceOf(StaleDownloadError);
                current = (await deps.table.get<DownloadItem>(
                  keys.download(current.householdId, current.id),
                )) as DownloadItem;
                continue;
              }
              if (!canTransition(current.state, to)) {
                await expect(move(deps, current, to)).rejects.toBeInstanceOf(IllegalTransitionError);
                continue;
              }
              current = await move(
                deps,
                current,
                to,
                to === 'downloading' || to === 'resolving' ? { takeLease: 'agt_x' } : {},
              );
              visited.push(current.state);
            }
            for (let i = 1; i < visited.length; i++) {
              expect(canTransition(visited[i - 1] as State, visited[i] as State)).toBe(true);
            }
            // Sparse indexes follow the state: queued ⇔ queue index, leased ⇔ lease index.
            const stored = (await deps.table.get<DownloadItem>(
              keys.download(current.householdId, current.id),
            )) as DownloadItem;
            expect(stored.gsi1pk !== undefined).toBe(stored.state === 'queued');
            if (stored.state === 'done' || stored.state === 'failed' || stored.state === 'cancelled') {
              expect(stored.gsi2pk).toBeUndefined();
              expect(stored.leaseOwner).toBeNull();
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('validateUrl', () => {
  it('accepts YouTube links and direct media files', () => {
    expect(validateUrl(' https://www.youtube.com/watch?v=dQw4w9WgXcQ ').kind).toBe('site');
    expect(validateUrl('https://youtu.be/dQw4w9WgXcQ').kind).toBe('site');
    expect(validateUrl('https://music.youtube.com/playlist?list=PL1').kind).toBe('site');
    expect(validateUrl('http://127.0.0.1:8080/clip-one.mp4').kind).toBe('direct');
  });

  it.each([
    ['', 'download.invalid_url', /Paste a link/],
    ['not a url', 'download.invalid_url', /spaces/],
    ['youtube.com/watch?v=x', 'download.invalid_url', /not a link/],
    ['ftp://example.com/a.mp4', 'download.invalid_url', /Only http and https/],
    ['javascript:alert(1)', 'download.invalid_url', /Only http and https/],
    ['https://user:pw@youtube.com/watch?v=x', 'download.invalid_url', /user name or password/],
    ['https://example.com/page.html', 'download.unsupported_site', /example.com is not a supported site/],
    ['https://notyoutube.com/watch?v=x', 'download.unsupported_site', /not a supported site/],
  ])('refuses %j with a clear message', (url, code, message) => {
    try {
      validateUrl(url);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code });
      expect((e as Error).message).toMatch(message);
    }
  });

  it('never accepts a non-http(s) scheme, whatever the rest', () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.constantFrom('ftp', 'file', 'data', 'ws', 'gopher'), (url, scheme) => {
        const other = url.replace(/^https?/, scheme);
        expect(() => validateUrl(other)).toThrow();
      }),
    );
  });
});
