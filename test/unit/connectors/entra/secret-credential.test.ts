import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ENTRA_SECRET_PLACEHOLDER,
  graphOptionsFromSecret,
  readEntraCredential,
} from '#connectors/entra/secret-credential.ts';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:leash/entra-AbCdEf';
const TENANT = '00000000-0000-0000-0000-0000000000aa';
const CLIENT = '11111111-2222-3333-4444-000000000001';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

function serviceError(name: string): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: 'client',
    $metadata: {},
    message: name,
  });
}

const read = () =>
  readEntraCredential(new SecretsManagerClient({ region: 'us-east-1' }), SECRET_ID);

describe('readEntraCredential', () => {
  it('returns a client-secret credential', async () => {
    // Arrange
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ tenantId: TENANT, clientId: CLIENT, clientSecret: 's' }),
    });

    // Act
    const result = await read();

    // Assert
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(graphOptionsFromSecret(result.secret)).toEqual({
        tenantId: TENANT,
        clientId: CLIENT,
        auth: { kind: 'secret', secret: 's' },
      });
  });

  it('returns a certificate credential with a national cloud', async () => {
    // Arrange
    const pem = '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n';
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        tenantId: TENANT,
        clientId: CLIENT,
        certificatePem: pem,
        authorityHost: 'https://login.microsoftonline.us',
        graphBaseUrl: 'https://graph.microsoft.us',
      }),
    });

    // Act
    const result = await read();

    // Assert
    if (!result.ok) throw new Error(result.gap.detail);
    expect(graphOptionsFromSecret(result.secret)).toMatchObject({
      auth: { kind: 'certificate', certificatePem: pem },
      authorityHost: 'https://login.microsoftonline.us',
      graphBaseUrl: 'https://graph.microsoft.us',
    });
  });

  it.each([
    ['the placeholder', ENTRA_SECRET_PLACEHOLDER, 'still holds the placeholder'],
    ['an empty value', '  ', 'holds no text value'],
    [
      'both a client secret and a certificate',
      JSON.stringify({
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: 's',
        certificatePem: '-----BEGIN PRIVATE KEY-----',
      }),
      'give exactly one of clientSecret and certificatePem',
    ],
    [
      'an http authority',
      JSON.stringify({
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: 's',
        authorityHost: 'http://login.example',
      }),
      'authorityHost',
    ],
  ])('records a gap for %s', async (_, value, text) => {
    // Arrange
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });

    // Act
    const result = await read();

    // Assert
    if (result.ok) throw new Error('expected a gap');
    expect(result.gap).toMatchObject({ provider: 'entra', reason: 'unsupported' });
    expect(result.gap.detail).toContain(text);
    expect(result.gap.detail).toContain('put-secret-value');
  });

  it('records an access-denied gap when the role may not read the secret or its key', async () => {
    for (const name of ['AccessDeniedException', 'DecryptionFailure']) {
      // Arrange
      sm.reset();
      sm.on(GetSecretValueCommand).rejects(serviceError(name));

      // Act
      const result = await read();

      // Assert
      if (result.ok) throw new Error('expected a gap');
      expect(result.gap.reason).toBe('access-denied');
      expect(result.gap.detail).toContain(name);
    }
  });

  it('records a gap when the secret has no value yet', async () => {
    // Arrange
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({ $metadata: {}, message: 'no AWSCURRENT' }),
    );

    // Act
    const result = await read();

    // Assert
    if (result.ok) throw new Error('expected a gap');
    expect(result.gap.detail).toContain('does not exist or has no value yet');
  });

  it('throws other failures, so the step is retried', async () => {
    // Arrange
    sm.on(GetSecretValueCommand).rejects(serviceError('InternalServiceError'));

    // Act / Assert
    await expect(read()).rejects.toThrow('InternalServiceError');
  });
});
