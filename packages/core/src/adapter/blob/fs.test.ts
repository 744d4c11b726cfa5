import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import { blobContract } from './blob.contract.ts';
import { FsBlob, verifyBlobUrl } from './fs.ts';

/** The local runtime's blob route in miniature: verify the signed URL, then serve the object. */
async function serve(blob: () => FsBlob): Promise<{ server: Server; base: string }> {
  const server = createServer(async (req, res) => {
    const check = blob().verifyUrl(req.url ?? '');
    if (!check.ok) {
      res.writeHead(403).end(check.reason);
      return;
    }
    const object = await blob().get(check.key);
    if (!object) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': object.contentType, etag: object.etag }).end(object.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

blobContract('FsBlob (temp folder, signed URLs served by a loopback HTTP route)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mn-blob-'));
  let blob: FsBlob | undefined;
  const { server, base } = await serve(() => blob!);
  blob = new FsBlob(dir, { signingSecret: 'test-secret', publicBaseUrl: base });
  return {
    blob,
    checksSignatures: true,
    async fetchSigned(url) {
      const res = await fetch(url);
      return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('FsBlob specifics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mn-blob-fs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const text = (s: string) => new TextEncoder().encode(s);

  it('uses a quoted SHA-256 prefix as etag and the clock for lastModified', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1));
    const blob = new FsBlob(join(dir, 'etag'), { clock });
    const { etag } = await blob.put('k', text('hello'));
    // sha256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
    expect(etag).toBe('"2cf24dba5fb0a30e26e83b2ac5b9e29e"');
    expect((await blob.head('k'))?.lastModified).toBe(Date.UTC(2026, 5, 1));
  });

  it('writes through temp files and leaves none behind; every file stays inside the folder', async () => {
    const root = join(dir, 'atomic');
    const blob = new FsBlob(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => blob.put(`same-key`, text(`v${i}`))));
    await blob.put('deep/er/key', text('x'));
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['objects', 'tmp']);
    const got = await blob.get('same-key');
    expect(new TextDecoder().decode(got?.body)).toMatch(/^v\d+$/);
  });

  it('clears temp files a crashed writer left behind, but not fresh ones', async () => {
    const root = join(dir, 'leftovers');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'old.tmp'), 'half a poster');
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(root, 'tmp', 'old.tmp'), longAgo, longAgo);
    writeFileSync(join(root, 'tmp', 'fresh.tmp'), 'another writer, right now');
    await new FsBlob(root).put('k', text('x'));
    expect(readdirSync(join(root, 'tmp'))).toEqual(['fresh.tmp']);
  });

  it('keeps metadata in a JSON sidecar next to the bytes', async () => {
    const root = join(dir, 'sidecar');
    await new FsBlob(root).put('posters/1.jpg', text('jpeg'), {
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
    });
    const shard = readdirSync(join(root, 'objects'))[0]!;
    const files = readdirSync(join(root, 'objects', shard)).sort();
    expect(files).toHaveLength(2);
    expect(files[1]).toBe(`${files[0]}.meta.json`);
    expect(JSON.parse(readFileSync(join(root, 'objects', shard, files[1]!), 'utf8'))).toMatchObject({
      key: 'posters/1.jpg',
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
      size: 4,
    });
    expect(await new FsBlob(root).cacheControl('posters/1.jpg')).toBe('max-age=60');
  });

  it('trusts the bytes when a crash left the sidecar out of step', async () => {
    const root = join(dir, 'torn');
    const blob = new FsBlob(root);
    await blob.put('k', text('old'));
    const shard = readdirSync(join(root, 'objects'))[0]!;
    const data = readdirSync(join(root, 'objects', shard)).find((n) => !n.endsWith('.json'))!;
    writeFileSync(join(root, 'objects', shard, data), 'newer bytes');
    const got = await blob.get('k');
    expect(new TextDecoder().decode(got?.body)).toBe('newer bytes');
    expect(got?.size).toBe(11);
    expect(got?.etag).toBe((await new FsBlob(join(dir, 'other')).put('k', text('newer bytes'))).etag);
  });

  it('signs URLs of the documented shape, valid until they expire', async () => {
    // arrange
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const blob = new FsBlob(join(dir, 'signed'), {
      signingSecret: 's3cret',
      publicBaseUrl: 'https://media.example.com/',
      clock,
    });
    const epoch = Date.UTC(2026, 0, 1) / 1000;
    // act
    const url = await blob.signedUrl('posters/a b.jpg', 60);
    // assert
    expect(url).toMatch(
      new RegExp(
        `^https://media\\.example\\.com/api/blob/posters/a%20b\\.jpg\\?expires=${epoch + 60}&sig=[\\w-]{43}$`,
      ),
    );
    expect(blob.verifyUrl(url)).toEqual({ ok: true, key: 'posters/a b.jpg', expires: epoch + 60 });
    expect(
      verifyBlobUrl(new URL(url).pathname + new URL(url).search, { secret: 's3cret', now: clock.now() }),
    ).toEqual({
      ok: true,
      key: 'posters/a b.jpg',
      expires: epoch + 60,
    });
    expect(verifyBlobUrl(url, { secret: 'other', now: clock.now() })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(blob.verifyUrl(url.replace(`expires=${epoch + 60}`, `expires=${epoch + 6000}`))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    clock.advance(59_999);
    expect(blob.verifyUrl(url).ok).toBe(true);
    clock.advance(1);
    expect(blob.verifyUrl(url)).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls anything else a malformed URL', () => {
    const secret = 'x';
    for (const url of [
      '/api/blob/k',
      '/api/blob/k?expires=abc&sig=x',
      '/api/blob/k?expires=1',
      '/elsewhere/k?expires=1&sig=x',
      '/api/blob/a%2F..%2Fb?expires=1&sig=x',
      '/api/blob/%E0%A4%A?expires=1&sig=x',
    ]) {
      expect(verifyBlobUrl(url, { secret, now: 0 })).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
