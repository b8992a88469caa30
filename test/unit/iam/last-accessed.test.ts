import { describe, expect, it } from 'vitest';
import {
  isServiceLastAccessed,
  principalFromFileName,
  toServiceLastAccessed,
} from '#core/iam/last-accessed.ts';
import { roleArn, userArn } from '#test/helpers/builders.ts';

describe('principalFromFileName', () => {
  it.each([
    [`${encodeURIComponent(roleArn('app'))}.json`, roleArn('app')],
    [`${encodeURIComponent(userArn('alice'))}.JSON`, userArn('alice')],
    [`${encodeURIComponent(roleArn('app', '/team/'))}.json`, roleArn('app', '/team/')],
    [
      encodeURIComponent('arn:aws-cn:iam::111111111111:role/x'),
      'arn:aws-cn:iam::111111111111:role/x',
    ],
  ])('reads the principal from %s', (fileName, expected) => {
    // Arrange
    const name = fileName;

    // Act
    const arn = principalFromFileName(name);

    // Assert
    expect(arn).toBe(expected);
  });

  it.each([
    ['last-accessed.json'],
    [`${encodeURIComponent('arn:aws:iam::111111111111:group/devs')}.json`],
    [`${encodeURIComponent('arn:aws:iam::1111:role/short-account')}.json`],
    [`${encodeURIComponent('arn:aws:s3:::bucket')}.json`],
    ['arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx%ZZ.json'],
    [`${encodeURIComponent('arn:aws:iam::111111111111:role/')}.json`],
  ])('finds no principal in %s', (fileName) => {
    // Arrange
    const name = fileName;

    // Act
    const arn = principalFromFileName(name);

    // Assert
    expect(arn).toBeUndefined();
  });

  it('reads the principal from a gzipped file name without keeping the extension', () => {
    // Arrange: ExportDirectory accepts .json.gz for every JSON export
    const name = `${encodeURIComponent(roleArn('app'))}.json.gz`;

    // Act
    const arn = principalFromFileName(name);

    // Assert
    expect(arn).toBe(roleArn('app'));
  });
});

describe('isServiceLastAccessed', () => {
  it.each([
    [{ JobStatus: 'COMPLETED', ServicesLastAccessed: [] }, true],
    [{ JobId: 'x' }, false],
    [{ ServicesLastAccessed: 'no' }, false],
    [null, false],
  ])('recognises %j: %s', (value, expected) => {
    // Arrange
    const input: unknown = value;

    // Act
    const result = isServiceLastAccessed(input);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('toServiceLastAccessed', () => {
  it('keeps each service with its namespace and the dates it has, skipping nameless entries', () => {
    // Arrange
    const value = {
      JobStatus: 'COMPLETED',
      ServicesLastAccessed: [
        {
          ServiceName: 'Amazon S3',
          ServiceNamespace: 's3',
          LastAuthenticated: '2026-11-01T00:00:00Z',
          LastAuthenticatedEntity: roleArn('app'),
          TotalAuthenticatedEntities: 1,
        },
        { ServiceName: 'Amazon EC2', ServiceNamespace: 'ec2', TotalAuthenticatedEntities: 0 },
        { ServiceName: 'no namespace' },
        null,
      ],
    };

    // Act
    const result = toServiceLastAccessed(value, roleArn('app'));

    // Assert
    expect(result).toEqual({
      principalArn: roleArn('app'),
      services: [
        {
          namespace: 's3',
          name: 'Amazon S3',
          lastAuthenticated: '2026-11-01T00:00:00Z',
          lastAuthenticatedEntity: roleArn('app'),
        },
        { namespace: 'ec2', name: 'Amazon EC2' },
      ],
    });
  });
});
