/**
 * Published on-demand prices, US East (N. Virginia), in USD — the one table every cost in the
 * model is computed from. Free tiers are NOT applied (a deployment past its first year, or an
 * account already using them, pays list price); each line says what it is per.
 *
 * Taken 2026-11-26 from the public pricing pages below (the figures as published there for
 * us-east-1; this machine has no network, so re-check them before quoting a number to anyone):
 *   Lambda            https://aws.amazon.com/lambda/pricing/            (Arm, first 7.5 B GB-s tier)
 *   API Gateway       https://aws.amazon.com/api-gateway/pricing/       (HTTP API first 300 M; WebSocket first 1 B)
 *   DynamoDB          https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the Nov 2024 on-demand price cut)
 *   SQS               https://aws.amazon.com/sqs/pricing/               (standard queue, 64 KB chunks)
 *   S3                https://aws.amazon.com/s3/pricing/                (S3 Standard)
 *   KMS               https://aws.amazon.com/kms/pricing/
 *   CloudWatch        https://aws.amazon.com/cloudwatch/pricing/        (alarms, custom metrics, logs)
 *   X-Ray             https://aws.amazon.com/xray/pricing/
 *   CloudFront        https://aws.amazon.com/cloudfront/pricing/        (pay-as-you-go, North America)
 *   EventBridge       https://aws.amazon.com/eventbridge/pricing/       (scheduled rules on the default bus: no charge)
 *   SSM Parameter St. https://aws.amazon.com/systems-manager/pricing/   (standard parameters, standard throughput: no charge)
 *   Lambda INIT       https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/
 *                     (since 2025-08-01 the INIT phase of on-demand functions is billed like the handler)
 */
export const PRICES_TAKEN = '2026-11-26';
export const REGION = 'us-east-1';

export const PRICES = {
  lambdaRequest: { usd: 0.2 / 1e6, per: 'invocation' },
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)' },
  httpApiRequest: { usd: 1.0 / 1e6, per: 'HTTP API request (512 KB increments)' },
  wsMessage: { usd: 1.0 / 1e6, per: 'WebSocket message, sent or received (32 KB increments)' },
  wsConnectionMinute: { usd: 0.25 / 1e6, per: 'WebSocket connection-minute' },
  dynamoWriteUnit: { usd: 0.625 / 1e6, per: 'write request unit (1 KB; transactional ×2)' },
  dynamoReadUnit: { usd: 0.125 / 1e6, per: 'read request unit (4 KB strongly consistent; ½ eventually)' },
  dynamoStorageGbMonth: { usd: 0.25, per: 'GB-month of table storage' },
  dynamoPitrGbMonth: { usd: 0.2, per: 'GB-month of continuous backup (PITR)' },
  sqsRequest: { usd: 0.4 / 1e6, per: 'SQS request (64 KB chunk)' },
  s3Put: { usd: 0.005 / 1e3, per: 'S3 PUT/COPY/POST/LIST request' },
  s3Get: { usd: 0.0004 / 1e3, per: 'S3 GET/HEAD request' },
  kmsKeyMonth: {
    usd: 1.0,
    per: 'customer managed key-month (each automatic rotation adds $1, capped after the 2nd)',
  },
  kmsRequest: { usd: 0.03 / 1e4, per: 'KMS request' },
  cloudWatchAlarmMonth: { usd: 0.1, per: 'standard-resolution alarm-month' },
  cloudWatchMetricMonth: { usd: 0.3, per: 'custom metric-month (first 10 k metrics)' },
  cloudWatchLogsIngestGb: { usd: 0.5, per: 'GB of log data ingested' },
  xrayTrace: { usd: 5.0 / 1e6, per: 'trace recorded' },
  cloudFrontRequest: { usd: 0.01 / 1e4, per: 'HTTPS request (North America)' },
  eventBridgeScheduledEvent: { usd: 0, per: 'scheduled rule event (no charge)' },
  ssmStandardParameterCall: { usd: 0, per: 'standard parameter API call (no charge)' },
} as const;

export type PriceName = keyof typeof PRICES;

/**
 * Same-region latencies the local runtime cannot show (SQLite and folders answer in microseconds,
 * AWS services in milliseconds). Added to each invocation's measured duration per call it made:
 * typical p50s, an assumption of this model, not a measurement.
 */
export const AWS_CALL_LATENCY_MS = {
  dynamodb: 5,
  sqs: 10,
  s3: 15,
  kms: 8,
  postToConnection: 15,
} as const;

/** Bytes of CloudWatch Logs each invocation writes no matter what (START, END, REPORT lines). */
export const LAMBDA_PLATFORM_LOG_BYTES = 330;
