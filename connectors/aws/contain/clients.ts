/**
 * Credentials of AWS containment: clients that act in the target account as Leash's containment
 * role (`leash/leash-containment`, deployed in every account by cdk/constructs/account-roles.ts
 * and assumable only by the apply-containment Lambda's role). Tests pass a factory that returns
 * moto clients instead.
 */
import type { AwsClients } from '#connectors/aws/clients.ts';
import { assumeInto } from '#connectors/aws/organizations/collect-org.ts';

/** Clients acting in an account, for containment there. */
export type ContainmentClientsFactory = (accountId: string) => Promise<AwsClients>;

/** Options of {@link assumeContainmentRole}. */
export interface ContainmentRoleOptions {
  /** Path and name of the role to assume in the target account, e.g. `leash/leash-containment`. */
  roleName: string;
  /** Shown in the target account's CloudTrail (2 to 64 characters). */
  sessionName?: string;
  partition?: string;
}

/**
 * A factory that assumes the containment role in each target account with the credentials of
 * `base`, once per account (the credentials renew themselves; see `assumeInto`). A failed
 * assumption is not cached, so the next request tries again.
 *
 * Calls: `sts:AssumeRole` on `arn:<partition>:iam::<account>:role/<roleName>`.
 */
export function assumeContainmentRole(
  base: AwsClients,
  options: ContainmentRoleOptions,
): ContainmentClientsFactory {
  const cache = new Map<string, Promise<AwsClients>>();
  return (accountId) => {
    let clients = cache.get(accountId);
    if (!clients) {
      clients = assumeInto(base, {
        accountId,
        roleName: options.roleName,
        sessionName: options.sessionName ?? 'leash-containment',
        ...(options.partition ? { partition: options.partition } : {}),
      });
      cache.set(accountId, clients);
      clients.catch(() => cache.delete(accountId));
    }
    return clients;
  };
}
