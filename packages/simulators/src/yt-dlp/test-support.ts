/**
 * Test support for the yt-dlp simulators: spawning a yt-dlp (fake or real) and reducing its output
 * to "shapes" (digits, sizes, hosts and temp dirs abstracted; repeated progress lines collapsed;
 * JSON lines reduced to their key/type structure), so a run can be compared with the golden
 * fixtures in shared/fixtures/yt-dlp, whose values differ from run to run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('../../../../../shared/fixtures/yt-dlp/', import.meta.url));
export const haveFixtures = existsSync(fixturesDir);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the stdout accumulated so far, after every chunk; may signal the child. */
  onStdout?: (soFar: string, child: import('node:child_process').ChildProcess) => void;
}

export function runTool(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** POSIX-shell word splitting for the fixtures' command.txt (quotes and backslashes only). */
export function shellSplit(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      current += command.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < command.length && command[i] !== '"') {
        if (command[i] === '\\' && i + 1 < command.length) i++;
        current += command[i];
        i++;
      }
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

type Shape = string | Shape[] | { [key: string]: Shape };

/** Key order and value types of a JSON value; numbers are one type, as int/float vary by run. */
export function jsonShape(value: unknown): Shape {
  if (Array.isArray(value)) return value.length ? [jsonShape(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonShape(v)]));
  }
  return value === null ? 'null' : typeof value;
}

/** Keys whose value is null on some progress lines and a number on others, run to run. */
const VOLATILE = new Set(['speed', 'eta']);

function lineShape(line: string): string {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const shape = jsonShape(parsed) as Record<string, Shape>;
      for (const key of VOLATILE) if (key in shape) shape[key] = 'number|null';
      return `JSON ${JSON.stringify(shape)}`;
    } catch {
      // not JSON: fall through to text rules
    }
  }
  return line
    .replace(/ Unknown B\/s| Unknown|\bNA\b/g, ' #')
    .replace(/\d+(\.\d+)?/g, '#')
    .replace(/#(B|KiB|MiB|GiB)/g, '#U')
    .replace(/ +/g, ' ')
    .replace(/#U\/s|#(:#)+/g, '#')
    .trimEnd();
}

export interface ShapeOptions {
  /** Literal substrings to replace before shaping (host:port, temp dir, file names). */
  replace?: Array<[string, string]>;
}

/**
 * Splits output on `\n` and `\r`, applies replacements, shapes every line and collapses runs of
 * identical shapes (the number of progress updates varies from run to run).
 */
export function outputShape(text: string, options: ShapeOptions = {}): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r|\n/)) {
    let line = raw;
    for (const [from, to] of options.replace ?? []) line = line.split(from).join(to);
    const shaped = lineShape(line);
    if (out.at(-1) !== shaped) out.push(shaped);
  }
  return out;
}
