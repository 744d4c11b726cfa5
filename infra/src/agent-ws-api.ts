/**
 * The household agents' WebSocket API (ARCHITECTURE.md §5): `npx medianest-agent --server
 * wss://<id>.execute-api.<region>.amazonaws.com/agent`. A WebSocket API of its own, not the
 * browsers' one (functions/src/agent.ts says why): `$connect` checks the agent token from the
 * `Authorization` header, `$default` takes every agent frame, `$disconnect` marks the agent offline.
 * Replies and offers go back through this stage's management API (`@connections`), whose endpoint
 * the functions take from the events themselves; the worker finds it in the stored session.
 * CloudFront also routes `wss://<site>/agent` here (web.ts), so the portal's URL works as well.
 */
import { Fn } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { connectionsArn } from './functions.ts';
import type { StageConfig } from './stage.ts';
import type { WsRouteHandlers } from './ws-api.ts';

/** The stage name, so the URL ends in `/agent` like the self-hosted runtime's endpoint. */
export const AGENT_STAGE_NAME = 'agent';

export class AgentWsApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The `@connections` ARN of this stage only. */
  readonly connectionsArn: string;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `medianest-${config.stage}-agent`,
      description: 'MediaNest household download agents ($connect authenticates with a Bearer agent token)',
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: AGENT_STAGE_NAME,
      autoDeploy: true,
      // A handful of agents per household, each a heartbeat every 20 s and a progress frame per
      // running download every half second: far below this, which only caps a runaway client.
      throttle: { rateLimit: 100, burstLimit: 200 },
    });
    this.connectionsArn = connectionsArn(this, this.api.apiId, AGENT_STAGE_NAME);
  }

  /** `<id>.execute-api.<region>.amazonaws.com` (CloudFront's origin for `/agent`). */
  get domainName(): string {
    return Fn.select(2, Fn.split('/', this.api.apiEndpoint));
  }

  /** wss:// URL agents connect to (`--server`), without CloudFront. */
  get url(): string {
    return this.stage.url;
  }

  addRoutes(handlers: WsRouteHandlers): void {
    this.api.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', handlers.connect),
    });
    this.api.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration('DisconnectIntegration', handlers.disconnect),
    });
    // Not 'Default': that construct id collides with the route's own default child and breaks synth.
    this.api.addRoute('$default', {
      integration: new WebSocketLambdaIntegration('FallbackIntegration', handlers.default),
    });
  }
}
