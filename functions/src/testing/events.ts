/**
 * Fixture events shaped like the ones AWS delivers (field for field as in the Lambda and API
 * Gateway documentation samples), with the parts a test varies as parameters.
 */
import type {
  APIGatewayProxyEventV2,
  Context,
  ScheduledEvent,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
} from 'aws-lambda';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const HTTP_API_ID = 'r3pmxmplak';
const WS_API_ID = 'x6rfx7yq2e';
export const WS_STAGE = 'live';
export const WS_DOMAIN = `${WS_API_ID}.execute-api.${REGION}.amazonaws.com`;
export const WS_ENDPOINT = `https://${WS_DOMAIN}/${WS_STAGE}`;
/** The household agents' own WebSocket API (functions/src/agent.ts says why it is a separate API). */
const AGENT_API_ID = 'q4t7w2z9k1';
export const AGENT_STAGE = 'agent';
export const AGENT_DOMAIN = `${AGENT_API_ID}.execute-api.${REGION}.amazonaws.com`;
export const AGENT_ENDPOINT = `https://${AGENT_DOMAIN}/${AGENT_STAGE}`;
const JOBS_QUEUE_PHYSICAL = 'MediaNest-dev-QueuesJobs5E4D3C2B-Ab12Cd34Ef56';
export const JOBS_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${JOBS_QUEUE_PHYSICAL}`;
export const JOBS_QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${JOBS_QUEUE_PHYSICAL}`;

export function lambdaContext(functionName = 'MediaNest-dev-FunctionsHttp1A2B3C4D-aBcDeFgH1234'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]a1b2c3d4e5f60718293a4b5c6d7e8f90',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpRequest {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  requestId?: string;
}

/** API Gateway HTTP API, payload format 2.0, route `ANY /api/{proxy+}`. */
export function httpApiEvent(request: HttpRequest): APIGatewayProxyEventV2 {
  const query = request.query ?? '';
  const queryStringParameters = query
    ? Object.fromEntries([...new URLSearchParams(query)].map(([k, v]) => [k, v]))
    : undefined;
  return {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath: request.path,
    rawQueryString: query,
    ...(request.cookies ? { cookies: request.cookies } : {}),
    headers: {
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
      'content-length': String(request.body ? Buffer.byteLength(request.body) : 0),
      host: `${HTTP_API_ID}.execute-api.${REGION}.amazonaws.com`,
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36',
      'x-amzn-trace-id': 'Root=1-6745a1b2-3c4d5e6f708192a3b4c5d6e7',
      'x-forwarded-for': '198.51.100.23',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...request.headers,
    },
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: HTTP_API_ID,
      domainName: `${HTTP_API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: HTTP_API_ID,
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.23',
        userAgent:
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36',
      },
      requestId: request.requestId ?? 'Ju2ROjJaDoEEJdw=',
      routeKey: 'ANY /api/{proxy+}',
      stage: '$default',
      time: '26/Nov/2026:06:40:12 +0000',
      timeEpoch: 1795675212000,
    },
    pathParameters: { proxy: request.path.replace(/^\/api\//, '') },
    ...(request.body !== undefined ? { body: request.body } : {}),
    isBase64Encoded: false,
  };
}

type WsEventType = 'CONNECT' | 'DISCONNECT' | 'MESSAGE';

interface WsApiFixture {
  id: string;
  domain: string;
  stage: string;
}
const BROWSER_API: WsApiFixture = { id: WS_API_ID, domain: WS_DOMAIN, stage: WS_STAGE };
const AGENT_API: WsApiFixture = { id: AGENT_API_ID, domain: AGENT_DOMAIN, stage: AGENT_STAGE };

/** A per-event id like API Gateway's (base64, 16 characters). */
let requests = 0;
const nextRequestId = () => Buffer.from(`req-${String(++requests).padStart(8, '0')}`).toString('base64');

function wsRequestContext(
  eventType: WsEventType,
  routeKey: string,
  connectionId: string,
  api: WsApiFixture = BROWSER_API,
) {
  if (api !== BROWSER_API) {
    const requestId = nextRequestId();
    return {
      routeKey,
      eventType,
      extendedRequestId: requestId,
      requestTime: new Date().toUTCString(),
      messageDirection: 'IN' as const,
      stage: api.stage,
      connectedAt: 1795675263000,
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: '203.0.113.77', userAgent: null },
      requestId,
      domainName: api.domain,
      connectionId,
      apiId: api.id,
    };
  }
  return {
    routeKey,
    eventType,
    extendedRequestId: 'Vk2aOFkyDoEFRxQ=',
    requestTime: '26/Nov/2026:06:41:03 +0000',
    messageDirection: 'IN' as const,
    stage: WS_STAGE,
    connectedAt: 1795675263000,
    requestTimeEpoch: 1795675263120,
    identity: { sourceIp: '198.51.100.23' },
    requestId: 'Vk2aOFkyDoEFRxQ=',
    domainName: WS_DOMAIN,
    connectionId,
    apiId: WS_API_ID,
  };
}

/** `$connect`: the handshake's headers and query string, no body. */
export function wsConnectEvent(connectionId: string, query: Record<string, string> = {}) {
  const queryStringParameters = Object.keys(query).length > 0 ? query : undefined;
  return {
    headers: {
      Host: WS_DOMAIN,
      Origin: 'https://medianest.example.com',
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      'X-Amzn-Trace-Id': 'Root=1-6745a1ff-0a1b2c3d4e5f60718293a4b5',
      'X-Forwarded-For': '198.51.100.23',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
    },
    multiValueHeaders: {
      Host: [WS_DOMAIN],
      Origin: ['https://medianest.example.com'],
      'Sec-WebSocket-Version': ['13'],
    },
    ...(queryStringParameters
      ? {
          queryStringParameters,
          multiValueQueryStringParameters: Object.fromEntries(
            Object.entries(query).map(([k, v]) => [k, [v]]),
          ),
        }
      : {}),
    requestContext: wsRequestContext('CONNECT', '$connect', connectionId),
    isBase64Encoded: false,
  };
}

export function wsDisconnectEvent(connectionId: string) {
  return {
    headers: { Host: WS_DOMAIN, 'x-api-key': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [WS_DOMAIN], 'x-api-key': [''], 'x-restapi': [''] },
    requestContext: {
      ...wsRequestContext('DISCONNECT', '$disconnect', connectionId),
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    },
    isBase64Encoded: false,
  };
}

export function wsMessageEvent(connectionId: string, body: string) {
  return {
    requestContext: wsRequestContext('MESSAGE', '$default', connectionId),
    body,
    isBase64Encoded: false,
  };
}

export function sqsRecord(
  messageId: string,
  body: unknown,
  options: { receiveCount?: number; attributes?: Record<string, string> } = {},
): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    messageAttributes[name] = {
      stringValue: value,
      stringListValues: [],
      binaryListValues: [],
      dataType: 'String',
    };
  }
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(messageId).toString('base64')}wJnNEbe3QnJ2N1y5i3q9dD0d==`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1795675260000',
      SenderId: 'AROAEXAMPLEID:MediaNest-dev-FunctionsHttp',
      ApproximateFirstReceiveTimestamp: '1795675260500',
    },
    messageAttributes,
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: JOBS_QUEUE_ARN,
    awsRegion: REGION,
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** What an EventBridge rule with `rate(1 minute)` delivers. */
export function scheduledEvent(time: string, id = 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c'): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/MediaNest-dev-TickEveryMinute1A2B3C4D-ABCDEF123456`,
    ],
    detail: {},
  };
}

/**
 * Agents' `$connect`: what API Gateway passes for a non-browser client (the agent's `ws` handshake
 * carries its `Authorization` header; no Origin, no query string).
 */
export function agentConnectEvent(connectionId: string, headers: Record<string, string> = {}) {
  const all: Record<string, string> = {
    Host: AGENT_DOMAIN,
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': 'x3JJHMbDL1EzLkh9GBhXDw==',
    'Sec-WebSocket-Version': '13',
    'X-Amzn-Trace-Id': 'Root=1-6745a2c0-5d6e7f8091a2b3c4d5e6f708',
    'X-Forwarded-For': '203.0.113.77',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...headers,
  };
  return {
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    requestContext: wsRequestContext('CONNECT', '$connect', connectionId, AGENT_API),
    isBase64Encoded: false,
  };
}

export function agentMessageEvent(connectionId: string, body: string, options: { binary?: boolean } = {}) {
  return {
    requestContext: wsRequestContext('MESSAGE', '$default', connectionId, AGENT_API),
    body,
    isBase64Encoded: options.binary ?? false,
  };
}

export function agentDisconnectEvent(connectionId: string, code = 1000, reason = '') {
  return {
    headers: { Host: AGENT_DOMAIN, 'x-api-key': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [AGENT_DOMAIN], 'x-api-key': [''], 'x-restapi': [''] },
    requestContext: {
      ...wsRequestContext('DISCONNECT', '$disconnect', connectionId, AGENT_API),
      disconnectStatusCode: code,
      disconnectReason: reason,
    },
    isBase64Encoded: false,
  };
}
