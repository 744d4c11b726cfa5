import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { solidStart } from '@solidjs/start/config';
import tailwindcss from '@tailwindcss/vite';
import { nitro } from 'nitro/vite';
import { defineConfig, type Plugin } from 'vite';

const outDir = join(import.meta.dirname, '.output');

/**
 * SolidStart 2.0.5 imports the CSS of its dev toolbar from shared modules that stay in the client
 * graph, so ~17 KB of it would ship to production. Emptying those stylesheets in builds removes it;
 * the toolbar itself only renders in dev.
 */
function dropDevToolbarCss(): Plugin {
  const toolbarCss = /[\\/]@solidjs[\\/]start[\\/]dist[\\/]shared[\\/].*\.css(\?.*)?$/;
  return {
    name: 'medianest:drop-dev-toolbar-css',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      return toolbarCss.test(id) ? '' : undefined;
    },
  };
}

/**
 * Vite's manifest is build bookkeeping, not a public file: keep it out of what gets served. Also
 * fails the build when nitro's prerender of the shell did not produce index.html (it only logs).
 */
function finishPublicFolder(): Plugin {
  return {
    name: 'medianest:finish-public-folder',
    apply: 'build',
    buildApp: {
      order: 'post',
      async handler() {
        rmSync(join(outDir, 'public/.vite'), { recursive: true, force: true });
        if (!existsSync(join(outDir, 'public/index.html'))) {
          throw new Error(
            'web build: .output/public/index.html was not generated (see the prerender error above)',
          );
        }
      },
    },
  };
}

// `npm run dev -w web` proxies to a running `npm start` (PORT 3000 unless MEDIANEST_DEV_API says otherwise).
const devApi = process.env.MEDIANEST_DEV_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [
    dropDevToolbarCss(),
    solidStart({ ssr: false }),
    tailwindcss(),
    // `serverEntry: false`: nitro would otherwise adopt any ./server.ts at the app root as its server.
    nitro({ preset: 'static', serverEntry: false }),
    finishPublicFolder(),
  ],
  server: {
    proxy: {
      '/api': { target: devApi, changeOrigin: false },
      '/ws': { target: devApi.replace(/^http/, 'ws'), ws: true },
    },
  },
});
