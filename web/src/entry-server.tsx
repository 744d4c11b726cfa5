// @refresh reload
import { createHandler, StartServer } from '@solidjs/start/server';
import { themeBootScript } from './lib/theme-boot.ts';

// With `ssr: false` this renders only the static index.html shell at build time.
export default createHandler(() => (
  <StartServer
    document={({ assets, children, scripts }) => (
      <html lang="en" data-theme="dark">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
          <meta name="color-scheme" content="dark light" />
          <meta name="theme-color" content="#0b0f17" />
          <meta name="description" content="MediaNest — your Plex household in one place." />
          <title>MediaNest</title>
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          <script innerHTML={themeBootScript} />
          {assets}
        </head>
        <body>
          <div id="app">{children}</div>
          {scripts}
        </body>
      </html>
    )}
  />
));
