/**
 * How the agent sends a large resolution, against a scripted server on a real WebSocket: in
 * `job.resolved` parts within the limit a server announces in its welcome, and in one frame (as
 * before) to an older server that announces none. The fake yt-dlp resolves a 1,000-video playlist.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentMessage, byteLength, type ServerMessage } from '@medianest/core/download/protocol';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { runAgent } from './agent.ts';

const SIZE = 1000;
let work: string;
let catalog: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-agent-frames-'));
  const ids = Array.from({ length: SIZE }, (_, i) => `frm${String(i).padStart(8, '0')}`);
  catalog = await writeCatalog(join(work, 'catalog'), {
    videos: ids.map((id, i) => ({ id, title: `Épisode ${i} — 長い旅 🚂`, channel: 'Chan' })),
    playlists: [{ id: 'PLframes', title: 'Frames', channel: 'Chan', entries: ids }],
  });
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * A server that welcomes the agent (with `maxFrameBytes` or without), offers one resolve job and
 * collects the `job.resolved` frames until their entries add up to the playlist.
 */
async function resolveThrough(maxFrameBytes: number | undefined) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const received: { bytes: number; msg: AgentMessage }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    let entries = 0;
    wss.on('connection', (socket: WebSocket) => {
      const send = (m: ServerMessage) => socket.send(JSON.stringify(m));
      socket.on('message', (data) => {
        const text = String(data);
        const msg = AgentMessage.parse(JSON.parse(text));
        if (msg.type === 'hello') {
          send({
            type: 'welcome',
            protocol: 1,
            agentId: 'agt_1',
            householdId: 'hh_1',
            heartbeatMs: 60_000,
            leaseMs: 60_000,
            ...(maxFrameBytes ? { maxFrameBytes } : {}),
          });
          send({
            type: 'job.offer',
            jobId: 'dl_01JD0000000000000000000001',
            attempt: 1,
            kind: 'resolve',
            url: 'https://www.youtube.com/playlist?list=PLframes',
            quality: 'best',
            target: { sectionKey: '1', preset: 'other-videos' },
            video: null,
            collection: null,
          });
          return;
        }
        if (msg.type === 'job.failed') reject(new Error(`the agent failed: ${msg.reason.message}`));
        if (msg.type !== 'job.resolved') return;
        received.push({ bytes: byteLength(text), msg });
        entries += msg.result.entries.length;
        if (entries >= SIZE) resolve();
      });
    });
  });
  const agent = await runAgent({
    serverUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    token: 'mna_test',
    downloadDir: join(work, `agent-${maxFrameBytes ?? 'none'}`),
    libraryRoots: {},
    ytDlpPath: fakeYtDlpPath,
    env: fakeYtDlpEnv({ catalog }),
    reconnect: { minMs: 50, maxMs: 200 },
  });
  try {
    await done;
  } finally {
    await agent.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  }
  return received;
}

describe('a 1,000-video resolution on the wire', () => {
  it('in parts, each within the limit the server announced, that add up to the playlist in order', async () => {
    const frames = await resolveThrough(32 * 1024);
    expect(frames.length).toBeGreaterThan(1);
    let offset = 0;
    for (const { bytes, msg } of frames) {
      expect(bytes).toBeLessThanOrEqual(32 * 1024);
      if (msg.type !== 'job.resolved') throw new Error('not job.resolved');
      expect(msg.part).toEqual({ offset, total: SIZE });
      expect(msg.result.playlist).toMatchObject({ id: 'PLframes', title: 'Frames' });
      offset += msg.result.entries.length;
    }
    const ids = frames.flatMap(({ msg }) => (msg.type === 'job.resolved' ? msg.result.entries : []));
    expect(ids.map((e) => e.videoId)).toEqual(
      Array.from({ length: SIZE }, (_, i) => `frm${String(i).padStart(8, '0')}`),
    );
  }, 60_000);

  it('to an older server that announces no limit: one frame, as before', async () => {
    const frames = await resolveThrough(undefined);
    expect(frames).toHaveLength(1);
    const [only] = frames;
    expect(only?.msg).not.toHaveProperty('part');
    expect(only?.bytes).toBeGreaterThan(128 * 1024);
  }, 60_000);
});
