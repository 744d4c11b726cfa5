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
import type { Construct } from 'constructs';
import type { StageConfig } from './stage.ts';
import { WsApi } from './ws-api.ts';

/** The stage name, so the URL ends in `/agent` like the self-hosted runtime's endpoint. */
export const AGENT_STAGE_NAME = 'agent';

/** The same three routes as the browsers' API, on an API and stage of their own. */
export class AgentWsApi extends WsApi {
  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id, config, {
      nameSuffix: 'agent',
      description: 'MediaNest household download agents ($connect authenticates with a Bearer agent token)',
      stageName: AGENT_STAGE_NAME,
      // A handful of agents per household, each a heartbeat every 20 s and a progress frame per
      // running download every half second: far below this, which only caps a runaway client.
      throttle: { rateLimit: 100, burstLimit: 200 },
    });
  }

  /** `<id>.execute-api.<region>.amazonaws.com` (CloudFront's origin for `/agent`). */
  get domainName(): string {
    return Fn.select(2, Fn.split('/', this.api.apiEndpoint));
  }
}
