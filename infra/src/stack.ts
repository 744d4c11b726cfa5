/** The whole MediaNest deployment: one stack composed of small constructs. */
import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AgentWsApi } from './agent-ws-api.ts';
import { Alarms } from './alarms.ts';
import { BlobBucket } from './bucket.ts';
import type { CustomDomain } from './domain.ts';
import { LambdaFunctions } from './functions.ts';
import { HttpApiRoutes } from './http-api.ts';
import { SecretsKey } from './keys.ts';
import { JobQueues } from './queues.ts';
import { Tick } from './schedule.ts';
import { type Stage, stageConfig } from './stage.ts';
import { DataTable } from './table.ts';
import { Web } from './web.ts';
import { WsApi } from './ws-api.ts';

export interface MediaNestStackProps extends StackProps {
  stage: Stage;
  /** The built web app to upload; omitted, the web bucket stays empty (API-only deploy, tests). */
  webDir?: string | undefined;
  /** Subscribed to the alarm topic when given. */
  alarmEmail?: string | undefined;
  /** Serve on this domain (certificate in us-east-1) instead of the CloudFront domain. */
  domain?: CustomDomain | undefined;
}

export class MediaNestStack extends Stack {
  readonly data: DataTable;
  readonly queues: JobQueues;
  readonly blobs: BlobBucket;
  readonly secrets: SecretsKey;
  readonly ws: WsApi;
  readonly agentWs: AgentWsApi;
  readonly http: HttpApiRoutes;
  readonly web: Web;
  readonly functions: LambdaFunctions;
  readonly tick: Tick;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: MediaNestStackProps) {
    super(scope, id, props);
    const config = stageConfig(props.stage);
    Tags.of(this).add('app', 'medianest');
    Tags.of(this).add('stage', config.stage);

    this.data = new DataTable(this, 'Data', config);
    this.queues = new JobQueues(this, 'Queues', config);
    this.blobs = new BlobBucket(this, 'Blobs', config);
    this.secrets = new SecretsKey(this, 'Secrets', config);
    // APIs and the CDN first: the functions' environment names them, their routes name the functions.
    this.ws = new WsApi(this, 'Ws', config);
    this.agentWs = new AgentWsApi(this, 'AgentWs', config);
    this.http = new HttpApiRoutes(this, 'Http', config);
    this.web = new Web(this, 'Web', {
      config,
      apiDomainName: this.http.domainName,
      agentApiDomainName: this.agentWs.domainName,
      webDir: props.webDir,
      wsUrl: this.ws.url,
      domain: props.domain,
    });
    this.functions = new LambdaFunctions(this, 'Functions', {
      config,
      table: this.data.table,
      queues: this.queues,
      bucket: this.blobs.bucket,
      key: this.secrets.key,
      wsEndpoint: this.ws.callbackUrl,
      wsUrl: this.ws.url,
      wsConnectionsArn: this.ws.connectionsArn,
      agentConnectionsArn: this.agentWs.connectionsArn,
      publicUrl: this.web.url,
    });
    const fns = this.functions.byName;
    this.ws.addRoutes({
      connect: fns['ws-connect'],
      disconnect: fns['ws-disconnect'],
      default: fns['ws-default'],
    });
    this.agentWs.addRoutes({
      connect: fns['agent-connect'],
      disconnect: fns['agent-disconnect'],
      default: fns['agent-default'],
    });
    this.http.route(fns.http);
    this.tick = new Tick(this, 'Tick', { handler: fns.tick });
    this.alarms = new Alarms(this, 'Alarms', {
      queues: this.queues.pairs,
      functions: fns,
      httpApi: this.http.api,
      email: props.alarmEmail,
    });

    new CfnOutput(this, 'Url', { value: this.web.url, description: 'Open this in a browser' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.web.distribution.distributionDomainName,
      description: 'Point the custom domain (CNAME or alias record) here',
    });
    new CfnOutput(this, 'SecretsPath', {
      value: config.secretsPath,
      description: 'SSM Parameter Store path of the identity settings (DEPLOY.md)',
    });
    new CfnOutput(this, 'HttpApiUrl', { value: this.http.api.apiEndpoint });
    new CfnOutput(this, 'WebSocketUrl', { value: this.ws.url });
    new CfnOutput(this, 'AgentUrl', {
      value: this.agentWs.url,
      description:
        'The agents’ WebSocket API without CloudFront (wss://<Url host>/agent reaches it too; DEPLOY.md)',
    });
    new CfnOutput(this, 'WebBucketName', { value: this.web.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
