import { CreateUserCommand, GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '#connectors/aws/clients.ts';
import { resetMoto, TEST_CREDENTIALS } from '#test/helpers/moto.ts';

const endpoint = inject('motoEndpoint');

describe('the moto server of the integration tests', () => {
  beforeEach(() => resetMoto(endpoint));

  it('serves IAM to the real SDK client on loopback', async () => {
    // Arrange
    const clients = new AwsClients({ endpoint, credentials: TEST_CREDENTIALS });
    await clients.iam().send(new CreateUserCommand({ UserName: 'smoke' }));
    // Act
    const out = await clients.iam().send(new GetAccountAuthorizationDetailsCommand({}));
    // Assert
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.UserDetailList?.map((u) => u.UserName)).toEqual(['smoke']);
    clients.destroy();
  });
});
