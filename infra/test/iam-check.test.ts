import { describe, expect, it } from 'vitest';
import { findWildcards } from '../src/iam-check.ts';

const policy = (statements: unknown[], type = 'AWS::IAM::Policy') => ({
  Resources: {
    P: {
      Type: type,
      Properties:
        type === 'AWS::IAM::Role'
          ? {
              AssumeRolePolicyDocument: {},
              Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: statements } }],
            }
          : { PolicyDocument: { Statement: statements } },
    },
  },
});

const tableArn = { 'Fn::GetAtt': ['Table', 'Arn'] };

describe('findWildcards', () => {
  it('accepts actions and resources scoped by ARN, including CDK prefix wildcards', () => {
    expect(
      findWildcards(
        policy([
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
          },
          { Effect: 'Allow', Action: ['s3:GetObject*', 's3:List*'], Resource: 'arn:aws:s3:::bucket/*' },
        ]),
      ),
    ).toEqual([]);
  });

  it('reports "*" actions, whole-service actions and "*" resources, with where they are', () => {
    const findings = findWildcards(
      policy([
        { Effect: 'Allow', Action: '*', Resource: tableArn },
        { Effect: 'Allow', Action: 'kms:*', Resource: tableArn },
        { Effect: 'Allow', Action: ['sqs:SendMessage', 'xray:PutTraceSegments'], Resource: '*' },
      ]),
    );
    expect(findings).toEqual([
      { resource: 'P', type: 'AWS::IAM::Policy', statement: 0, reason: 'Action "*"' },
      {
        resource: 'P',
        type: 'AWS::IAM::Policy',
        statement: 1,
        reason: 'Action "kms:*" grants the whole service',
      },
      {
        resource: 'P',
        type: 'AWS::IAM::Policy',
        statement: 2,
        reason: 'Resource "*" for sqs:SendMessage, which can be scoped to resources',
      },
    ]);
  });

  it('reports NotAction / NotResource allows, and ignores Deny statements', () => {
    const findings = findWildcards(
      policy([
        { Effect: 'Allow', NotAction: 'iam:*', Resource: tableArn },
        { Effect: 'Allow', Action: 'dynamodb:GetItem', NotResource: tableArn },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ]),
    );
    expect(findings.map((f) => [f.statement, f.reason])).toEqual([
      [0, 'Allow with NotAction grants everything else'],
      [1, 'Allow with NotResource grants everything else'],
    ]);
  });

  it("walks a role's inline policies but not its trust policy", () => {
    const template = policy([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }], 'AWS::IAM::Role');
    (template.Resources.P.Properties as Record<string, unknown>).AssumeRolePolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    };
    expect(findWildcards(template)).toEqual([
      {
        resource: 'P',
        type: 'AWS::IAM::Role',
        statement: 0,
        reason: 'Resource "*" for s3:GetObject, which can be scoped to resources',
      },
    ]);
  });
});
