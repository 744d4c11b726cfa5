/**
 * `medianest doctor`: checks what a self-hosted install needs before it starts, one line each,
 * without starting the server.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AesKeyring } from '@medianest/core/adapter/keyring/index';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { type Config, ConfigError, type Env, loadConfig, localPaths } from '@medianest/core/system/index';
import { DEFAULT_WEB_DIR } from './start-local.ts';
import { webBuildPresent } from './static.ts';

export interface Check {
  ok: boolean;
  name: string;
  detail: string;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function check(name: string, run: () => string | Promise<string>): Promise<Check> {
  try {
    return { ok: true, name, detail: await run() };
  } catch (err) {
    return { ok: false, name, detail: message(err) };
  }
}

export async function runDoctor(env: Env): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    const detail =
      err instanceof ConfigError
        ? err.issues.map((i) => `${i.variable}: ${i.message}`).join('; ')
        : message(err);
    return [{ ok: false, name: 'configuration', detail }];
  }
  const paths = localPaths(config.dataDir);
  const checks: Check[] = [
    {
      ok: true,
      name: 'configuration',
      detail: `mode ${config.mode}, ${config.host}:${config.port}, ${config.publicUrl}`,
    },
  ];
  checks.push(
    await check('data directory writable', () => {
      mkdirSync(config.dataDir, { recursive: true });
      const probe = join(config.dataDir, `.doctor-${randomUUID()}`);
      writeFileSync(probe, 'ok');
      rmSync(probe);
      return config.dataDir;
    }),
  );
  checks.push(
    await check('database opens and answers', () => {
      const db = openSqlite(paths.database);
      try {
        const row = db.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined;
        if (row?.quick_check !== 'ok') throw new Error(`integrity check: ${row?.quick_check ?? 'no answer'}`);
        return paths.database;
      } finally {
        db.close();
      }
    }),
  );
  checks.push(
    await check('key file', async () => {
      if (!existsSync(paths.keyFile)) return `${paths.keyFile} (not created yet: made on first start)`;
      accessSync(paths.keyFile, constants.R_OK);
      const keyring = await AesKeyring.fromKeyFile(paths.keyFile);
      const context = { check: 'doctor' };
      const sealed = await keyring.encrypt('probe', context);
      if ((await keyring.decrypt(sealed, context)) !== 'probe')
        throw new Error('the key does not round-trip');
      return paths.keyFile;
    }),
  );
  const webDir = resolve(config.webDir ?? DEFAULT_WEB_DIR);
  checks.push(
    await check('web build present', () => {
      if (!webBuildPresent(webDir))
        throw new Error(`no index.html in ${webDir}: run \`npm run build -w web\``);
      return webDir;
    }),
  );
  const agent = config.agent;
  if (agent) {
    checks.push(
      await check('built-in agent: library folders writable', () => {
        for (const [section, dir] of Object.entries(agent.libraryRoots)) {
          if (!existsSync(dir)) throw new Error(`section ${section}: ${dir} does not exist`);
          accessSync(dir, constants.W_OK);
        }
        return Object.entries(agent.libraryRoots)
          .map(([section, dir]) => `${section}=${dir}`)
          .join(', ');
      }),
    );
    checks.push(
      await check('built-in agent: yt-dlp runs', () => {
        const r = spawnSync(agent.ytDlpPath, ['--version'], { encoding: 'utf8', timeout: 20_000 });
        if (r.error) throw new Error(`${agent.ytDlpPath}: ${r.error.message} (set MEDIANEST_AGENT_YTDLP)`);
        if (r.status !== 0) throw new Error(`${agent.ytDlpPath} --version exited with ${r.status}`);
        return `${agent.ytDlpPath} ${r.stdout.trim()}`;
      }),
    );
  }
  return checks;
}
