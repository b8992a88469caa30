/**
 * AWS clients for the handlers, created once per cold start and traced by X-Ray. Clients for a
 * scanned account come from assuming its scanner role: the Leash account is scanned through its
 * own scanner role too, so every account is read with exactly the same permissions.
 */
import { AwsClients } from '#connectors/aws/clients.ts';
import { assumeInto } from '#connectors/aws/organizations/collect-org.ts';
import { partitionOf } from '#connectors/aws/regions.ts';
import type { Settings } from '#functions/shared/config.ts';
import { tracer } from '#functions/shared/powertools.ts';

/**
 * Clients with the function's own credentials (its execution role), for the Leash bucket, table,
 * bus, topic and secret.
 */
export function ownClients(settings: Settings): AwsClients {
  return new AwsClients({
    homeRegion: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    instrument: (client) => tracer.captureAWSv3Client(client),
  });
}

/**
 * Clients acting as the scanner role of an account.
 * @throws AssumeRoleError when the role cannot be assumed (the member stack is missing, or
 *   trusts another principal)
 */
export function scannerClients(
  own: AwsClients,
  settings: Settings,
  accountId: string,
  sessionName: string,
): Promise<AwsClients> {
  return assumeInto(own, {
    accountId,
    roleName: settings.scannerRoleName,
    sessionName,
    partition: partitionOf(settings.region),
  });
}

/**
 * A client of a service `AwsClients` does not cover (DynamoDB, Secrets Manager, EventBridge,
 * SNS), with the function's own credentials, in its region, traced.
 * @param Client the SDK client class (`new SNSClient(config)`)
 */
export function ownClient<C>(
  settings: Settings,
  Client: new (config: { region: string; endpoint?: string }) => C,
): C {
  return tracer.captureAWSv3Client(
    new Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    }),
  );
}
