/**
 * @medianest/simulators: faithful stand-ins for plex.tv, Plex Media Server, Overseerr, Uptime Kuma
 * and yt-dlp (plus a loopback media server), each a real HTTP server on 127.0.0.1 with a control
 * API (`/__control/*`) and fault injection. Start them from code here or from the command line
 * (`npx node packages/simulators/src/cli.ts <name|all>`).
 */
export * from './kit/index.ts';
export {
  ensureSamples,
  type MediaFile,
  type MediaServerOptions,
  type RunningMediaServer,
  type Samples,
  startMediaServer,
} from './media-server/index.ts';
export { type OverseerrOptions, type RunningOverseerr, startOverseerr } from './overseerr/index.ts';
export { type PlexServerOptions, type RunningPlexServer, startPlexServer } from './plex-server/index.ts';
export { type PlexTvOptions, type RunningPlexTv, startPlexTv } from './plex-tv/index.ts';
export { loadScenario, parseScenario } from './scenario/index.ts';
export { type PlexWorld, type PlexWorldOptions, startPlexWorld } from './scenario/start.ts';
export { type RunningUptimeKuma, startUptimeKuma, type UptimeKumaOptions } from './uptime-kuma/index.ts';
export {
  Catalog as YtDlpCatalog,
  CatalogByUrl as YtDlpCatalogByUrl,
  CatalogPlaylist as YtDlpCatalogPlaylist,
  CatalogVideo as YtDlpCatalogVideo,
  type FakeYtDlpEnvOptions,
  fakeYtDlpEnv,
  fakeYtDlpPath,
  writeCatalog,
} from './yt-dlp/index.ts';
