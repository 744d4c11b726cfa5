/**
 * The HTTP API: every `/api/*` request goes to the one Hono function. Created before the
 * functions (CloudFront and the functions' environment need its address); the route is added once
 * the function exists.
 */
import { Fn } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StageConfig } from './stage.ts';

export class HttpApiRoutes extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `medianest-${config.stage}-http`,
      description: 'MediaNest HTTP API (/api/*)',
      // Served same-origin behind CloudFront: no CORS preflights to answer.
      createDefaultStage: true,
    });
  }

  /** `<id>.execute-api.<region>.amazonaws.com`, for CloudFront's origin. */
  get domainName(): string {
    return Fn.select(2, Fn.split('/', this.api.apiEndpoint));
  }

  route(handler: IFunction): void {
    this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('HttpIntegration', handler),
    });
  }
}
