import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMediaServer, startMediaServer } from './index.ts';

const exec = promisify(execFile);
const lastModified = new Date('2024-03-15T10:20:30Z');
let server: RunningMediaServer;
let scratch: string;

beforeAll(async () => {
  server = await startMediaServer({ lastModified });
  scratch = await mkdtemp(join(tmpdir(), 'media-server-'));
});

afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('media server', () => {
  it('listens on 127.0.0.1 and builds URLs', () => {
    expect(server.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url('/clip-one.mp4')).toBe(`${server.baseUrl}/clip-one.mp4`);
  });

  it('serves real H.264/AAC mp4 with the headers yt-dlp reads', async () => {
    const res = await fetch(server.url('/clip-one.mp4'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('last-modified')).toBe('Fri, 15 Mar 2024 10:20:30 GMT');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.equals(await readFile(server.samples.clipOne))).toBe(true);
    const file = join(scratch, 'clip.mp4');
    await writeFile(file, body);
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name:format=duration',
      '-of',
      'json',
      file,
    ]);
    const probe = JSON.parse(stdout) as { streams: { codec_name: string }[]; format: { duration: string } };
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Number(probe.format.duration)).toBeCloseTo(3, 0);
  });

  it('answers single byte ranges with 206, suffix ranges, and 416 past the end', async () => {
    const whole = await readFile(server.samples.clipTwo);
    const part = await fetch(server.url('/clip_two.mp4'), { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);
    const tail = await fetch(server.url('/clip_two.mp4'), { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(true);
    const open = await fetch(server.url('/clip_two.mp4'), {
      headers: { range: `bytes=${whole.length - 5}-` },
    });
    expect(open.headers.get('content-length')).toBe('5');
    await open.arrayBuffer();
    const beyond = await fetch(server.url('/clip_two.mp4'), { headers: { range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${whole.length}`);
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(server.url('/big.mp4'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(server.files['/big.mp4']?.size);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves the space-named clip under its encoded path', async () => {
    const res = await fetch(server.url('/Clip%20Three.mp4'));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(server.samples.clipThree))).toBe(true);
  });

  it('serves the pages yt-dlp classifies: links, <video> tags, poster, m3u, none', async () => {
    const videos = await (await fetch(server.url('/videos.html'))).text();
    expect(videos.match(/<video /g)).toHaveLength(3);
    const links = await fetch(server.url('/index.html'));
    expect(links.headers.get('content-type')).toBe('text/html');
    expect(await links.text()).not.toContain('<video');
    expect(await (await fetch(server.url('/poster.html'))).text()).toContain('poster="clip-one-poster.png"');
    const m3u = await fetch(server.url('/playlist.m3u'));
    expect(m3u.headers.get('content-type')).toBe('audio/mpegurl');
    expect((await m3u.text()).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'clip-one.mp4',
      'clip_two.mp4',
      'Clip%20Three.mp4',
    ]);
    const png = await fetch(server.url('/clip-one-poster.png'));
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      [...Buffer.from(await png.arrayBuffer()).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''),
    ).toBe('PNG');
  });

  it('answers 404 for anything else, and counts hits', async () => {
    server.resetHits();
    const res = await fetch(server.url('/missing.mp4'));
    expect(res.status).toBe(404);
    await res.text();
    expect(server.hits().byRoute['GET /missing.mp4']).toBe(1);
  });

  it('throttles bodies (set in code or over the control API) without corrupting them', async () => {
    const control = await fetch(server.url('/__control/throttle'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bytesPerSecond: 400_000 }),
    });
    expect(await control.json()).toEqual({ bytesPerSecond: 400_000 });
    expect(server.throttle()).toBe(400_000);
    const size = server.files['/clip-one.mp4']?.size ?? 0;
    const started = Date.now();
    const res = await fetch(server.url('/clip-one.mp4'));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let chunks = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      bytes += value.byteLength;
    }
    // A paced transfer cannot beat its schedule (lower bound only, so never flaky on slow CI).
    expect(Date.now() - started).toBeGreaterThanOrEqual(((size / 400_000) * 1000) / 2);
    expect(bytes).toBe(size);
    expect(chunks).toBeGreaterThan(1);
    server.setThrottle(null);
    const after = (await (await fetch(server.url('/__control/throttle'))).json()) as {
      bytesPerSecond: number | null;
    };
    expect(after.bytesPerSecond).toBeNull();
    const bad = await fetch(server.url('/__control/throttle'), {
      method: 'POST',
      body: '{"bytesPerSecond":-1}',
    });
    expect(bad.status).toBe(400);
  });

  it('drops the connection mid-body when asked (in code or over the control API)', async () => {
    const size = server.files['/clip-one.mp4']?.size ?? 0;
    const set = await fetch(server.url('/__control/drop'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/clip-one.mp4', bytes: 10_000 }),
    });
    expect(await set.json()).toEqual({ path: '/clip-one.mp4', bytes: 10_000, times: 1 });
    const res = await fetch(server.url('/clip-one.mp4'));
    expect(res.headers.get('content-length')).toBe(String(size));
    await expect(res.arrayBuffer()).rejects.toThrow();
    const next = await fetch(server.url('/clip-one.mp4'));
    expect((await next.arrayBuffer()).byteLength).toBe(size);
  });

  it('supports kit fault injection', async () => {
    const id = server.faults.add({ path: '/clip-one.mp4', status: 503, times: 1 });
    expect(id).toBeGreaterThan(0);
    expect((await fetch(server.url('/clip-one.mp4'))).status).toBe(503);
    const ok = await fetch(server.url('/clip-one.mp4'));
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});
