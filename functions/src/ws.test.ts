/**
 * The three WebSocket handlers against a real local table and the real ApiGatewayRealtime
 * adapter; only the API Gateway management API is replaced, with aws-sdk-client-mock.
 */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ApiGatewayRealtime } from '@medianest/core/adapter/realtime/apigw';
import { FakeClock } from '@medianest/core/port/clock';
import { issueTicket, TICKET_TTL_SECONDS } from '@medianest/core/realtime/index';
import type { System } from '@medianest/core/system/index';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  lambdaContext,
  REGION,
  WS_ENDPOINT,
  wsConnectEvent,
  wsDisconnectEvent,
  wsMessageEvent,
} from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';
import { createConnectHandler } from './ws-connect.ts';
import { createDefaultHandler } from './ws-default.ts';
import { createDisconnectHandler } from './ws-disconnect.ts';

const scope = { userId: 'usr_01JD3Q7Z5V2K8M4N6P0R9S1T2W', householdId: 'hh_01JD3Q8A1B2C3D4E5F6G7H8J9K' };
const management = mockClient(ApiGatewayManagementApiClient);
// Not the API the fixture events come through: proves which endpoint the handler picked.
const CONFIGURED_ENDPOINT = 'https://k8w2mn4p1q.execute-api.eu-west-1.amazonaws.com/live';

describe('WebSocket handlers', () => {
  let local: TempSystem;
  let clock: FakeClock;
  let realtime: ApiGatewayRealtime;
  let system: System;
  let connect: ReturnType<typeof createConnectHandler>;
  let disconnect: ReturnType<typeof createDisconnectHandler>;
  let message: ReturnType<typeof createDefaultHandler>;
  /** Every PostToConnection the handlers made: [endpoint, connection id, payload]. */
  let posts: [string, string, string][];

  beforeEach(async () => {
    clock = new FakeClock();
    local = await tempSystem({ MEDIANEST_WS_ENDPOINT: CONFIGURED_ENDPOINT }, { clock });
    realtime = new ApiGatewayRealtime({
      client: new ApiGatewayManagementApiClient({ endpoint: CONFIGURED_ENDPOINT, region: REGION }),
      table: local.system.table,
      clock,
    });
    // The AWS System's realtime on the local store: what `createAwsSystem` wires, minus DynamoDB.
    system = { ...local.system, realtime };
    connect = createConnectHandler(() => system);
    disconnect = createDisconnectHandler(() => system);
    message = createDefaultHandler(() => system);
    posts = [];
    management.reset();
    management.on(PostToConnectionCommand).callsFake(async (input, getClient) => {
      const endpoint = await getClient().config.endpoint?.();
      const url = endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.path}` : '';
      posts.push([url, String(input.ConnectionId), new TextDecoder().decode(toBytes(input.Data))]);
      return {};
    });
  });
  afterEach(() => local.cleanup());

  const toBytes = (data: unknown): Uint8Array =>
    typeof data === 'string' ? new TextEncoder().encode(data) : (data as Uint8Array);

  describe('$connect', () => {
    it('registers the connection under the ticket scope', async () => {
      // arrange
      const { ticket } = await issueTicket(system, scope);
      // act
      const res = await connect(wsConnectEvent('L0SM9cOFvHcCIhw=', { ticket }), lambdaContext('ws-connect'));
      // assert
      expect(res).toEqual({ statusCode: 200 });
      expect(await realtime.connections(scope.householdId)).toEqual([
        { connectionId: 'L0SM9cOFvHcCIhw=', ...scope },
      ]);
      expect(await realtime.publish({ householdId: scope.householdId }, { type: 'status', data: 1 })).toEqual(
        {
          delivered: 1,
        },
      );
      expect(posts).toEqual([[CONFIGURED_ENDPOINT, 'L0SM9cOFvHcCIhw=', '{"type":"status","data":1}']]);
    });

    it('refuses a reused ticket', async () => {
      const { ticket } = await issueTicket(system, scope);
      await connect(wsConnectEvent('first=', { ticket }));
      const res = await connect(wsConnectEvent('second=', { ticket }));
      expect(res.statusCode).toBe(401);
      expect((await realtime.connections(scope.householdId)).map((c) => c.connectionId)).toEqual(['first=']);
    });

    it('refuses an expired ticket', async () => {
      const { ticket } = await issueTicket(system, scope);
      clock.advance(TICKET_TTL_SECONDS * 1000);
      const res = await connect(wsConnectEvent('late=', { ticket }));
      expect(res.statusCode).toBe(401);
      expect(await realtime.watchedHouseholds()).toEqual([]);
    });

    it('refuses a connect without a ticket or with a forged one', async () => {
      expect((await connect(wsConnectEvent('none='))).statusCode).toBe(401);
      expect((await connect(wsConnectEvent('forged=', { ticket: 'A'.repeat(43) }))).statusCode).toBe(401);
      expect(await realtime.watchedHouseholds()).toEqual([]);
    });
  });

  describe('$disconnect', () => {
    it('removes the connection so nothing more is pushed to it', async () => {
      // arrange
      const { ticket } = await issueTicket(system, scope);
      await connect(wsConnectEvent('bye=', { ticket }));
      // act
      const res = await disconnect(wsDisconnectEvent('bye='), lambdaContext('ws-disconnect'));
      // assert
      expect(res).toEqual({ statusCode: 200 });
      expect(await realtime.connections(scope.householdId)).toEqual([]);
      expect(await realtime.publish({ householdId: scope.householdId }, { type: 'status', data: 2 })).toEqual(
        {
          delivered: 0,
        },
      );
    });

    it('accepts a disconnect for a connection it never registered', async () => {
      expect(await disconnect(wsDisconnectEvent('unknown='))).toEqual({ statusCode: 200 });
    });
  });

  describe('$default', () => {
    it('answers ping with pong through the management API of the configured endpoint', async () => {
      const res = await message(wsMessageEvent('ping=', '{"type":"ping"}'), lambdaContext('ws-default'));
      expect(res).toEqual({ statusCode: 200 });
      expect(posts).toEqual([[CONFIGURED_ENDPOINT, 'ping=', '{"type":"pong"}']]);
    });

    it('falls back to the endpoint of the API the event came through', async () => {
      const bare = await tempSystem();
      try {
        const handler = createDefaultHandler(() => ({ ...bare.system, realtime }));
        await handler(wsMessageEvent('ping=', '{"type":"ping"}'));
        expect(posts).toEqual([[WS_ENDPOINT, 'ping=', '{"type":"pong"}']]);
      } finally {
        await bare.cleanup();
      }
    });

    it('ignores messages the protocol does not define', async () => {
      for (const body of [
        'ping',
        '{"type":"subscribe"}',
        '{',
        '',
        `{"type":"ping","pad":"${'x'.repeat(2000)}"}`,
      ]) {
        expect(await message(wsMessageEvent('noise=', body))).toEqual({ statusCode: 200 });
      }
      expect(posts).toEqual([]);
    });

    it('removes a connection that left before its pong', async () => {
      const { ticket } = await issueTicket(system, scope);
      await connect(wsConnectEvent('gone=', { ticket }));
      management
        .on(PostToConnectionCommand)
        .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
      expect(await message(wsMessageEvent('gone=', '{"type":"ping"}'))).toEqual({ statusCode: 200 });
      expect(await realtime.connections(scope.householdId)).toEqual([]);
    });
  });

  it('rejects an event without a connection id (not an API Gateway WebSocket event)', async () => {
    await expect(connect({ requestContext: {} })).rejects.toThrow();
    await expect(message({ body: '{"type":"ping"}' })).rejects.toThrow();
  });
});
