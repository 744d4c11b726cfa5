/**
 * The Lambda functions: thin entry points in `functions/src/<name>.ts`, bundled by the repo's
 * local esbuild (no Docker), each granted exactly the resources it touches.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, type IFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { functionEntry, repoRoot } from './paths.ts';
import type { JobQueues } from './queues.ts';
import { WORKER_TIMEOUT } from './queues.ts';
import type { StageConfig } from './stage.ts';

export interface FunctionsProps {
  config: StageConfig;
  table: Table;
  queues: JobQueues;
  bucket: Bucket;
  key: Key;
  /** https URL of the WebSocket stage's management API (`postToConnection`). */
  wsEndpoint: string;
  /** wss:// URL browsers connect to (the API hands it to the web app). */
  wsUrl: string;
  /** The `@connections` ARN pattern of that one stage, for `execute-api:ManageConnections`. */
  wsConnectionsArn: string;
  /** The same for the household agents' WebSocket API. */
  agentConnectionsArn: string;
  /** https:// origin users reach (CloudFront). */
  publicUrl: string;
}

export type FunctionName =
  | 'http'
  | 'ws-connect'
  | 'ws-disconnect'
  | 'ws-default'
  | 'agent-connect'
  | 'agent-disconnect'
  | 'agent-default'
  | 'worker'
  | 'tick';

interface Sizing {
  memorySize: number;
  timeout: Duration;
  description: string;
}

const SIZING: Record<FunctionName, Sizing> = {
  // API Gateway HTTP APIs give up after 30 s.
  http: { memorySize: 1024, timeout: Duration.seconds(29), description: 'HTTP API (Hono app)' },
  'ws-connect': { memorySize: 256, timeout: Duration.seconds(10), description: 'WebSocket $connect' },
  'ws-disconnect': { memorySize: 256, timeout: Duration.seconds(10), description: 'WebSocket $disconnect' },
  'ws-default': { memorySize: 256, timeout: Duration.seconds(10), description: 'WebSocket $default' },
  'agent-connect': {
    memorySize: 256,
    timeout: Duration.seconds(10),
    description: 'Agent WebSocket $connect',
  },
  'agent-disconnect': {
    memorySize: 256,
    timeout: Duration.seconds(10),
    description: 'Agent WebSocket $disconnect',
  },
  // A frame may wait up to ~6 s for its session's lock (core download/remote.ts), then do its work.
  'agent-default': {
    memorySize: 512,
    timeout: Duration.seconds(20),
    description: 'Agent WebSocket $default',
  },
  worker: { memorySize: 512, timeout: WORKER_TIMEOUT, description: 'Jobs queue worker' },
  // The tick runs every minute: it must be done before the next one starts.
  tick: { memorySize: 256, timeout: Duration.seconds(50), description: 'Scheduler tick' },
};

// esbuild's ESM output has no `require`; a few CommonJS dependencies still call it.
const REQUIRE_SHIM =
  "import { createRequire as __medianestCreateRequire } from 'node:module'; const require = __medianestCreateRequire(import.meta.url);";

/** How every entry point is bundled, in esbuild's own terms (the benchmark bundles the same way). */
export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: REQUIRE_SHIM,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // The runtime ships AWS SDK v3; bundling it again only slows cold starts.
  external: ['@aws-sdk/*'],
} as const;

export const FUNCTION_NAMES: readonly FunctionName[] = [
  'http',
  'ws-connect',
  'ws-disconnect',
  'ws-default',
  'agent-connect',
  'agent-disconnect',
  'agent-default',
  'worker',
  'tick',
];

export class LambdaFunctions extends Construct {
  readonly byName: Record<FunctionName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config, table, queues, bucket, key } = props;
    const environment: Record<string, string> = {
      MEDIANEST_STAGE: config.stage,
      // The hosted product: outbound calls to household URLs go through the SSRF guard.
      MEDIANEST_MODE: 'saas',
      MEDIANEST_PUBLIC_URL: props.publicUrl,
      MEDIANEST_WS_URL: props.wsUrl,
      MEDIANEST_TABLE: table.tableName,
      MEDIANEST_BUCKET: bucket.bucketName,
      ...queues.environment(),
      MEDIANEST_KMS_KEY_ID: key.keyArn,
      MEDIANEST_WS_ENDPOINT: props.wsEndpoint,
      POWERTOOLS_SERVICE_NAME: 'medianest',
      POWERTOOLS_METRICS_NAMESPACE: 'MediaNest',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      LOG_LEVEL: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };

    // Only the HTTP function signs people in: only it reads the identity settings from SSM.
    const environmentOf = (name: FunctionName): Record<string, string> =>
      name === 'http' ? { ...environment, MEDIANEST_SECRETS_PATH: config.secretsPath } : environment;

    // No reserved and no provisioned concurrency anywhere, on purpose:
    // - provisioned concurrency bills every hour whether anyone uses MediaNest or not, which is
    //   the opposite of scale-to-zero; a cold start of these bundles is well under a second;
    // - reserved concurrency would carve capacity out of the account's unreserved pool (new
    //   accounts have 10, and AWS refuses any reservation that leaves fewer than 10), and the
    //   limits that matter are already elsewhere: the worker's event source caps itself
    //   (maxConcurrency 5), the APIs are throttled at the stage, and two overlapping ticks are
    //   harmless (the per-slot claim in the table).
    const make = (name: FunctionName): NodejsFunction => {
      const logicalId = name
        .split('-')
        .map((part) => part[0]!.toUpperCase() + part.slice(1))
        .join('');
      // An explicit log group: retention without the LogRetention custom resource (and its
      // account-wide `logs:*` policy).
      const logGroup = new LogGroup(this, `${logicalId}Logs`, {
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      });
      return new NodejsFunction(this, logicalId, {
        entry: functionEntry(name),
        handler: 'handler',
        projectRoot: repoRoot,
        depsLockFilePath: `${repoRoot}/package-lock.json`,
        runtime: Runtime.NODEJS_24_X,
        architecture: Architecture.ARM_64,
        ...SIZING[name],
        environment: environmentOf(name),
        logGroup,
        // X-Ray: the Powertools Tracer adds per-invocation subsegments and annotations.
        tracing: Tracing.ACTIVE,
        bundling: {
          forceDockerBundling: false,
          logLevel: LogLevel.WARNING,
          format: OutputFormat.ESM,
          target: BUNDLE.target,
          mainFields: [...BUNDLE.mainFields],
          banner: BUNDLE.banner,
          minify: BUNDLE.minify,
          sourceMap: BUNDLE.sourcemap,
          sourcesContent: BUNDLE.sourcesContent,
          externalModules: [...BUNDLE.external],
        },
      });
    };

    const byName: Record<FunctionName, NodejsFunction> = {
      http: make('http'),
      'ws-connect': make('ws-connect'),
      'ws-disconnect': make('ws-disconnect'),
      'ws-default': make('ws-default'),
      'agent-connect': make('agent-connect'),
      'agent-disconnect': make('agent-disconnect'),
      'agent-default': make('agent-default'),
      worker: make('worker'),
      tick: make('tick'),
    };
    this.byName = byName;

    for (const fn of Object.values(byName)) table.grantReadWriteData(fn);

    for (const { queue, deadLetter } of queues.pairs) {
      // Producers of jobs (an agent's resolved playlist asks for a dispatch to the other agents).
      for (const fn of [byName.http, byName.worker, byName.tick, byName['agent-default']]) {
        queue.grantSendMessages(fn);
      }
      // The admin API reports queue depths and redrives dead-lettered jobs.
      queue.grant(byName.http, 'sqs:GetQueueAttributes');
      // Redrive is an SQS message move task from the DLQ back to its source queue.
      deadLetter.grantConsumeMessages(byName.http);
      deadLetter.grant(byName.http, 'sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks');
      byName.worker.addEventSource(
        new SqsEventSource(queue, {
          batchSize: 10,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
          maxConcurrency: 5,
        }),
      );
    }

    for (const fn of [byName.http, byName.worker]) bucket.grantReadWrite(fn);
    // The Keyring port: envelope encryption is GenerateDataKey to seal and Decrypt to open. Only
    // the API (saves integration secrets) and the worker (uses them for checks and downloads)
    // handle household secrets; the tick and the WebSocket functions never do. An agent's frame may
    // be answered with an offer, which carries the household's Plex token: agent-default decrypts.
    for (const fn of [byName.http, byName.worker]) key.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    key.grant(byName['agent-default'], 'kms:Decrypt');

    // The identity settings under the stage's path, and nothing else in Parameter Store. The
    // SecureStrings use the account's aws/ssm key, whose key policy already lets SSM decrypt for
    // any principal of the account that may read the parameter: no KMS grant is needed.
    byName.http.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParametersByPath'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: config.secretsPath.slice(1),
          }),
        ],
      }),
    );

    // Everything that pushes to browsers. $connect/$disconnect only write the table; the agent
    // functions publish download progress and agent presence to the household's browsers.
    const manageConnections = new PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [props.wsConnectionsArn],
    });
    for (const fn of [
      byName.http,
      byName.worker,
      byName.tick,
      byName['ws-default'],
      byName['agent-default'],
      byName['agent-disconnect'],
    ]) {
      fn.addToRolePolicy(manageConnections);
    }
    // Everything that talks to agents: replies to their frames, and the worker's dispatch job.
    const manageAgentConnections = new PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [props.agentConnectionsArn],
    });
    for (const fn of [byName['agent-default'], byName.worker]) fn.addToRolePolicy(manageAgentConnections);
  }

  get all(): IFunction[] {
    return Object.values(this.byName);
  }
}

/** `arn:…:execute-api:<region>:<account>:<apiId>/<stage>/*\/@connections/*` — one stage only. */
export function connectionsArn(scope: Construct, apiId: string, stageName: string): string {
  return Stack.of(scope).formatArn({
    service: 'execute-api',
    resource: apiId,
    resourceName: `${stageName}/*/@connections/*`,
  });
}
