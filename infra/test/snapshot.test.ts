/**
 * The synthesized templates, snapshotted so every change to the deployment shows up in review as
 * a diff of `__snapshots__/snapshot.test.ts.snap` (update it with `npx vitest run infra -u` and
 * read the diff before committing). Synthesized without bundling, and with asset hashes replaced,
 * so the snapshot depends on the stack's definition only, not on the functions' source or the
 * machine that built it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseCustomDomain } from '../src/domain.ts';
import { MediaNestStack, type MediaNestStackProps } from '../src/stack.ts';

/** Asset hashes (64 hex) and the zip names built from them are the only machine-dependent parts. */
function normaliseTemplate(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/\b[0-9a-f]{64}\b/g, '<asset-hash>'));
}

function template(id: string, props: MediaNestStackProps): unknown {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return normaliseTemplate(Template.fromStack(new MediaNestStack(app, id, props)).toJSON());
}

describe('template snapshots', () => {
  it('normalises asset hashes and nothing else', () => {
    const hash = 'ab'.repeat(32);
    expect(normaliseTemplate({ S3Key: `${hash}.zip`, Name: `x${hash}`, Other: 'ab12' })).toEqual({
      S3Key: '<asset-hash>.zip',
      Name: `x${hash}`,
      Other: 'ab12',
    });
  });

  it('MediaNest-dev', () => {
    expect(template('MediaNest-dev', { stage: 'dev' })).toMatchSnapshot();
  });

  it('MediaNest-prod with a custom domain and an alarm address', () => {
    expect(
      template('MediaNest-prod', {
        stage: 'prod',
        alarmEmail: 'ops@example.com',
        domain: parseCustomDomain(
          'medianest.example.com',
          'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9',
        ),
      }),
    ).toMatchSnapshot();
  });
});
