import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AesKeyring } from '@medianest/core/adapter/keyring/aes';
import { ApiGatewayRealtime } from '@medianest/core/adapter/realtime/apigw';
import { DynamoTable } from '@medianest/core/adapter/table/dynamodb';
import { createDynamoTable } from '@medianest/core/adapter/table/schema';
import * as Agents from '@medianest/core/download/agents';
import { remoteKeys } from '@medianest/core/download/remote';
import { as, seedHousehold } from '@medianest/core/download/testing';
import { systemClock } from '@medianest/core/port/clock';
import { issueTicket } from '@medianest/core/realtime/index';
import { freePort } from '@medianest/core/testing/free-port';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ACCOUNT,
  agentConnectEvent,
  httpApiEvent,
  REGION,
  sqsEvent,
  sqsRecord,
  WS_ENDPOINT,
  wsConnectEvent,
} from '../../functions/src/testing/events.ts';
import { AGENT_STAGE_NAME } from '../src/agent-ws-api.ts';
import { findWildcards } from '../src/iam-check.ts';
import { MediaNestStack } from '../src/stack.ts';
import { parseStage } from '../src/stage.ts';
import { SPA_REWRITE } from '../src/web.ts';
import { WS_STAGE_NAME } from '../src/ws-api.ts';

const run = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: template properties are untyped CloudFormation JSON
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

const FUNCTIONS = {
  http: 'HTTP API (Hono app)',
  'ws-connect': 'WebSocket $connect',
  'ws-disconnect': 'WebSocket $disconnect',
  'ws-default': 'WebSocket $default',
  'agent-connect': 'Agent WebSocket $connect',
  'agent-disconnect': 'Agent WebSocket $disconnect',
  'agent-default': 'Agent WebSocket $default',
  worker: 'Jobs queue worker',
  tick: 'Scheduler tick',
} as const;

const endpoint = inject('dynamoEndpoint');

/** Runs a bundled handler in a fresh Node process (this one, so Node 24) with only `env`. */
async function invokeBundle(
  assemblyDir: string,
  json: { Resources: Record<string, Resource> },
  logicalId: string,
  env: Record<string, string>,
  event: unknown,
): Promise<unknown> {
  const assetHash = String(json.Resources[logicalId]!.Properties.Code.S3Key).replace(/\.zip$/, '');
  const bundle = pathToFileURL(join(assemblyDir, `asset.${assetHash}`, 'index.mjs')).href;
  const script = `
    const { handler } = await import(process.env.SMOKE_BUNDLE);
    const result = await handler(JSON.parse(process.env.SMOKE_EVENT), {
      functionName: 'smoke', awsRequestId: 'smoke-1', getRemainingTimeInMillis: () => 10000,
    });
    process.stdout.write(JSON.stringify(result ?? null));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...env, SMOKE_BUNDLE: bundle, SMOKE_EVENT: JSON.stringify(event) },
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

/** A stack without asset bundling (fast): for tests about everything but the bundles. */
function unbundledStack(stage: 'dev' | 'prod'): MediaNestStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new MediaNestStack(app, `Unbundled-${stage}`, { stage });
}

describe('MediaNest stack (dev)', () => {
  let template: Template;
  let json: { Resources: Record<string, Resource> };
  let assemblyDir: string;
  let stack: MediaNestStack;

  // One real synth, with esbuild bundling every function: slow, so once per file. The assembly is
  // written under infra/ so the bundles can resolve the AWS SDK (external, as in Lambda) from the
  // repo's node_modules when the smoke tests run them.
  beforeAll(() => {
    assemblyDir = join(import.meta.dirname, '..', 'cdk.out', `test-${process.pid}`);
    const app = new App({ outdir: assemblyDir });
    stack = new MediaNestStack(app, 'MediaNest-dev', { stage: 'dev' });
    template = Template.fromStack(stack);
    json = template.toJSON() as typeof json;
  });
  afterAll(() => rmSync(assemblyDir, { recursive: true, force: true }));

  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const fnId = (name: keyof typeof FUNCTIONS) => logicalIdOf(stack.functions.byName[name]);

  it('has the single table: on demand, pk/sk, gsi1/gsi2, TTL on ttl, PITR, deletable in dev', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'gsi2',
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    });
  });

  it('has the jobs queue with a DLQ after 5 receives, consumed by the worker with partial batch failures', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const [pair] = stack.queues.pairs;
    const queueId = logicalIdOf(pair!.queue);
    const dlqId = logicalIdOf(pair!.deadLetter);
    expect(json.Resources[queueId]!.Properties).toMatchObject({
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(json.Resources[dlqId]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: fnId('worker') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('has private, encrypted, SSL-only buckets; the blob bucket expires its cache', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.map(([id]) => id).sort()).toEqual(
      [logicalIdOf(stack.blobs.bucket), logicalIdOf(stack.web.bucket)].sort(),
    );
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties, id).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === id);
      expect(policy?.[1].Properties.PolicyDocument.Statement, id).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
    expect(json.Resources[logicalIdOf(stack.blobs.bucket)]!.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        }),
        expect.objectContaining({ Prefix: 'cache/', ExpirationInDays: 30 }),
      ]),
    );
  });

  it('builds every function for Node 24 on arm64 with the names the System reads', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([, f]) => f.Properties.Description).sort()).toEqual(
      Object.values(FUNCTIONS).sort(),
    );
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'MEDIANEST_TABLE',
          'MEDIANEST_BUCKET',
          'MEDIANEST_QUEUE_URL_JOBS',
          'MEDIANEST_DLQ_URL_JOBS',
          'MEDIANEST_KMS_KEY_ID',
          'MEDIANEST_WS_ENDPOINT',
        ]),
      );
    }
    const sizes = Object.fromEntries(
      Object.keys(FUNCTIONS).map((name) => {
        const p = json.Resources[fnId(name as keyof typeof FUNCTIONS)]!.Properties;
        return [name, [p.MemorySize, p.Timeout]];
      }),
    );
    expect(sizes).toEqual({
      http: [1024, 29],
      'ws-connect': [256, 10],
      'ws-disconnect': [256, 10],
      'ws-default': [256, 10],
      'agent-connect': [256, 10],
      'agent-disconnect': [256, 10],
      'agent-default': [512, 20],
      worker: [512, 60],
      tick: [256, 50],
    });
  });

  it('bundles each entry point into an ESM file that exports handler', () => {
    for (const name of Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[]) {
      const code = json.Resources[fnId(name)]!.Properties.Code;
      const assetHash = String(code.S3Key).replace(/\.zip$/, '');
      const dir = join(assemblyDir, `asset.${assetHash}`);
      expect(existsSync(dir), `${name}: ${dir}`).toBe(true);
      const bundle = readdirSync(dir).find((f) => f === 'index.mjs');
      expect(bundle, name).toBe('index.mjs');
      const source = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(source).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/);
      // The SDK comes from the runtime, not the bundle.
      expect(source).not.toContain('@smithy/core/dist');
    }
  });

  // Skipped only when the run opted out of DynamoDB Local (MEDIANEST_SKIP_DYNAMODB=1).
  describe('bundles, run as Lambda would run them, against DynamoDB Local', () => {
    let env: Record<string, string>;
    let table: DynamoTable;
    let client: DynamoDBClient;

    beforeAll(async () => {
      if (endpoint === '') return;
      client = new DynamoDBClient({
        endpoint,
        region: REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const tableName = `bundles-${process.pid}-${Date.now().toString(36)}`;
      await createDynamoTable(client, tableName);
      table = new DynamoTable({ client, tableName });
      // Nothing listens there: SQS calls fail fast instead of reaching AWS.
      const deadSqs = `http://127.0.0.1:${await freePort()}`;
      env = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ENDPOINT_URL_SQS: deadSqs,
        AWS_MAX_ATTEMPTS: '1',
        MEDIANEST_TABLE: tableName,
        MEDIANEST_QUEUE_URL_JOBS: `${deadSqs}/${ACCOUNT}/jobs`,
        MEDIANEST_DLQ_URL_JOBS: `${deadSqs}/${ACCOUNT}/jobs-dlq`,
        MEDIANEST_WS_ENDPOINT: WS_ENDPOINT,
        MEDIANEST_MODE: 'saas',
        LOG_LEVEL: 'SILENT',
      };
    });
    afterAll(() => client?.destroy());

    it.skipIf(endpoint === '')('http: answers /api/health from DynamoDB', async () => {
      const res = (await invokeBundle(
        assemblyDir,
        json,
        fnId('http'),
        env,
        httpApiEvent({ method: 'GET', path: '/api/health' }),
      )) as {
        statusCode: number;
        body: string;
      };
      expect(res.statusCode).toBe(200);
      // The queue is unreachable on purpose, so the store alone answers.
      expect(JSON.parse(res.body)).toMatchObject({ status: 'degraded', store: 'dynamodb', mode: 'saas' });
    });

    it.skipIf(endpoint === '')(
      'ws-connect: redeems a ticket and registers the connection in DynamoDB',
      async () => {
        const scope = { userId: 'usr_bundle', householdId: 'hh_bundle' };
        const { ticket } = await issueTicket({ table, clock: systemClock }, scope);
        const res = await invokeBundle(
          assemblyDir,
          json,
          fnId('ws-connect'),
          env,
          wsConnectEvent('bNdL3cOnn=', { ticket }),
        );
        expect(res).toEqual({ statusCode: 200 });
        const realtime = new ApiGatewayRealtime({
          client: new ApiGatewayManagementApiClient({ region: REGION }),
          table,
        });
        expect(await realtime.connections(scope.householdId)).toEqual([
          { connectionId: 'bNdL3cOnn=', ...scope },
        ]);
      },
    );

    it.skipIf(endpoint === '')(
      'agent-connect: checks the Bearer agent token and stores the session in DynamoDB',
      async () => {
        const deps = { table, clock: systemClock, keyring: new AesKeyring(randomBytes(32)) };
        const household = await seedHousehold(deps);
        const { token } = await as(household.owner, household.hh, () =>
          Agents.createAgent(deps, { name: 'bundle agent' }),
        );
        const ok = await invokeBundle(
          assemblyDir,
          json,
          fnId('agent-connect'),
          env,
          agentConnectEvent('bNdLaGnT=', { Authorization: `Bearer ${token}` }),
        );
        expect(ok).toEqual({ statusCode: 200 });
        expect(await table.get(remoteKeys.session('bNdLaGnT='))).toMatchObject({ householdId: household.hh });
        const refused = await invokeBundle(
          assemblyDir,
          json,
          fnId('agent-connect'),
          env,
          agentConnectEvent('bNdLrEfU=', { Authorization: 'Bearer mna_forged' }),
        );
        expect(refused).toEqual({ statusCode: 401, body: 'Unauthorized' });
      },
    );

    it.skipIf(endpoint === '')('worker: runs a job and reports the record that fails', async () => {
      const event = sqsEvent([
        sqsRecord('ok-1', { type: 'maintenance.sweep_expired', data: {} }),
        sqsRecord('bad-2', { type: 'no.such_job', data: {} }),
      ]);
      const res = await invokeBundle(assemblyDir, json, fnId('worker'), env, event);
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-2' }] });
    });
  });

  it('routes /api/{proxy+} of the HTTP API to the http function (payload v2)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.http.api) },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
    });
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes).toContain('ANY /api/{proxy+}');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [fnId('http'), 'Arn'] },
    });
  });

  it('has two WebSocket APIs (browsers, agents) whose $connect/$disconnect/$default routes reach their own functions', () => {
    const apis = ofType('AWS::ApiGatewayV2::Api').filter(
      ([, a]) => a.Properties.ProtocolType === 'WEBSOCKET',
    );
    expect(apis.map(([, a]) => a.Properties.Name).sort()).toEqual([
      'medianest-dev-agent',
      'medianest-dev-ws',
    ]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.ws.api) },
      StageName: WS_STAGE_NAME,
      AutoDeploy: true,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.agentWs.api) },
      StageName: AGENT_STAGE_NAME,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    const integrationTarget = (api: { node: { defaultChild?: unknown } }, routeKey: string) => {
      const [, route] = ofType('AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties.RouteKey === routeKey && r.Properties.ApiId.Ref === logicalIdOf(api),
      )!;
      const target = JSON.stringify(route.Properties.Target);
      const [integrationId] = ofType('AWS::ApiGatewayV2::Integration').find(([id]) => target.includes(id))!;
      return JSON.stringify(json.Resources[integrationId]!.Properties.IntegrationUri);
    };
    expect(integrationTarget(stack.ws.api, '$connect')).toContain(fnId('ws-connect'));
    expect(integrationTarget(stack.ws.api, '$disconnect')).toContain(fnId('ws-disconnect'));
    expect(integrationTarget(stack.ws.api, '$default')).toContain(fnId('ws-default'));
    expect(integrationTarget(stack.agentWs.api, '$connect')).toContain(fnId('agent-connect'));
    expect(integrationTarget(stack.agentWs.api, '$disconnect')).toContain(fnId('agent-disconnect'));
    expect(integrationTarget(stack.agentWs.api, '$default')).toContain(fnId('agent-default'));
    // API Gateway may invoke each function (one permission per route).
    for (const name of ['agent-connect', 'agent-disconnect', 'agent-default'] as const) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId(name), 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
      });
    }
    // Where an admin points the agent.
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.AgentUrl?.Value)).toContain(logicalIdOf(stack.agentWs.api));
    expect(JSON.stringify(outputs.AgentUrl?.Value)).toContain(`/${AGENT_STAGE_NAME}`);
  });

  it('runs the tick every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('tick'), 'Arn'] }, RetryPolicy: Match.anyValue() }),
      ],
    });
  });

  it('grants execute-api:ManageConnections per WebSocket stage, only to the functions that post there', () => {
    const roleOf = (name: keyof typeof FUNCTIONS) =>
      stack.getLogicalId(stack.functions.byName[name].role!.node.defaultChild as never);
    /** Role → the @connections resources it may manage. */
    const grants = new Map<string, string[]>();
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (statement.Action !== 'execute-api:ManageConnections') continue;
        const resource = JSON.stringify(statement.Resource);
        const api = resource.includes(logicalIdOf(stack.agentWs.api))
          ? `agent:${resource.includes(`/${AGENT_STAGE_NAME}/*/@connections/*`)}`
          : `ws:${resource.includes(logicalIdOf(stack.ws.api)) && resource.includes(`/${WS_STAGE_NAME}/*/@connections/*`)}`;
        for (const role of policy.Properties.Roles)
          grants.set(role.Ref, [...(grants.get(role.Ref) ?? []), api]);
      }
    }
    const expected: [keyof typeof FUNCTIONS, string[]][] = [
      ['http', ['ws:true']],
      ['worker', ['agent:true', 'ws:true']],
      ['tick', ['ws:true']],
      ['ws-default', ['ws:true']],
      ['agent-default', ['agent:true', 'ws:true']],
      ['agent-disconnect', ['ws:true']],
    ];
    expect(new Map([...grants].map(([role, apis]) => [role, apis.sort()]))).toEqual(
      new Map(expected.map(([name, apis]) => [roleOf(name), apis])),
    );
  });

  it('serves the web app from its private bucket through CloudFront and sends /api/* to the HTTP API', () => {
    const [[, distribution]] = ofType('AWS::CloudFront::Distribution') as [[string, Resource]];
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    const s3Origin = config.Origins.find(
      (o: { Id: string }) => o.Id === config.DefaultCacheBehavior.TargetOriginId,
    );
    expect(JSON.stringify(s3Origin.DomainName)).toContain(logicalIdOf(stack.web.bucket));
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      expect.objectContaining({ EventType: 'viewer-request' }),
    ]);
    const api = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/api/*');
    expect(api).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
    const apiOrigin = config.Origins.find((o: { Id: string }) => o.Id === api.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain(logicalIdOf(stack.http.api));
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    // Only this distribution may read the web bucket.
    const webPolicy = ofType('AWS::S3::BucketPolicy').find(
      ([, p]) => p.Properties.Bucket.Ref === logicalIdOf(stack.web.bucket),
    )!;
    expect(JSON.stringify(webPolicy[1].Properties.PolicyDocument)).toContain('cloudfront.amazonaws.com');
    expect(JSON.stringify(webPolicy[1].Properties.PolicyDocument)).toContain(
      logicalIdOf(stack.web.distribution),
    );
  });

  it('sends wss://<site>/agent through CloudFront to the agents’ WebSocket API (stage agent), uncached, with the Bearer header', () => {
    const [[, distribution]] = ofType('AWS::CloudFront::Distribution') as [[string, Resource]];
    const config = distribution.Properties.DistributionConfig;
    const agent = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/agent');
    expect(agent).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      // Every viewer header (Authorization, Sec-WebSocket-*) but Host, which API Gateway routes on.
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
    const origin = config.Origins.find((o: { Id: string }) => o.Id === agent.TargetOriginId);
    expect(JSON.stringify(origin.DomainName)).toContain(logicalIdOf(stack.agentWs.api));
    // No origin path: the viewer's `/agent` is the stage.
    expect(origin.OriginPath ?? '').toBe('');
    expect(origin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });

  it('alarms on dead letters, a stuck queue, failing or throttled functions and API 5xx', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const topic = { Ref: logicalIdOf(stack.alarms.topic) };
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([topic]);
    const dlq = logicalIdOf(stack.queues.pairs[0]!.deadLetter);
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
        expect.objectContaining({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 }),
        expect.objectContaining({ MetricName: '5xx', Namespace: 'AWS/ApiGateway' }),
      ]),
    );
    const errorAlarms = alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda');
    expect(errorAlarms).toHaveLength(Object.keys(FUNCTIONS).length);
  });

  it('has no IAM statement with a wildcard action or resource where a narrower grant exists', () => {
    expect(findWildcards(json)).toEqual([]);
  });
});

describe('IAM wildcard check', () => {
  it('reports a wildcard statement added to a fresh stack', () => {
    // arrange (a template is synthesized once per app, so each case gets its own stack)
    const clean = findWildcards(Template.fromStack(unbundledStack('dev')).toJSON());
    const stack = unbundledStack('dev');
    stack.functions.byName.worker.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }),
    );
    stack.functions.byName.tick.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:*'], resources: [stack.queues.pairs[0]!.queue.queueArn] }),
    );
    // act
    const findings = findWildcards(Template.fromStack(stack).toJSON());
    // assert
    expect(clean).toEqual([]);
    expect(findings.map((f) => f.reason).sort()).toEqual([
      'Action "sqs:*" grants the whole service',
      'Resource "*" for dynamodb:GetItem, which can be scoped to resources',
    ]);
  });

  it('accepts Resource "*" only for actions that have no resource-level permissions', () => {
    const stack = unbundledStack('dev');
    stack.functions.byName.worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    );
    expect(findWildcards(Template.fromStack(stack).toJSON())).toEqual([]);
  });
});

describe('web app', () => {
  it('rewrites client-side routes to the app shell and leaves files alone', () => {
    const rewrite = new Function(`${SPA_REWRITE}; return handler;`)() as (e: {
      request: { uri: string };
    }) => { uri: string };
    const uri = (path: string) => rewrite({ request: { uri: path } }).uri;
    expect(uri('/')).toBe('/index.html');
    expect(uri('/households/h1/requests')).toBe('/index.html');
    expect(uri('/assets/app.3f2a1c.js')).toBe('/assets/app.3f2a1c.js');
    expect(uri('/favicon.ico')).toBe('/favicon.ico');
  });

  it('uploads a built web app (immutable assets, revalidated shell) without broad IAM grants', () => {
    // arrange
    const webDir = mkdtempSync(join(tmpdir(), 'medianest-web-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(webDir, 'assets', 'app.3f2a1c.js'), 'console.log(1)');
    try {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      // act
      const stack = new MediaNestStack(app, 'WithWeb', { stage: 'dev', webDir });
      const template = Template.fromStack(stack);
      // assert
      const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')) as Resource[];
      expect(deployments.map((d) => d.Properties.SystemMetadata['cache-control']).sort()).toEqual([
        'no-cache',
        'public, max-age=31536000, immutable',
      ]);
      for (const d of deployments) expect(d.Properties.Prune).toBe(false);
      expect(findWildcards(template.toJSON())).toEqual([]);
    } finally {
      rmSync(webDir, { recursive: true, force: true });
    }
  });
});

describe('MediaNest stack (prod)', () => {
  it('keeps the data on stack deletion and protects the table', () => {
    const template = Template.fromStack(unbundledStack('prod'));
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });

  it('accepts only dev and prod as the stage', () => {
    expect(parseStage(undefined)).toBe('dev');
    expect(parseStage('prod')).toBe('prod');
    expect(() => parseStage('staging')).toThrow(/dev, prod/);
  });
});
