import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobContract } from './blob.contract.ts';
import { S3Blob } from './s3.ts';

const BUCKET = 'medianest-test';

/** s3rver: a real S3-compatible HTTP server on loopback, storing to a folder; it accepts any SigV4 signature. */
async function startS3(): Promise<{ client: S3Client; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mn-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
  const { port } = await server.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    client,
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

blobContract('S3Blob (s3rver emulator on loopback; it does not verify SigV4)', async () => {
  const s3 = await startS3();
  return {
    blob: new S3Blob({ client: s3.client, bucket: BUCKET }),
    checksSignatures: false,
    async fetchSigned(url) {
      const res = await fetch(url);
      return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
    },
    close: () => s3.close(),
  };
});

describe('S3Blob specifics (s3rver emulator on loopback)', () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(() => s3?.close());

  it('stores Cache-Control on the object, for S3 and CloudFront to serve', async () => {
    const blob = new S3Blob({ client: s3.client, bucket: BUCKET });
    await blob.put('posters/1.jpg', new Uint8Array([1, 2, 3]), {
      contentType: 'image/jpeg',
      cacheControl: 'max-age=60',
    });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'posters/1.jpg' }));
    expect(head.CacheControl).toBe('max-age=60');
  });

  it('presigns a SigV4 GET for the bucket and key, expiring as asked', async () => {
    const url = new URL(await new S3Blob({ client: s3.client, bucket: BUCKET }).signedUrl('a/b.txt', 120));
    expect(url.pathname).toBe(`/${BUCKET}/a/b.txt`);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
  });

  it('reports an unreachable S3 as "unavailable", not as a missing object', async () => {
    const dead = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const blob = new S3Blob({ client: dead, bucket: BUCKET });
    await expect(blob.get('k')).rejects.toMatchObject({ name: 'AppError', kind: 'unavailable' });
    await expect(blob.head('k')).rejects.toMatchObject({ name: 'AppError', kind: 'unavailable' });
    dead.destroy();
  });
});
