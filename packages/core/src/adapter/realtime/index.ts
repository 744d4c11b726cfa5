export { ApiGatewayRealtime, type ApiGatewayRealtimeOptions } from './apigw.ts';
export { type LocalConnection, LocalRealtime } from './local.ts';
export type { ConnectionScope } from './topic.ts';
