/**
 * Least-privilege check over a synthesized template: every IAM statement that allows `*` (or a
 * whole service, `s3:*`) as Action, or `*` as Resource where the actions support resource-level
 * permissions, is a finding. Run by the stack test; usable on any template.
 */

/** Actions that AWS only authorises on Resource "*" (no resource-level permissions exist). */
export const RESOURCELESS_ACTIONS: ReadonlySet<string> = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'cloudwatch:PutMetricData',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

export interface WildcardFinding {
  /** Logical id of the policy (or role, for inline policies). */
  resource: string;
  type: string;
  statement: number;
  reason: string;
}

interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

interface PolicyDocument {
  Statement?: Statement[] | Statement;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The policy documents a resource grants from (not trust policies: those name principals). */
function documentsOf(type: string, properties: Record<string, unknown>): PolicyDocument[] {
  switch (type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [properties.PolicyDocument as PolicyDocument];
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return list(properties.Policies).map((p) => (p as { PolicyDocument: PolicyDocument }).PolicyDocument);
    default:
      return [];
  }
}

export function findWildcards(template: { Resources?: Resources }): WildcardFinding[] {
  const findings: WildcardFinding[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const document of documentsOf(resource.Type, resource.Properties ?? {})) {
      list(document?.Statement).forEach((raw, index) => {
        const statement = raw as Statement;
        if (statement.Effect !== 'Allow') return;
        const report = (reason: string) =>
          findings.push({ resource: logicalId, type: resource.Type, statement: index, reason });
        if (statement.NotAction !== undefined) report('Allow with NotAction grants everything else');
        if (statement.NotResource !== undefined) report('Allow with NotResource grants everything else');
        const actions = list(statement.Action);
        for (const action of actions) {
          if (action === '*') report('Action "*"');
          else if (typeof action === 'string' && /^[a-z0-9-]+:\*$/i.test(action)) {
            report(`Action "${action}" grants the whole service`);
          }
        }
        if (list(statement.Resource).includes('*')) {
          const scoped = actions.filter((a) => typeof a !== 'string' || !RESOURCELESS_ACTIONS.has(a));
          if (scoped.length > 0) {
            report(`Resource "*" for ${scoped.map(String).join(', ')}, which can be scoped to resources`);
          }
        }
      });
    }
  }
  return findings;
}
