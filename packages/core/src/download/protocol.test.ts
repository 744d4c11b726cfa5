/**
 * The frame-size rules of the agent protocol: `resolvedFrames` splits a resolution into
 * `job.resolved` parts that each fit (measured in UTF-8 bytes of the serialized frame), and
 * `encodeFrame` refuses a frame over the limit.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentMessage,
  byteLength,
  encodeFrame,
  FrameTooLargeError,
  MAX_FRAME_BYTES,
  type ResolvedVideo,
  type ResolveResult,
  resolvedFrames,
} from './protocol.ts';

const job = { jobId: 'dl_01JD0000000000000000000001', attempt: 3 };

/** A flat-playlist entry of the usual size (~330 bytes), optionally with non-ASCII text. */
const entry = (i: number, title = `Episode ${i}: a fairly ordinary video title`): ResolvedVideo => ({
  videoId: `v${String(i).padStart(10, '0')}`,
  extractor: 'youtube',
  url: `https://www.youtube.com/watch?v=v${String(i).padStart(10, '0')}`,
  title,
  channel: 'Some Channel',
  duration: 600 + i,
  uploadDate: '20240102',
  thumbnail: `https://i.ytimg.com/vi/v${String(i).padStart(10, '0')}/hqdefault.jpg`,
});

const playlist = (entries: ResolvedVideo[]): ResolveResult => ({
  kind: 'playlist',
  playlist: { id: 'PLbig', title: 'A big playlist', channel: 'Some Channel' },
  entries,
});

const bytesOf = (frame: unknown) => byteLength(JSON.stringify(frame));

describe('resolvedFrames', () => {
  it('sends a resolution that fits as one frame without `part` (what an older server expects)', () => {
    const result = playlist([entry(1), entry(2), entry(3)]);
    const { frames, dropped } = resolvedFrames(job, result);
    expect(frames).toEqual([{ type: 'job.resolved', ...job, result }]);
    expect(dropped).toEqual([]);
  });

  it('splits 1,000 entries into ordered parts, each within the limit, that add up to the whole', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => entry(i));
    const result = playlist(entries);
    expect(bytesOf({ type: 'job.resolved', ...job, result })).toBeGreaterThan(128 * 1024);
    const { frames, dropped } = resolvedFrames(job, result);
    expect(dropped).toEqual([]);
    expect(frames.length).toBeGreaterThan(1);
    let offset = 0;
    for (const frame of frames) {
      expect(bytesOf(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      // Each part is a valid message on its own, with the playlist repeated.
      const parsed = AgentMessage.parse(frame);
      if (parsed.type !== 'job.resolved') throw new Error('not job.resolved');
      expect(parsed.part).toEqual({ offset, total: 1000 });
      expect(parsed.result.playlist).toEqual(result.playlist);
      offset += parsed.result.entries.length;
    }
    expect(offset).toBe(1000);
    expect(frames.flatMap((f) => f.result.entries)).toEqual(entries);
    // Packed, not one entry per frame: a part is more than half full unless it is the last.
    for (const frame of frames.slice(0, -1)) expect(bytesOf(frame)).toBeGreaterThan(MAX_FRAME_BYTES / 2);
  });

  it('measures bytes, not characters: multi-byte titles make more, smaller parts that still fit', () => {
    // 4-byte emoji and 3-byte CJK: the character count is far below the byte count.
    const wide = Array.from({ length: 400 }, (_, i) => entry(i, `${'🎬'.repeat(60)} 東京の旅 ${i}`));
    const narrow = Array.from({ length: 400 }, (_, i) => entry(i, `${'x'.repeat(120)} ${i}`));
    const a = resolvedFrames(job, playlist(wide), 16 * 1024);
    const b = resolvedFrames(job, playlist(narrow), 16 * 1024);
    for (const frame of a.frames) {
      expect(bytesOf(frame)).toBeLessThanOrEqual(16 * 1024);
      expect(JSON.stringify(frame).length).toBeLessThan(bytesOf(frame));
    }
    expect(a.frames.length).toBeGreaterThan(b.frames.length);
    expect(a.frames.flatMap((f) => f.result.entries)).toEqual(wide);
  });

  it('an entry too large for a frame alone loses its thumbnail and long text; one that still does not fit is left out', () => {
    const huge = { ...entry(1), title: 'é'.repeat(500), thumbnail: `https://i.example/${'t'.repeat(2000)}` };
    const hopeless = { ...entry(2), url: `https://www.youtube.com/watch?v=${'\u0001'.repeat(2000)}` };
    const { frames, dropped } = resolvedFrames(job, playlist([entry(0), huge, hopeless, entry(3)]), 2048);
    expect(dropped).toEqual([hopeless]);
    const sent = frames.flatMap((f) => f.result.entries);
    expect(sent.map((e) => e.videoId)).toEqual([entry(0).videoId, huge.videoId, entry(3).videoId]);
    expect(sent[1]).toMatchObject({ thumbnail: null, title: 'é'.repeat(200) });
    for (const frame of frames) {
      expect(bytesOf(frame)).toBeLessThanOrEqual(2048);
      expect(frame.part?.total).toBe(3);
    }
  });
});

describe('job.resolved parts are validated', () => {
  const base = { type: 'job.resolved', ...job, result: playlist([entry(1), entry(2)]) };
  it.each([
    ['past the total', { offset: 1, total: 2 }],
    ['offset beyond the largest playlist', { offset: 1000, total: 1000 }],
    ['a total of zero', { offset: 0, total: 0 }],
  ])('refuses a part %s', (_what, part) => {
    expect(AgentMessage.safeParse({ ...base, part }).success).toBe(false);
  });
  it('refuses an empty part and accepts a well-formed one and a frame without part', () => {
    expect(
      AgentMessage.safeParse({ ...base, result: playlist([]), part: { offset: 0, total: 2 } }).success,
    ).toBe(false);
    expect(AgentMessage.safeParse({ ...base, part: { offset: 3, total: 5 } }).success).toBe(true);
    expect(AgentMessage.safeParse(base).success).toBe(true);
  });
});

describe('encodeFrame', () => {
  it('serializes a frame within the limit and refuses one over it, in bytes', () => {
    const small = { type: 'error', code: 'x', message: 'y', fatal: false };
    expect(encodeFrame(small)).toBe(JSON.stringify(small));
    // Fewer characters than the limit, more bytes.
    const big = { type: 'error', code: 'x', message: '€'.repeat(MAX_FRAME_BYTES / 2), fatal: false };
    expect(JSON.stringify(big).length).toBeLessThan(MAX_FRAME_BYTES);
    expect(() => encodeFrame(big)).toThrow(FrameTooLargeError);
    expect(() => encodeFrame(big)).toThrow(/error frame of \d+ bytes is over the 32768-byte limit/);
  });
});
