import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { FsBlob } from '../adapter/blob/fs.ts';
import { createHttp } from '../adapter/http/index.ts';
import type { LibraryDeps } from '../library/deps.ts';
import { keys as libraryKeys, scopeOf } from '../library/keys.ts';
import { integrationOverseerr, libraryAvailability } from './deps.ts';
import { seedHousehold } from './fixtures.ts';

let deps: TestDeps;
beforeEach(() => {
  deps = createTestDeps();
});
afterEach(() => deps.close());

describe('wiring to the library and integration modules', () => {
  it("answers availability from the library's index for the calling member", async () => {
    // arrange: one indexed section with one movie and one show
    const { householdId: hh, users } = await seedHousehold(deps, [
      { name: 'Olivia', plexId: 301, role: 'owner' },
    ]);
    const scope = scopeOf('machine-1', '1');
    const now = deps.clock.now();
    await deps.table.put({ ...libraryKeys.sync(hh), type: 'libsync', scopes: [scope], sections: [] });
    for (const [guid, t] of [
      ['tmdb://603', 'movie'],
      ['tvdb://81189', 'show'],
    ] as const) {
      await deps.table.put({
        ...libraryKeys.index(hh, scope, guid),
        type: 'lib',
        v: 1,
        guid,
        server: 'machine-1',
        section: '1',
        rk: ['10'],
        t,
        gen: 1,
        at: now,
      });
    }
    const libDeps: LibraryDeps = {
      ...deps,
      http: createHttp({ mode: 'selfhosted', allowPrivate: true }),
      // Availability never touches blobs or the queue; they are here because LibraryDeps has them.
      blob: new FsBlob(join(tmpdir(), 'mn-wiring-unused')),
      queue: {
        send: async () => ({ id: 'x', deduplicated: false }),
        depth: async () => 0,
        deadLetterDepth: async () => 0,
        redrive: async () => 0,
      },
      servers: {
        list: async () => [
          { machineIdentifier: 'machine-1', name: 'Plex', baseUrl: 'http://127.0.0.1:1', token: 't' },
        ],
      },
    };
    const check = libraryAvailability(libDeps);
    // act
    const answer = await withActor({ type: 'user', userId: users.Olivia as string, householdId: hh }, () =>
      check(hh, users.Olivia as string, [
        { mediaType: 'movie', tmdbId: 603 },
        { mediaType: 'movie', tmdbId: 604 },
        { mediaType: 'tv', tmdbId: 1399, tvdbId: 81189 },
      ]),
    );
    // assert
    expect(answer).toEqual(['available', 'none', 'available']);
  });

  it('resolves no Overseerr for a household without the integration', async () => {
    const { householdId: hh } = await seedHousehold(deps, [{ name: 'Olivia', plexId: 302, role: 'owner' }]);
    expect(await integrationOverseerr(deps)(hh)).toBeUndefined();
  });
});
