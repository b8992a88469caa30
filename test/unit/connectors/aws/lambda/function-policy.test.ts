import { describe, expect, it } from 'vitest';
import { parseInvokers } from '#connectors/aws/lambda/function-policy.ts';

const FN = 'arn:aws:lambda:us-east-1:111111111111:function:fn';

/** A function policy with the given statements. */
function policy(...statements: unknown[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

describe('parseInvokers', () => {
  it('reads a service principal with SourceArn and SourceAccount conditions', () => {
    // Arrange
    const doc = policy({
      Sid: 's3-invoke',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: FN,
      Condition: {
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::bucket' },
        StringEquals: { 'AWS:SourceAccount': '111111111111' },
      },
    });
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers).toEqual([
      {
        principal: 's3.amazonaws.com',
        action: 'lambda:InvokeFunction',
        sourceArn: 'arn:aws:s3:::bucket',
        sourceAccount: '111111111111',
        sid: 's3-invoke',
      },
    ]);
  });

  it('reads Principal "*" given as a plain string', () => {
    // Arrange
    const doc = policy({
      Sid: 'public',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunctionUrl',
    });
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers).toEqual([
      { principal: '*', action: 'lambda:InvokeFunctionUrl', sid: 'public' },
    ]);
  });

  it('yields one invoker per principal and action of {AWS: [...]} and Action arrays', () => {
    // Arrange
    const doc = policy({
      Effect: 'Allow',
      Principal: {
        AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:role/caller'],
      },
      Action: ['lambda:InvokeFunction', 'lambda:GetFunction'],
    });
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers.map((i) => `${i.principal} ${i.action}`)).toEqual([
      'arn:aws:iam::222222222222:root lambda:InvokeFunction',
      'arn:aws:iam::222222222222:root lambda:GetFunction',
      'arn:aws:iam::333333333333:role/caller lambda:InvokeFunction',
      'arn:aws:iam::333333333333:role/caller lambda:GetFunction',
    ]);
    expect(invokers[0]).not.toHaveProperty('sid');
  });

  it('turns a bare account id into the account root ARN of the partition', () => {
    // Arrange
    const doc = policy({
      Effect: 'Allow',
      Principal: { AWS: '444444444444' },
      Action: 'lambda:InvokeFunction',
    });
    // Act
    const invokers = parseInvokers(doc, 'aws-cn');
    // Assert
    expect(invokers[0]?.principal).toBe('arn:aws-cn:iam::444444444444:root');
  });

  it('reads condition keys in any case and under any operator, one invoker per value', () => {
    // Arrange
    const doc = policy({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Condition: {
        ArnEquals: {
          'aws:sourcearn': [
            'arn:aws:events:us-east-1:111111111111:rule/a',
            'arn:aws:events:us-east-1:111111111111:rule/b',
          ],
        },
        StringLike: { 'Aws:SourceAccount': '111111111111' },
        StringEquals: { 'aws:PrincipalOrgID': 'o-example' },
      },
    });
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers.map((i) => [i.sourceArn, i.sourceAccount])).toEqual([
      ['arn:aws:events:us-east-1:111111111111:rule/a', '111111111111'],
      ['arn:aws:events:us-east-1:111111111111:rule/b', '111111111111'],
    ]);
  });

  it('skips Deny statements and statements without a principal', () => {
    // Arrange
    const doc = policy(
      { Effect: 'Deny', Principal: '*', Action: 'lambda:InvokeFunction' },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction' },
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
      },
    );
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers).toEqual([{ principal: 'sns.amazonaws.com', action: 'lambda:InvokeFunction' }]);
  });

  it('accepts a single statement object instead of an array', () => {
    // Arrange
    const doc = JSON.stringify({
      Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'lambda:*' },
    });
    // Act
    const invokers = parseInvokers(doc);
    // Assert
    expect(invokers).toEqual([{ principal: '*', action: 'lambda:*' }]);
  });

  it('returns nothing for a policy without statements', () => {
    // Act + Assert
    expect(parseInvokers('{"Version":"2012-10-17"}')).toEqual([]);
  });

  it('throws on a policy that is not JSON', () => {
    // Act + Assert
    expect(() => parseInvokers('not json')).toThrow(SyntaxError);
  });
});
