/**
 * The Blob port's contract, run against every adapter (FsBlob on a temp folder, S3Blob on an
 * S3-compatible emulator). Each test writes under its own random prefix, so a fixture may be
 * shared between tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Blob } from '../../port/blob.ts';

export interface BlobFixture {
  blob: Blob;
  /** GETs a signed URL the way a browser would. */
  fetchSigned(url: string): Promise<{ status: number; body: Uint8Array }>;
  /** False where the server behind the URLs does not check signatures (s3rver skips SigV4). */
  checksSignatures: boolean;
  close(): Promise<void>;
}

const invalid = { name: 'AppError', kind: 'invalid' };
const text = (s: string) => new TextEncoder().encode(s);

export function blobContract(adapter: string, make: () => Promise<BlobFixture>): void {
  describe(`Blob contract: ${adapter}`, () => {
    let f: BlobFixture;
    beforeAll(async () => {
      f = await make();
    });
    afterAll(() => f?.close());
    const prefix = () => `t${randomBytes(6).toString('hex')}`;

    it('stores an object and returns it with its metadata', async () => {
      // arrange
      const key = `${prefix()}/posters/123.jpg`;
      const body = randomBytes(70_000);
      const before = Date.now();
      // act
      const { etag } = await f.blob.put(key, body, {
        contentType: 'image/jpeg',
        cacheControl: 'max-age=86400',
      });
      const got = await f.blob.get(key);
      const head = await f.blob.head(key);
      // assert
      expect(etag).toMatch(/^".+"$/);
      expect(got && Buffer.from(got.body).equals(body)).toBe(true);
      expect(got).toMatchObject({ contentType: 'image/jpeg', etag, size: body.length });
      expect(head).toEqual({
        contentType: 'image/jpeg',
        etag,
        size: body.length,
        lastModified: got?.lastModified,
      });
      // S3 keeps whole seconds
      expect(head?.lastModified).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(head?.lastModified).toBeLessThanOrEqual(Date.now());
    });

    it('defaults the content type and keeps empty bodies', async () => {
      const key = `${prefix()}/empty`;
      await f.blob.put(key, new Uint8Array());
      expect(await f.blob.get(key)).toMatchObject({ contentType: 'application/octet-stream', size: 0 });
      expect((await f.blob.get(key))?.body.byteLength).toBe(0);
    });

    it('returns undefined for a missing key, and deleting one is not an error', async () => {
      const key = `${prefix()}/nothing-here`;
      expect(await f.blob.get(key)).toBeUndefined();
      expect(await f.blob.head(key)).toBeUndefined();
      await expect(f.blob.delete(key)).resolves.toBeUndefined();
    });

    it('replaces an object on put: new body, new etag; equal bodies get equal etags', async () => {
      const key = `${prefix()}/artefact.json`;
      const first = await f.blob.put(key, text('{"v":1}'), { contentType: 'application/json' });
      const second = await f.blob.put(key, text('{"v":2}'), { contentType: 'application/json' });
      const same = await f.blob.put(`${key}.copy`, text('{"v":2}'), { contentType: 'application/json' });
      expect(second.etag).not.toBe(first.etag);
      expect(same.etag).toBe(second.etag);
      expect(new TextDecoder().decode((await f.blob.get(key))?.body)).toBe('{"v":2}');
      expect((await f.blob.head(key))?.etag).toBe(second.etag);
    });

    it('deletes', async () => {
      const key = `${prefix()}/gone`;
      await f.blob.put(key, text('x'));
      await f.blob.delete(key);
      expect(await f.blob.get(key)).toBeUndefined();
      expect(await f.blob.head(key)).toBeUndefined();
    });

    it('treats keys as names, not paths: "a" and "a/b" coexist, spaces and unicode work', async () => {
      const p = prefix();
      const keys = [`${p}/a`, `${p}/a/b`, `${p}/with space/ü 🎬.txt`, `${p}/q?x=1#y`];
      for (const key of keys) await f.blob.put(key, text(key));
      for (const key of keys) expect(new TextDecoder().decode((await f.blob.get(key))?.body)).toBe(key);
    });

    it('rejects invalid keys with an "invalid" AppError', async () => {
      for (const key of [
        '',
        '/etc/passwd',
        '../x',
        'a/../../x',
        'a/./b',
        'a//b',
        'a/',
        'a\\b',
        'nul\u0000x',
      ]) {
        await expect(f.blob.put(key, text('x'))).rejects.toMatchObject(invalid);
        await expect(f.blob.get(key)).rejects.toMatchObject(invalid);
        await expect(f.blob.head(key)).rejects.toMatchObject(invalid);
        await expect(f.blob.delete(key)).rejects.toMatchObject(invalid);
        await expect(f.blob.signedUrl(key, 60)).rejects.toMatchObject(invalid);
      }
      await expect(f.blob.put('x'.repeat(1025), text('x'))).rejects.toMatchObject(invalid);
    });

    it('signs URLs that grant GET on that key only, and not when tampered with', async () => {
      // arrange
      const p = prefix();
      const key = `${p}/posters/some poster.jpg`;
      const body = randomBytes(2_000);
      await f.blob.put(key, body, { contentType: 'image/jpeg' });
      await f.blob.put(`${p}/other`, text('secret'));
      // act
      const url = await f.blob.signedUrl(key, 300);
      const ok = await f.fetchSigned(url);
      const sig = new URL(url).searchParams.has('sig') ? 'sig' : 'X-Amz-Signature';
      const tampered = new URL(url);
      tampered.searchParams.set(sig, `${tampered.searchParams.get(sig)?.slice(0, -2)}00`);
      const otherKey = url.replace(encodeURIComponent('some poster.jpg'), 'other').replace('posters/', '');
      // assert
      expect(ok.status).toBe(200);
      expect(Buffer.from(ok.body).equals(body)).toBe(true);
      expect(otherKey).not.toBe(url);
      if (f.checksSignatures) {
        expect((await f.fetchSigned(tampered.toString())).status).not.toBe(200);
        expect((await f.fetchSigned(otherKey)).status).not.toBe(200);
      }
    });

    it('rejects signed URL lifetimes outside 1 s to 7 days', async () => {
      const key = `${prefix()}/k`;
      await expect(f.blob.signedUrl(key, 0)).rejects.toMatchObject(invalid);
      await expect(f.blob.signedUrl(key, 7 * 24 * 3600 + 1)).rejects.toMatchObject(invalid);
      await expect(f.blob.signedUrl(key, 1.5)).rejects.toMatchObject(invalid);
    });
  });
}
