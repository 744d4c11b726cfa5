/** Blob port: immutable-ish objects by key (posters, artefacts). fs locally, S3 in AWS. */

export interface BlobObject {
  body: Uint8Array;
  contentType: string;
  etag: string;
  size: number;
  lastModified: number;
}

export interface Blob {
  put(
    key: string,
    body: Uint8Array,
    options?: { contentType?: string; cacheControl?: string },
  ): Promise<{ etag: string }>;
  get(key: string): Promise<BlobObject | undefined>;
  head(key: string): Promise<Omit<BlobObject, 'body'> | undefined>;
  delete(key: string): Promise<void>;
  /** A URL that grants GET on the key until it expires. */
  signedUrl(key: string, expiresInSeconds: number): Promise<string>;
}
