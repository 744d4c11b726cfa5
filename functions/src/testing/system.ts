/** A real local System (SQLite, fs blobs, key file) in a fresh temp directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalSystem,
  type LocalSystem,
  type LocalSystemOptions,
  loadConfig,
} from '@medianest/core/system/index';

export interface TempSystem {
  system: LocalSystem;
  dir: string;
  cleanup(): Promise<void>;
}

export async function tempSystem(
  env: Record<string, string> = {},
  options: LocalSystemOptions = {},
): Promise<TempSystem> {
  const dir = await mkdtemp(join(tmpdir(), 'medianest-functions-'));
  const config = loadConfig({ MEDIANEST_DATA_DIR: dir, LOG_LEVEL: 'SILENT', ...env });
  const system = await createLocalSystem(config, options);
  return {
    system,
    dir,
    async cleanup() {
      await system.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
