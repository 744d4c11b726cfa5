export {
  DEFAULT_WEB_DIR,
  type LocalServer,
  type StartLocalOptions,
  StartupError,
  startLocal,
} from './start-local.ts';
export { isHashedAsset, serveWeb, webBuildPresent } from './static.ts';
export { WS_UNAUTHENTICATED } from './ws.ts';
