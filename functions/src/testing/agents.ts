/**
 * Test support for the agents' WebSocket handlers: the AWS System's parts on a real local store
 * (a SQLite table, or a DynamoTable on DynamoDB Local), the real ApiGatewayRealtime and the real
 * management transport — with the API Gateway management API itself replaced by
 * aws-sdk-client-mock, which records every post and delete (and can hand posts to a socket) — the
 * six Lambda handlers built on that System, a household with an agent token, and a pump that feeds
 * the local queue's messages to the worker handler as SQS records.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiGatewayRealtime } from '@medianest/core/adapter/realtime/apigw';
import { DynamoTable } from '@medianest/core/adapter/table/dynamodb';
import { createDynamoTable } from '@medianest/core/adapter/table/schema';
import * as Agents from '@medianest/core/download/agents';
import type { ServerMessage } from '@medianest/core/download/protocol';
import { provideAgentTransport } from '@medianest/core/download/remote';
import { as, type SeededHousehold, seedHousehold } from '@medianest/core/download/testing';
import type { Clock } from '@medianest/core/port/clock';
import type { PullQueue } from '@medianest/core/port/queue';
import type { Table } from '@medianest/core/port/table';
import type { System } from '@medianest/core/system/index';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { managementTransport } from '../agent.ts';
import { createAgentConnectHandler } from '../agent-connect.ts';
import { createAgentDefaultHandler } from '../agent-default.ts';
import { createAgentDisconnectHandler } from '../agent-disconnect.ts';
import { currentScope } from '../runtime.ts';
import { createTickHandler } from '../tick.ts';
import { createWorkerHandler } from '../worker.ts';
import { JOBS_QUEUE_URL, lambdaContext, REGION, sqsEvent, sqsRecord, WS_ENDPOINT } from './events.ts';
import { type TempSystem, tempSystem } from './system.ts';

/** One call the handlers made to the (aws-sdk-client-mock) management API. */
export interface ManagementCall {
  op: 'post' | 'delete';
  endpoint: string;
  connectionId: string;
  /** The frame, parsed (posts only). */
  frame?: ServerMessage & { [k: string]: unknown };
  /** The correlation id of the invocation that made the call (which request caused it). */
  correlationId?: string | undefined;
}

export type StoreName = 'sqlite' | 'dynamodb';

export interface AgentFixtureOptions {
  store: StoreName;
  /** DynamoDB Local's endpoint (store `dynamodb`). */
  dynamoEndpoint?: string;
  clock?: Clock;
  env?: Record<string, string>;
  /**
   * What a post to an agent connection does besides being recorded: deliver it to a socket (the
   * shim) and say whether the connection exists. Default: every connection exists.
   */
  deliver?: (connectionId: string, data: string) => boolean;
  /** What a DeleteConnection does besides being recorded (the shim closes its socket). */
  disconnect?: (connectionId: string) => void;
}

export interface AgentFixture {
  system: System;
  local: TempSystem;
  table: Table;
  realtime: ApiGatewayRealtime;
  /** aws-sdk-client-mock standing in for the API Gateway management API. */
  management: AwsClientStub<ApiGatewayManagementApiClient>;
  calls: ManagementCall[];
  /** Frames posted to one connection, in order. */
  framesTo(connectionId: string): ServerMessage[];
  household: SeededHousehold;
  token: string;
  agentId: string;
  connect: ReturnType<typeof createAgentConnectHandler>;
  message: ReturnType<typeof createAgentDefaultHandler>;
  disconnect: ReturnType<typeof createAgentDisconnectHandler>;
  worker: ReturnType<typeof createWorkerHandler>;
  tick: ReturnType<typeof createTickHandler>;
  /** One batch of due queue messages through the worker handler (as SQS records); how many ran. */
  runQueue(): Promise<number>;
  /** The job types `runQueue` handed to the worker, in order. */
  jobsRun: string[];
  close(): Promise<void>;
}

let dynamo: DynamoDBClient | undefined;
let tables = 0;

const text = (data: unknown) =>
  typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array);

export async function agentFixture(options: AgentFixtureOptions): Promise<AgentFixture> {
  const clockOption = options.clock ? { clock: options.clock } : {};
  const local = await tempSystem({ MEDIANEST_QUEUE_URL_JOBS: JOBS_QUEUE_URL, ...options.env }, clockOption);
  const clock = local.system.clock;
  let table: Table = local.system.table;
  let dropTable = async () => {};
  if (options.store === 'dynamodb') {
    if (!options.dynamoEndpoint) throw new Error('the dynamodb store needs DynamoDB Local');
    dynamo ??= new DynamoDBClient({
      endpoint: options.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const client = dynamo;
    const tableName = `agents-${process.pid}-${++tables}`;
    await createDynamoTable(client, tableName);
    table = new DynamoTable({ client, tableName, clock });
    dropTable = async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    };
  }
  const realtime = new ApiGatewayRealtime({
    client: new ApiGatewayManagementApiClient({ endpoint: WS_ENDPOINT, region: REGION }),
    table,
    clock,
  });
  // The AWS System's parts on the local store: what `createAwsSystem` wires, minus the cloud.
  const system: System = { ...local.system, table, realtime };
  provideAgentTransport(system, managementTransport());

  const calls: ManagementCall[] = [];
  const management = mockClient(ApiGatewayManagementApiClient);
  const endpointOf = async (getClient: () => ApiGatewayManagementApiClient) => {
    const e = await getClient().config.endpoint?.();
    return e ? `${e.protocol}//${e.hostname}${e.path}` : '';
  };
  management.on(PostToConnectionCommand).callsFake(async (input, getClient) => {
    const endpoint = await endpointOf(getClient);
    const connectionId = String(input.ConnectionId);
    const data = text(input.Data);
    calls.push({
      op: 'post',
      endpoint,
      connectionId,
      frame: JSON.parse(data),
      correlationId: currentScope()?.correlationId,
    });
    if (endpoint !== WS_ENDPOINT && options.deliver && !options.deliver(connectionId, data)) {
      throw new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });
    }
    return {};
  });
  management.on(DeleteConnectionCommand).callsFake(async (input, getClient) => {
    const endpoint = await endpointOf(getClient);
    calls.push({ op: 'delete', endpoint, connectionId: String(input.ConnectionId) });
    options.disconnect?.(String(input.ConnectionId));
    return {};
  });

  const household = await seedHousehold(system);
  const { token, agent } = await as(household.owner, household.hh, () =>
    Agents.createAgent(system, { name: 'Living-room NAS' }),
  );
  const worker = createWorkerHandler(() => system);
  const queue = local.system.queue as PullQueue;
  const jobsRun: string[] = [];
  return {
    system,
    local,
    table,
    realtime,
    management,
    calls,
    framesTo: (connectionId) =>
      calls.filter((c) => c.op === 'post' && c.connectionId === connectionId).map((c) => c.frame!),
    household,
    token,
    agentId: agent.id,
    connect: createAgentConnectHandler(() => system),
    message: createAgentDefaultHandler(() => system),
    disconnect: createAgentDisconnectHandler(() => system),
    worker,
    tick: createTickHandler(() => system),
    jobsRun,
    runQueue: () =>
      queue.poll('jobs', (messages) => {
        jobsRun.push(...messages.map((m) => String((m.body as { type?: unknown } | null)?.type)));
        return worker(
          sqsEvent(
            messages.map((m) =>
              sqsRecord(m.id, m.body, { receiveCount: m.receiveCount, attributes: m.attributes }),
            ),
          ),
          lambdaContext('MediaNest-dev-FunctionsWorker'),
        );
      }),
    async close() {
      management.restore();
      await local.cleanup();
      await dropTable();
    },
  };
}
