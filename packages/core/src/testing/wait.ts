/**
 * Test helpers for waiting on real processes and files (agents, runtimes, yt-dlp): poll until a
 * probe answers, and list what landed on disk.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Calls `probe` every `everyMs` until it returns something other than undefined/false. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every file below `dir` (none if it does not exist), sorted; paths relative to `dir` if asked. */
export async function listFiles(dir: string, options: { relative?: boolean } = {}): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(join(e.parentPath, e.name));
  }
  out.sort();
  return options.relative ? out.map((p) => relative(dir, p)) : out;
}
