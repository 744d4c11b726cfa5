/** Private blob storage (posters, artefacts): the Blob port's AWS column. */
import { Duration } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from './stage.ts';

export class BlobBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: config.removalPolicy,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Posters and thumbnails are a cache of the household's Plex server: refetched on a miss.
        { id: 'expire-cache', prefix: 'cache/', expiration: Duration.days(30) },
        { id: 'expire-tmp', prefix: 'tmp/', expiration: Duration.days(1) },
      ],
    });
  }
}
