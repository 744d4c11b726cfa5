/**
 * The WebSocket API (Realtime port, AWS column). Created before the functions so they can be given
 * its management endpoint; the routes are attached once the functions exist.
 */
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { connectionsArn } from './functions.ts';
import type { StageConfig } from './stage.ts';

export const WS_STAGE_NAME = 'live';

export interface WsRouteHandlers {
  connect: IFunction;
  disconnect: IFunction;
  default: IFunction;
}

/** What tells one WebSocket API of the stack from another (the browsers' and the agents'). */
export interface WsApiOptions {
  /** `medianest-<stage>-<nameSuffix>` */
  nameSuffix: string;
  description: string;
  stageName: string;
  throttle: { rateLimit: number; burstLimit: number };
}

const BROWSERS: WsApiOptions = {
  nameSuffix: 'ws',
  description: 'MediaNest live updates ($connect authenticates with a one-time ticket)',
  stageName: WS_STAGE_NAME,
  throttle: { rateLimit: 200, burstLimit: 400 },
};

export class WsApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The `@connections` ARN of this stage only. */
  readonly connectionsArn: string;

  constructor(scope: Construct, id: string, config: StageConfig, options: WsApiOptions = BROWSERS) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `medianest-${config.stage}-${options.nameSuffix}`,
      description: options.description,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: options.stageName,
      autoDeploy: true,
      throttle: options.throttle,
    });
    this.connectionsArn = connectionsArn(this, this.api.apiId, options.stageName);
  }

  /** wss:// URL clients connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** https:// URL of the management API (`postToConnection`). */
  get callbackUrl(): string {
    return this.stage.callbackUrl;
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
