/**
 * The composition root: the one place that picks an adapter for each port. Everything else
 * (HTTP app, workers, CLI) receives a `System` and never knows which column of the architecture
 * it runs in.
 *
 * - Local: one SQLite file shared by the table and the queue (so a job and the write that caused
 *   it can share a transaction boundary later), blobs in a folder, a key file, an in-process
 *   WebSocket hub.
 * - AWS: every adapter and SDK client is created on first use, and cloud names are read from the
 *   environment only then: importing this module, or creating the system, touches nothing, so a
 *   Lambda that never uses S3 never needs MEDIANEST_BUCKET and tests can run without a cloud.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FsBlob, S3Blob } from '../adapter/blob/index.ts';
import { createHttp, type OutboundHttp } from '../adapter/http/index.ts';
import { AesKeyring, KmsKeyring } from '../adapter/keyring/index.ts';
import { SqliteQueue, SqsQueue } from '../adapter/queue/index.ts';
import { ApiGatewayRealtime, LocalRealtime } from '../adapter/realtime/index.ts';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { DynamoTable, SqliteTable } from '../adapter/table/index.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import type { Blob } from '../port/blob.ts';
import { type Clock, systemClock } from '../port/clock.ts';
import type { Keyring } from '../port/keyring.ts';
import type { PullQueue, Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';
import type { Table } from '../port/table.ts';
import {
  type Config,
  deadLetterUrlVariable,
  type Env,
  loadConfig,
  type Mode,
  queueUrlVariable,
  requireAws,
} from './config.ts';

export * from './config.ts';
export { checkHealth, HEALTH_TIMEOUT_MS, type HealthReport } from './health.ts';
export { VERSION } from './version.ts';

export type Runtime = 'local' | 'aws';

export interface System {
  /** selfhosted | saas (MEDIANEST_MODE): product behaviour, e.g. whether private URLs are allowed. */
  mode: Mode;
  /** Which column of the architecture this process runs in. */
  runtime: Runtime;
  /** The backing store's name, for health and diagnostics. */
  store: 'sqlite' | 'dynamodb';
  config: Config;
  table: Table;
  queue: Queue;
  blob: Blob;
  realtime: Realtime;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  /**
   * Outbound HTTP to household-provided URLs (Plex, Overseerr, Uptime Kuma, notification
   * channels): timeouts, retries, circuit breakers and the SSRF guard, built on first use.
   */
  http: OutboundHttp;
  close(): Promise<void>;
}

export interface LocalSystem extends System {
  runtime: 'local';
  store: 'sqlite';
  /** The local queue is pulled by the in-process consumer. */
  queue: PullQueue;
  realtime: LocalRealtime;
  /** The shared database handle (diagnostics, the crash test). */
  db: DatabaseSync;
  /** Verifies the signed blob URLs that `blob.signedUrl` hands out (served at /api/blob/…). */
  blobSigningSecret: string;
}

/**
 * A secret derived from the key file, so signed blob URLs stay valid across restarts without a
 * second key file to back up (and die with the key if it is ever replaced).
 */
function deriveSecret(keyFile: string, purpose: string): string {
  return createHmac('sha256', readFileSync(keyFile)).update(purpose).digest('base64url');
}

export interface LocalSystemOptions {
  clock?: Clock;
  logger?: Logger;
}

/** Paths of the files the local runtime keeps in its data directory. */
export function localPaths(dataDir: string) {
  return {
    database: join(dataDir, 'medianest.db'),
    blobs: join(dataDir, 'blobs'),
    keyFile: join(dataDir, 'keyring.key'),
  };
}

export async function createLocalSystem(
  config: Config,
  options: LocalSystemOptions = {},
): Promise<LocalSystem> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger('medianest', { level: config.logLevel });
  const paths = localPaths(config.dataDir);
  const db = openSqlite(paths.database);
  try {
    const table = new SqliteTable(db, { clock });
    const queue = new SqliteQueue(db, { clock });
    const keyring = await AesKeyring.fromKeyFile(paths.keyFile);
    const blobSigningSecret = deriveSecret(paths.keyFile, 'medianest/blob-url-signing/v1');
    const blob = new FsBlob(paths.blobs, {
      publicBaseUrl: config.publicUrl,
      signingSecret: blobSigningSecret,
      clock,
    });
    const realtime = new LocalRealtime();
    const http = lazy(() => outboundHttpFor(config, clock));
    let closed = false;
    return {
      mode: config.mode,
      runtime: 'local',
      store: 'sqlite',
      config,
      db,
      table,
      queue,
      blob,
      blobSigningSecret,
      realtime,
      keyring,
      clock,
      logger,
      get http() {
        return http.get();
      },
      async close() {
        if (closed) return;
        closed = true;
        http.peek()?.close();
        // A test that simulates an unreachable store closes the handle itself.
        if (db.isOpen) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface AwsSystemOptions {
  clock?: Clock;
  logger?: Logger;
}

/** SDK client settings from the given environment, so tests can point a client at DynamoDB Local. */
function clientConfig(env: Env, service: 'DYNAMODB' | 'SQS' | 'S3' | 'KMS' | 'APIGATEWAYMANAGEMENTAPI') {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/**
 * SaaS deployments only ever reach public addresses; a self-hosted one may reach the LAN (its
 * Plex server usually lives there) unless MEDIANEST_ALLOW_PRIVATE_URLS=false.
 */
function outboundHttpFor(config: Config, clock: Clock): OutboundHttp {
  return config.mode === 'saas'
    ? createHttp({ mode: 'saas', clock })
    : createHttp({ mode: 'selfhosted', allowPrivate: config.allowPrivateUrls, clock });
}

/** A value built on first access and kept. */
function lazy<T>(build: () => T): { get(): T; peek(): T | undefined } {
  let value: T | undefined;
  let built = false;
  return {
    get() {
      if (!built) {
        value = build();
        built = true;
      }
      return value as T;
    },
    peek: () => value,
  };
}

export function createAwsSystem(env: Env = process.env, options: AwsSystemOptions = {}): System {
  const config = loadConfig(env);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger('medianest', { level: config.logLevel });

  const dynamo = lazy(() => new DynamoDBClient(clientConfig(env, 'DYNAMODB')));
  const sqs = lazy(() => new SQSClient(clientConfig(env, 'SQS')));
  const s3 = lazy(() => new S3Client(clientConfig(env, 'S3')));
  const kms = lazy(() => new KMSClient(clientConfig(env, 'KMS')));
  const management = lazy(
    () =>
      new ApiGatewayManagementApiClient({
        ...clientConfig(env, 'APIGATEWAYMANAGEMENTAPI'),
        endpoint: requireAws(
          config.aws.wsEndpoint,
          'MEDIANEST_WS_ENDPOINT',
          'the WebSocket API management endpoint (https://<id>.execute-api.<region>.amazonaws.com/<stage>)',
        ),
      }),
  );

  const table = lazy<Table>(
    () =>
      new DynamoTable({
        client: dynamo.get(),
        tableName: requireAws(config.aws.table, 'MEDIANEST_TABLE', 'the DynamoDB table name'),
        clock,
      }),
  );
  const queue = lazy<Queue>(
    () =>
      new SqsQueue({
        client: sqs.get(),
        queueUrl: (name: string) =>
          requireAws(
            env[queueUrlVariable(name)],
            queueUrlVariable(name),
            `the URL of the SQS queue "${name}"`,
          ),
        deadLetterUrl: (name: string) =>
          requireAws(
            env[deadLetterUrlVariable(name)],
            deadLetterUrlVariable(name),
            `the URL of the dead-letter queue of "${name}"`,
          ),
        // SQS standard queues have no de-duplication: the table remembers dedupIds instead.
        dedup: table.get(),
        clock,
      }),
  );
  const blob = lazy<Blob>(
    () =>
      new S3Blob({
        client: s3.get(),
        bucket: requireAws(config.aws.bucket, 'MEDIANEST_BUCKET', 'the S3 bucket name'),
      }),
  );
  const keyring = lazy<Keyring>(
    () =>
      new KmsKeyring({
        client: kms.get(),
        keyId: requireAws(config.aws.kmsKeyId, 'MEDIANEST_KMS_KEY_ID', 'the KMS key id or ARN'),
      }),
  );
  const realtime = lazy<Realtime>(
    () => new ApiGatewayRealtime({ client: management.get(), table: table.get(), clock }),
  );
  const http = lazy(() => outboundHttpFor(config, clock));

  return {
    mode: config.mode,
    runtime: 'aws',
    store: 'dynamodb',
    config,
    clock,
    logger,
    get table() {
      return table.get();
    },
    get queue() {
      return queue.get();
    },
    get blob() {
      return blob.get();
    },
    get keyring() {
      return keyring.get();
    },
    get realtime() {
      return realtime.get();
    },
    get http() {
      return http.get();
    },
    async close() {
      http.peek()?.close();
      for (const client of [dynamo, sqs, s3, kms, management]) client.peek()?.destroy();
    },
  };
}
