export { type BlobUrlCheck, blobEtag, FsBlob, type FsBlobOptions, verifyBlobUrl } from './fs.ts';
export { blobKeySchema, checkBlobKey } from './key.ts';
export { S3Blob, type S3BlobOptions } from './s3.ts';
