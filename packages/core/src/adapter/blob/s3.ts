/**
 * The Blob port on an S3 bucket. Signed URLs are S3 presigned GETs (SigV4), so the browser
 * fetches posters and artefacts from S3 (or CloudFront in front of it) without our Lambda.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../error/index.ts';
import type { Blob, BlobObject } from '../../port/blob.ts';
import { checkBlobKey, checkExpiresIn } from './key.ts';

export interface S3BlobOptions {
  client: S3Client;
  bucket: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

function unavailable(what: string, cause: unknown): AppError {
  return new AppError('unavailable', 'blob.unavailable', `S3 ${what} failed`, { cause });
}

export class S3Blob implements Blob {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3BlobOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async put(
    key: string,
    body: Uint8Array,
    options: { contentType?: string; cacheControl?: string } = {},
  ): Promise<{ etag: string }> {
    checkBlobKey(key);
    try {
      const out = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
          ...(options.cacheControl !== undefined ? { CacheControl: options.cacheControl } : {}),
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (error) {
      throw unavailable('PutObject', error);
    }
  }

  async get(key: string): Promise<BlobObject | undefined> {
    checkBlobKey(key);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return {
        body,
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        etag: out.ETag ?? '',
        size: out.ContentLength ?? body.byteLength,
        lastModified: out.LastModified?.getTime() ?? 0,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable('GetObject', error);
    }
  }

  async head(key: string): Promise<Omit<BlobObject, 'body'> | undefined> {
    checkBlobKey(key);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        etag: out.ETag ?? '',
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified?.getTime() ?? 0,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable('HeadObject', error);
    }
  }

  async delete(key: string): Promise<void> {
    checkBlobKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      throw unavailable('DeleteObject', error);
    }
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    checkBlobKey(key);
    checkExpiresIn(expiresInSeconds);
    return getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
