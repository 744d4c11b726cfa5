/**
 * Critical properties issue 9 asks for, on stacks synthesized without bundling (fast): the
 * functions' environment and secrets, tracing, concurrency, narrow KMS/SSM grants, CloudFront's
 * security headers and `/api/*` behaviour, the optional custom domain.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { isSecretVariable } from '../../functions/src/secrets.ts';
import { parseCustomDomain } from '../src/domain.ts';
import { MediaNestStack, type MediaNestStackProps } from '../src/stack.ts';
import { contentSecurityPolicy, inlineScriptHashes } from '../src/web.ts';

// biome-ignore lint/suspicious/noExplicitAny: template properties are untyped CloudFormation JSON
type Resource = { Type: string; Properties: Record<string, any> };
type Json = { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };

function synth(props: Omit<MediaNestStackProps, 'stage'> & { stage?: 'dev' | 'prod' } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MediaNestStack(app, 'Hardening', { stage: 'dev', ...props });
  const json = Template.fromStack(stack).toJSON() as Json;
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as never);
  return { stack, json, ofType, logicalId };
}

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';

describe('functions', () => {
  const { stack, json, ofType, logicalId } = synth({ stage: 'prod' });
  const fn = (name: keyof typeof stack.functions.byName) =>
    json.Resources[logicalId(stack.functions.byName[name])]!.Properties;
  const names = Object.keys(stack.functions.byName) as (keyof typeof stack.functions.byName)[];

  it('get every variable the runtime reads, and the identity settings only by SSM path', () => {
    for (const name of names) {
      const env = fn(name).Environment.Variables as Record<string, unknown>;
      expect(Object.keys(env), name).toEqual(
        expect.arrayContaining([
          'MEDIANEST_TABLE',
          'MEDIANEST_BUCKET',
          'MEDIANEST_QUEUE_URL_JOBS',
          'MEDIANEST_DLQ_URL_JOBS',
          'MEDIANEST_KMS_KEY_ID',
          'MEDIANEST_WS_ENDPOINT',
          'MEDIANEST_WS_URL',
          'MEDIANEST_PUBLIC_URL',
        ]),
      );
      expect(env.MEDIANEST_MODE, name).toBe('saas');
      expect(JSON.stringify(env.MEDIANEST_PUBLIC_URL)).toContain(logicalId(stack.web.distribution));
      expect(JSON.stringify(env.MEDIANEST_WS_URL)).toMatch(/wss:\/\//);
      // No secret, and no identity setting, is ever a value in the template.
      for (const variable of Object.keys(env)) {
        expect(isSecretVariable(variable), `${name}: ${variable}`).toBe(false);
        expect(variable, name).not.toMatch(/SECRET(?!S_PATH)|PASSWORD|TOKEN/);
      }
    }
    expect(fn('http').Environment.Variables.MEDIANEST_SECRETS_PATH).toBe('/medianest/prod');
    for (const name of names.filter((n) => n !== 'http')) {
      expect(fn(name).Environment.Variables.MEDIANEST_SECRETS_PATH, name).toBeUndefined();
    }
  });

  it('are traced by X-Ray and emit metrics to the MediaNest namespace', () => {
    for (const name of names) {
      expect(fn(name).TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(fn(name).Environment.Variables.POWERTOOLS_METRICS_NAMESPACE, name).toBe('MediaNest');
    }
  });

  it('reserve no concurrency and provision none (scale to zero; see functions.ts)', () => {
    for (const name of names) expect(fn(name).ReservedConcurrentExecutions, name).toBeUndefined();
    expect(ofType('AWS::Lambda::Alias')).toEqual([]);
    expect(ofType('AWS::Lambda::Version')).toEqual([]);
    // The worker's own ceiling is its event source's.
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
  });

  const statementsOf = (roleOwner: keyof typeof stack.functions.byName) => {
    const roleId = stack.getLogicalId(stack.functions.byName[roleOwner].role!.node.defaultChild as never);
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
  };
  const actionsOf = (name: keyof typeof stack.functions.byName) =>
    statementsOf(name).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

  it('let only the API and the worker use the secrets key, for envelope encryption only (agent-default only opens)', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(stack.secrets.key), 'Arn'] };
    for (const name of names) {
      const kms = actionsOf(name).filter((a) => a.startsWith('kms:'));
      if (name === 'http' || name === 'worker') {
        expect(kms.sort(), name).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
        const statement = statementsOf(name).find((s) => JSON.stringify(s.Action).includes('kms:'));
        expect(statement?.Resource, name).toEqual(keyArn);
      } else if (name === 'agent-default') {
        // An offer to a household agent carries the household's Plex token, sealed at rest.
        expect(kms, name).toEqual(['kms:Decrypt']);
        const statement = statementsOf(name).find((s) => JSON.stringify(s.Action).includes('kms:'));
        expect(statement?.Resource, name).toEqual(keyArn);
      } else {
        expect(kms, name).toEqual([]);
      }
    }
  });

  it("let only the API read Parameter Store, and only its stage's path", () => {
    for (const name of names) {
      const ssm = actionsOf(name).filter((a) => a.startsWith('ssm:'));
      expect(ssm, name).toEqual(name === 'http' ? ['ssm:GetParametersByPath'] : []);
    }
    const statement = statementsOf('http').find((s) => s.Action === 'ssm:GetParametersByPath')!;
    expect(JSON.stringify(statement.Resource)).toMatch(/:parameter\/medianest\/prod"\]\]\}$/);
  });
});

describe('CloudFront', () => {
  const { stack, json, ofType, logicalId } = synth();
  const config = (ofType('AWS::CloudFront::Distribution')[0]![1] as Resource).Properties.DistributionConfig;
  const policyId = { Ref: logicalId(stack.web.securityHeaders) };

  it('sends security headers on the web app and on /api/*', () => {
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual(policyId);
    const api = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/api/*');
    expect(api.ResponseHeadersPolicyId).toEqual(policyId);
    const policy =
      json.Resources[logicalId(stack.web.securityHeaders)]!.Properties.ResponseHeadersPolicyConfig;
    expect(policy.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 730 * 24 * 3600,
        IncludeSubdomains: true,
        Preload: true,
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
      ContentSecurityPolicy: { Override: true },
    });
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' wss://");
    expect(csp).toContain(logicalId(stack.ws.api));
    expect(policy.CustomHeadersConfig.Items.map((h: { Header: string }) => h.Header)).toEqual([
      'Permissions-Policy',
      'Cross-Origin-Opener-Policy',
    ]);
  });

  it('never caches /api/* and forwards every viewer header but Host, every cookie and query string', () => {
    const api = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/api/*');
    // Managed-CachingDisabled: TTL 0, nothing in the cache key.
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    // Managed-AllViewerExceptHostHeader: all viewer headers except Host, all cookies, all query strings.
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    expect(api.AllowedMethods).toContain('POST');
    expect(api.Compress).toBe(true);
    // The static app is cached (Managed-CachingOptimized) and compressed.
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6');
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
  });

  it('serves a custom domain with its us-east-1 certificate when both are given', () => {
    const domain = parseCustomDomain('MediaNest.Example.com', CERT)!;
    const custom = synth({ domain });
    const dist = (custom.ofType('AWS::CloudFront::Distribution')[0]![1] as Resource).Properties
      .DistributionConfig;
    expect(dist.Aliases).toEqual(['medianest.example.com']);
    expect(dist.ViewerCertificate).toMatchObject({ AcmCertificateArn: CERT, SslSupportMethod: 'sni-only' });
    expect(custom.json.Outputs.Url!.Value).toBe('https://medianest.example.com');
    const http = custom.json.Resources[custom.logicalId(custom.stack.functions.byName.http)]!;
    expect(http.Properties.Environment.Variables.MEDIANEST_PUBLIC_URL).toBe('https://medianest.example.com');
  });

  it('refuses half a custom domain, a bad name and a certificate outside us-east-1', () => {
    expect(parseCustomDomain(undefined, undefined)).toBeUndefined();
    expect(parseCustomDomain('', '')).toBeUndefined();
    expect(() => parseCustomDomain('medianest.example.com', undefined)).toThrow(/go together/);
    expect(() => parseCustomDomain(undefined, CERT)).toThrow(/go together/);
    expect(() => parseCustomDomain('not a domain', CERT)).toThrow(/domainName/);
    expect(() => parseCustomDomain('medianest.example.com', CERT.replace('us-east-1', 'eu-west-1'))).toThrow(
      /us-east-1; this one is in eu-west-1/,
    );
    expect(() => parseCustomDomain('medianest.example.com', 'arn:aws:iam::123456789012:role/x')).toThrow(
      /certificateArn/,
    );
  });

  it("allows the app shell's own inline scripts by hash and nothing else inline", () => {
    const html =
      '<html><head><script>var a=1</script><script src="/x.js"></script><script> </script></head></html>';
    expect(inlineScriptHashes(html)).toEqual(["'sha256-WazVQOu5lmXfSreSrMJd1CsaQ4c00fUQpJfBYCuMSIw='"]);
    expect(contentSecurityPolicy('wss://ws.example', ["'sha256-abc='"])).toContain(
      "script-src 'self' 'sha256-abc='; style-src",
    );
  });
});
