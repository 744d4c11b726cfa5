/**
 * The household's Plex library over HTTP: sections, paged section items, item detail and its
 * children, collections, search, recently added, posters through the image route, and the
 * availability index sync (start / progress).
 *
 * Everything sits under `/households/{hid}/library` and runs as the caller acting in that
 * household (`guard({ auth: 'household' })`); core then decides which sections the member may see
 * from plex.tv's sharing data. A Plex server that is down or slow is a 503 `library.unavailable`
 * naming the server within the interactive deadline (8 s in all, retries included, unless the System
 * says otherwise), never a hung request. Cross-server answers (sections, search, recently added) still succeed when one
 * server of several is down and list it under `unavailable`.
 *
 * The image route answers bytes, not JSON: `Content-Type`, a strong `ETag`, `Cache-Control:
 * private, max-age=31536000, immutable`, and 304 for a matching `If-None-Match`. The household's
 * Plex token stays in core: no answer of this router carries it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { plexTvFor } from '@medianest/core/auth/index';
import {
  ChildrenInput,
  CollectionInput,
  CollectionsInput,
  children,
  collection,
  collections,
  FILTERS_CACHE_MS,
  getImage,
  ImageInput,
  ItemDetail,
  ItemInput,
  ItemSummary,
  ItemsInput,
  integrationServers,
  item,
  items,
  type LibraryDeps,
  type LibrarySystem,
  RecentlyAddedInput,
  recentlyAdded,
  SearchInput,
  SectionFilters,
  SectionInfo,
  StartSyncInput,
  SyncStatus,
  search,
  sectionFilters,
  sections,
  startSync,
  syncStatus,
  Unavailable,
} from '@medianest/core/library/index';
import type { System } from '@medianest/core/system/index';
import type { Context } from 'hono';
import { guard } from '../access.ts';
import type { AppEnv } from '../env.ts';
import { ErrorBody } from '../errors.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { errors, json } from './schemas.ts';

/**
 * What the routes read from the System beyond the ports. `libraryServers` is the same source the
 * sync job uses (when the composition root provides it); `library.timeoutMs` (per attempt) and
 * `library.deadlineMs` (the whole call, retries included; 8 s by default) bound the wait on a Plex
 * server (tests, a deployment next to its servers).
 */
export type LibraryRouteSystem = System &
  Partial<Pick<LibrarySystem, 'libraryServers'>> & {
    library?: { timeoutMs?: number; deadlineMs?: number };
  };

/** LibraryDeps from the System, for the request's logger. Ports are getters: built on first use. */
export async function libraryDepsOf(
  system: LibraryRouteSystem,
  logger = system.logger,
): Promise<LibraryDeps> {
  // plex.tv ties sharing answers to the client identifier the deployment signs in with.
  const { clientIdentifier } = await plexTvFor(system);
  const timeoutMs = system.library?.timeoutMs;
  const deadlineMs = system.library?.deadlineMs;
  const deps = portsOf(
    system,
    {
      plexTvUrl: system.config.identity.plexTvUrl,
      clientIdentifier,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    },
    logger,
  ) as unknown as Omit<LibraryDeps, 'servers'> & { servers?: LibraryDeps['servers'] };
  deps.servers = system.libraryServers ?? integrationServers(deps);
  return deps as LibraryDeps;
}

const errorContent = { 'application/json': { schema: ErrorBody } };
const libraryErrors = {
  ...errors,
  503: {
    description: 'A Plex server is down, slow or refused the household token (the message names it)',
    content: errorContent,
  },
} as const;

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
/** The domain's server id is optional (first server); in a path it is always given. */
const ServerIdParam = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,128}$/, { error: 'not a Plex server id' })
  .openapi({ description: "The Plex server's machineIdentifier" });
const SectionParams = Hid.extend({ serverId: ServerIdParam, sectionKey: ItemsInput.shape.sectionKey });
const ItemParams = Hid.extend({ serverId: ServerIdParam, ratingKey: ItemInput.shape.ratingKey });
const CollectionParams = Hid.extend({
  serverId: ServerIdParam,
  collectionKey: CollectionInput.shape.collectionKey,
});

const ItemsQuery = ItemsInput.omit({ serverId: true, sectionKey: true }).extend({
  // A preprocessed boolean has no OpenAPI type of its own: say what the query string takes.
  unwatched: ItemsInput.shape.unwatched
    .unwrap()
    .optional()
    .openapi({ type: 'boolean', description: 'true/false or 1/0' }),
});
const PageQuery = ChildrenInput.pick({ cursor: true, limit: true });
const SearchQuery = z.object({ q: SearchInput.shape.query, limit: SearchInput.shape.limit });
const ImageQuery = z.object({
  path: ImageInput.shape.path.describe('An item `thumb` / `art` path as returned here'),
  w: ImageInput.shape.width.describe('Width in pixels (one of the fixed sizes)'),
  h: ImageInput.shape.height.describe('Height in pixels (one of the fixed sizes)'),
});

/*
 * Core's schemas may be built before @hono/zod-openapi patches zod (module order), so they can lack
 * `.openapi`; a schema derived here (`extend`, `describe`, `optional`) always has it.
 */
const Section = SectionInfo.extend({}).openapi('LibrarySection');
const Summary = ItemSummary.extend({}).openapi('LibraryItem');
const Detail = ItemDetail.extend({}).openapi('LibraryItemDetail');
const Down = Unavailable.extend({}).openapi('LibraryUnavailableServer');
const pageOf = (name: string) =>
  z
    .object({
      items: z.array(Summary),
      total: z.number().int(),
      nextCursor: z.string().nullable().openapi({ description: 'Pass back as `cursor`; null at the end' }),
    })
    .openapi(name);
const ItemsPage = pageOf('LibraryItemsPage');
const Status = SyncStatus.extend({}).openapi('LibrarySyncStatus');
const Filters = SectionFilters.extend({}).openapi('LibrarySectionFilters');

const SectionsOut = z.object({ sections: z.array(Section), unavailable: z.array(Down) });
const SearchOut = z.object({
  groups: z.array(z.object({ type: z.string(), title: z.string(), items: z.array(Summary) })),
  unavailable: z.array(Down),
});
const RecentOut = z.object({ items: z.array(Summary), unavailable: z.array(Down) });
const CollectionOut = z.object({ collection: Summary, items: ItemsPage });
const SyncStarted = z
  .object({
    runId: z.string(),
    mode: z.enum(['full', 'incremental']),
    resumed: z.boolean().openapi({ description: 'A stalled run was picked up where it stopped' }),
    status: Status,
  })
  .openapi('LibrarySyncStarted');

const BASE = '/households/{hid}/library';
const tags = ['library'];

/** The longest If-None-Match worth comparing; a longer one is ignored rather than refused. */
const MAX_IF_NONE_MATCH = 200;

export function libraryRoutes(system: LibraryRouteSystem) {
  const router = createRouter();
  const deps = (c: Context<AppEnv>) => libraryDepsOf(system, c.var.logger ?? system.logger);

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/sections`,
      tags,
      summary: 'The library sections I may see, on every household server',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(SectionsOut, 'Sections (and servers that did not answer)'), ...libraryErrors },
    }),
    async (c) => c.json(await sections(await deps(c), {}), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/sections/{serverId}/{sectionKey}/items`,
      tags,
      summary: "A page of a section's items, sorted and filtered (cursor paging)",
      ...guard({ auth: 'household' }),
      request: { params: SectionParams, query: ItemsQuery },
      responses: { 200: json(ItemsPage, 'One page'), ...libraryErrors },
    }),
    async (c) => {
      const { serverId, sectionKey } = c.req.valid('param');
      return c.json(await items(await deps(c), { ...c.req.valid('query'), serverId, sectionKey }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/sections/{serverId}/{sectionKey}/filters`,
      tags,
      summary: "The section's genres and years, for its filter controls (briefly cached)",
      ...guard({ auth: 'household' }),
      request: { params: SectionParams },
      responses: {
        200: json(Filters, 'Genres (the key is what `items` takes as `genre`) and years, newest first'),
        ...libraryErrors,
      },
    }),
    async (c) => {
      const { serverId, sectionKey } = c.req.valid('param');
      const filters = await sectionFilters(await deps(c), { serverId, sectionKey });
      return c.json(filters, 200, {
        'cache-control': `private, max-age=${Math.floor(FILTERS_CACHE_MS / 1000)}`,
      });
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/items/{serverId}/{ratingKey}`,
      tags,
      summary: 'One item: summary, cast, media info, seasons or episodes, "open in Plex" link',
      ...guard({ auth: 'household' }),
      request: { params: ItemParams },
      responses: { 200: json(Detail, 'The item'), ...libraryErrors },
    }),
    async (c) => {
      const { serverId, ratingKey } = c.req.valid('param');
      return c.json(await item(await deps(c), { serverId, ratingKey }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/items/{serverId}/{ratingKey}/children`,
      tags,
      summary: "A show's seasons or a season's episodes, beyond the item's first page",
      ...guard({ auth: 'household' }),
      request: { params: ItemParams, query: PageQuery },
      responses: { 200: json(ItemsPage, 'One page'), ...libraryErrors },
    }),
    async (c) => {
      const { serverId, ratingKey } = c.req.valid('param');
      return c.json(await children(await deps(c), { ...c.req.valid('query'), serverId, ratingKey }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/sections/{serverId}/{sectionKey}/collections`,
      tags,
      summary: "A section's collections",
      ...guard({ auth: 'household' }),
      request: { params: SectionParams, query: CollectionsInput.pick({ cursor: true, limit: true }) },
      responses: { 200: json(ItemsPage, 'One page of collections'), ...libraryErrors },
    }),
    async (c) => {
      const { serverId, sectionKey } = c.req.valid('param');
      return c.json(await collections(await deps(c), { ...c.req.valid('query'), serverId, sectionKey }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/collections/{serverId}/{collectionKey}`,
      tags,
      summary: 'A collection and a page of its items',
      ...guard({ auth: 'household' }),
      request: { params: CollectionParams, query: CollectionInput.pick({ cursor: true, limit: true }) },
      responses: { 200: json(CollectionOut, 'The collection'), ...libraryErrors },
    }),
    async (c) => {
      const { serverId, collectionKey } = c.req.valid('param');
      return c.json(
        await collection(await deps(c), { ...c.req.valid('query'), serverId, collectionKey }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/search`,
      tags,
      summary: 'Search every household server (Plex hub search), grouped by type',
      ...guard({ auth: 'household' }),
      request: { params: Hid, query: SearchQuery },
      responses: { 200: json(SearchOut, 'Results by type'), ...libraryErrors },
    }),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      return c.json(await search(await deps(c), { query: q, limit }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/recently-added`,
      tags,
      summary: 'Recently added items across the sections I may see, newest first',
      ...guard({ auth: 'household' }),
      request: { params: Hid, query: RecentlyAddedInput },
      responses: { 200: json(RecentOut, 'Newest first'), ...libraryErrors },
    }),
    async (c) => c.json(await recentlyAdded(await deps(c), c.req.valid('query')), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/image/{serverId}`,
      tags,
      summary: 'A poster or backdrop at a fixed size (cached; the Plex token never reaches the browser)',
      ...guard({ auth: 'household' }),
      request: { params: Hid.extend({ serverId: ServerIdParam }), query: ImageQuery },
      responses: {
        200: {
          description:
            'JPEG bytes with a strong ETag and `Cache-Control: private, max-age=31536000, immutable`',
          content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        304: { description: 'Not modified (If-None-Match matched the ETag)' },
        ...libraryErrors,
      },
    }),
    async (c) => {
      const { serverId } = c.req.valid('param');
      const { path, w, h } = c.req.valid('query');
      const inm = c.req.header('if-none-match');
      const img = await getImage(await deps(c), {
        serverId,
        path,
        width: w,
        height: h,
        ...(inm !== undefined && inm.length <= MAX_IF_NONE_MATCH ? { ifNoneMatch: inm } : {}),
      });
      const headers = { etag: img.etag, 'cache-control': img.cacheControl };
      if (img.notModified) return c.body(null, 304, headers);
      return c.body(img.body as Uint8Array<ArrayBuffer>, 200, {
        ...headers,
        'content-type': img.contentType,
      });
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: `${BASE}/sync`,
      tags,
      summary: 'Start a sync of the availability index (a crashed run is resumed instead)',
      ...guard({ auth: 'household', permission: 'manage_integrations' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: StartSyncInput } }, required: true },
      },
      responses: { 202: json(SyncStarted, 'Started; follow it with GET …/sync'), ...libraryErrors },
    }),
    async (c) => c.json(await startSync(await deps(c), c.req.valid('json')), 202),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${BASE}/sync`,
      tags,
      summary: 'Progress of the availability index sync (owners and admins)',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid },
      responses: { 200: json(Status, 'The current or last run'), ...libraryErrors },
    }),
    async (c) => c.json(await syncStatus(await deps(c), {}), 200),
  );

  return router;
}
