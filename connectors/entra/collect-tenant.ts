/**
 * Inventories a Microsoft Entra tenant's non-human identities through Microsoft Graph: every
 * service principal (applications, managed identities, agent identities, legacy), with the
 * credentials of its app registration, owners and sponsors, application permissions resolved to
 * names, delegated grants, directory roles and last sign-ins.
 *
 * Order and cost: tenant-wide listings first (service principals, agent identities, applications,
 * delegated grants, role assignments, the two beta sign-in reports), then one `$batch` fan-out for
 * the per-object relationships (owners, app role assignments, sponsors), then the resources'
 * appRoles and the owners' accounts, each read once. Per service principal that is 2 to 4 batch
 * items; Graph's identity budget is 3,500 to 8,000 resource units per 10 s per app and tenant, so
 * large tenants see 429s, which are retried after `Retry-After`.
 * @see ../shared/reference/entra-graph.md (A.1 to A.5)
 *
 * Application permissions needed (all read-only, admin consent): Application.Read.All,
 * Directory.Read.All (oauth2PermissionGrants; also covers users' accountEnabled and agent users),
 * RoleManagement.Read.Directory, AuditLog.Read.All (the sign-in activity reports and agent users'
 * signInActivity, which also need Entra ID P1/P2). Without any of them the scan goes on and records a coverage gap.
 */
import type { AppRoleAssignment, OAuth2PermissionGrant } from '@microsoft/microsoft-graph-types';
import type { GraphClient } from '#connectors/entra/graph-client.ts';
import {
  type BatchRequest,
  type BatchResponse,
  batch,
  batchError,
  classifyGraph,
  describeGraph,
  type GraphPage,
  graphErrorCode,
  graphStatus,
  guardGraph,
  listAll,
} from '#connectors/entra/graph-fetch.ts';
import {
  isAgentIdentity,
  later,
  normalizeGraphDate,
  type RawAgentUser,
  type RawApplication,
  type RawCredentialSignIn,
  type RawDirectoryObject,
  type RawRoleAssignment,
  type RawServicePrincipal,
  type RawServicePrincipalSignIn,
  type ResourceApi,
  toAgentUser,
  toAppPermission,
  toCredentials,
  toDelegatedGrant,
  toDirectoryRole,
  toFederatedCredentials,
  toPersonRef,
  toServicePrincipal,
  toSignIn,
} from '#connectors/entra/shape.ts';
import { readServicePrincipalSignIns } from '#connectors/entra/sign-in-logs.ts';
import type { GapRecorder } from '#connectors/shared/coverage.ts';
import { ConnectorError } from '#connectors/shared/errors.ts';
import type {
  EntraAgentUser,
  EntraInventory,
  EntraPersonRef,
  EntraServicePrincipal,
} from '#core/entra/model.ts';
import type { CoverageGap } from '#core/model/coverage-gap.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** Options of {@link collectTenant}. */
export interface CollectTenantOptions {
  tenantId: string;
  gaps: GapRecorder;
  issues: InputIssue[];
  /** `$batch` requests in flight at once (20 items each). Default 4. */
  concurrency?: number;
  /** One line per step, for a person watching. Counts only; never tokens or secrets. */
  log?: (line: string) => void;
  /**
   * Also read the last 30 days of service principal sign-in logs (beta auditLogs/signIns,
   * AuditLog.Read.All), a fallback to the sign-in activity report: the latest successful sign-in
   * per appId raises `signIn.lastSignIn`. Slow on busy tenants (reports allow 5 requests per
   * 10 s). Default off.
   */
  signInLogs?: boolean;
}

/** The sign-in log window: the longest retention (P1/P2, 30 days). */
const SIGN_IN_LOG_DAYS = 30;

// $select keeps pages small; `keyCredentials.key` and `passwordCredentials.secretText` are never
// returned by list calls anyway.
const SP_SELECT = [
  'id',
  'appId',
  'displayName',
  'servicePrincipalType',
  'accountEnabled',
  'tags',
  'appOwnerOrganizationId',
  'passwordCredentials',
  'keyCredentials',
].join(',');
const APP_SELECT = 'id,appId,displayName,passwordCredentials,keyCredentials';
const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled';
const AGENT_USER_SELECT =
  'id,userPrincipalName,displayName,accountEnabled,identityParentId,createdDateTime';

/**
 * Reads the tenant's non-human identities. Denied or unavailable calls become coverage gaps in
 * `options.gaps` and the scan goes on; bad records become `options.issues`.
 * @throws ConnectorError on a failure that is neither (a bug, or Graph answering nonsense)
 */
export async function collectTenant(
  client: GraphClient,
  options: CollectTenantOptions,
): Promise<EntraInventory> {
  const { gaps, issues } = options;
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 4;
  // Each listing on its own: a denied one is a gap (undefined) and the others still count.
  const list = <T extends { id?: string }>(api: string, path: string) =>
    guardGraph(gaps, api, () => listAll<T>(client, path));

  // Tenant-wide listings, independent of each other, so they run side by side. One listing of
  // grants and of role assignments is far cheaper than one request per principal.
  const [rawSps, agents, apps, grants, roleAssignments, spSignIns, credSignIns, agentUserList] =
    await Promise.all([
      list<RawServicePrincipal>(
        'GET /servicePrincipals',
        `/servicePrincipals?$select=${SP_SELECT}&$top=999`,
      ),
      // $select on the base collection cannot name agentIdentity's own properties; the cast
      // returns agent identities only, with them (page size at most 100).
      list<RawServicePrincipal>(
        'GET /servicePrincipals/microsoft.graph.agentIdentity',
        '/servicePrincipals/microsoft.graph.agentIdentity?$select=id,agentIdentityBlueprintId,createdDateTime&$top=100',
      ),
      list<RawApplication>(
        'GET /applications',
        `/applications?$select=${APP_SELECT}&$expand=federatedIdentityCredentials&$top=999`,
      ),
      list<OAuth2PermissionGrant>('GET /oauth2PermissionGrants', '/oauth2PermissionGrants'),
      list<RawRoleAssignment>(
        'GET /roleManagement/directory/roleAssignments',
        '/roleManagement/directory/roleAssignments?$expand=roleDefinition',
      ),
      // beta only; reports are limited to 5 requests per 10 s per app and tenant.
      list<RawServicePrincipalSignIn>(
        'GET /beta/reports/servicePrincipalSignInActivities',
        '/beta/reports/servicePrincipalSignInActivities',
      ),
      list<RawCredentialSignIn>(
        'GET /beta/reports/appCredentialSignInActivities',
        '/beta/reports/appCredentialSignInActivities',
      ),
      listAgentUsers(client, gaps),
    ]);

  const sps: EntraServicePrincipal[] = [];
  const byId = new Map<string, EntraServicePrincipal>();
  // Pages re-read after an expired page token are already deduplicated; this guards a listing
  // that changed between pages.
  for (const raw of rawSps ?? []) {
    const sp = toServicePrincipal(raw, issues);
    if (!sp || byId.has(sp.id)) continue;
    sps.push(sp);
    byId.set(sp.id, sp);
  }
  for (const a of agents ?? []) {
    const sp = a.id ? byId.get(a.id) : undefined;
    if (!sp) continue;
    sp.servicePrincipalType = 'ServiceIdentity';
    sp.odataType ??= '#microsoft.graph.agentIdentity';
    if (a.agentIdentityBlueprintId) sp.agentIdentityBlueprintId = a.agentIdentityBlueprintId;
    const created = normalizeGraphDate(a.createdDateTime);
    if (created) sp.createdDateTime = created;
  }
  const agentUsers = agentUserList.users && shapeAgentUsers(agentUserList.users, issues);
  log(
    `Entra ${options.tenantId}: ${sps.length} service principals, ${agents?.length ?? 0} agent identities, ${agentUsers?.length ?? 0} agent users, ${apps?.length ?? 0} applications`,
  );

  // An appId has one service principal per tenant; the registration's credentials and
  // federated trusts are that principal's (multi-tenant apps registered elsewhere have none here).
  const byAppId = new Map<string, EntraServicePrincipal>();
  for (const sp of sps) byAppId.set(sp.appId, sp);
  for (const app of apps ?? []) {
    const sp = app.appId ? byAppId.get(app.appId) : undefined;
    if (!sp || !app.id) continue;
    sp.applicationId = app.id;
    sp.credentials.push(
      ...toCredentials(app, 'application', { file: 'GET /applications', location: app.id }, issues),
    );
    sp.federatedCredentials.push(...toFederatedCredentials(app.federatedIdentityCredentials));
  }

  // Per-principal relationships, then what they point at: resources' appRoles (to name app
  // permissions) and owners' and sponsors' accounts (to tell disabled and deleted people).
  const fanOut = await fetchRelationships(client, sps, { gaps, concurrency });
  const resources = await readResources(client, fanOut.assignments, byId, { gaps, concurrency });
  for (const [spId, assignments] of fanOut.assignments) {
    const sp = byId.get(spId)!;
    for (const a of assignments) {
      const p = toAppPermission(a, a.resourceId ? resources.get(a.resourceId) : undefined, issues);
      if (p) sp.appPermissions.push(p);
    }
  }
  await resolvePeople(client, fanOut, byId, { gaps, concurrency });

  // Grants name the client and resource by service principal id; the resource is in the listing.
  for (const g of grants ?? []) {
    const sp = g.clientId ? byId.get(g.clientId) : undefined;
    if (!sp) continue;
    const resource = g.resourceId ? byId.get(g.resourceId) : undefined;
    const grant = toDelegatedGrant(g, resource?.displayName);
    if (!grant) continue;
    if (resource) grant.resourceAppId = resource.appId;
    sp.delegatedGrants.push(grant);
  }
  // The listing holds users' and groups' roles too; only principals in the inventory matter.
  for (const a of roleAssignments ?? []) {
    const sp = a.principalId ? byId.get(a.principalId) : undefined;
    const role = sp ? toDirectoryRole(a) : undefined;
    if (sp && role) sp.directoryRoles.push(role);
  }
  // Sign-in reports key by appId; keep the latest of each kind should Graph repeat an appId.
  for (const s of spSignIns ?? []) {
    const sp = s.appId ? byAppId.get(s.appId) : undefined;
    if (!sp) continue;
    const next = toSignIn(s);
    const prev = sp.signIn ?? {};
    const merged: NonNullable<EntraServicePrincipal['signIn']> = {};
    for (const k of ['lastSignIn', 'lastAppOnlySignIn', 'lastDelegatedSignIn'] as const) {
      const v = later(prev[k], next[k]);
      if (v) merged[k] = v;
    }
    sp.signIn = merged;
  }
  applyCredentialSignIns(sps, credSignIns ?? []);

  // Optional, last: the sign-in logs, a fallback and complement to the sign-in report. A log
  // entry never replaces a later sign-in already known.
  let signInLogsComplete = false;
  if (options.signInLogs) {
    const to = new Date();
    const from = new Date(to.getTime() - SIGN_IN_LOG_DAYS * 86_400_000);
    const logs = await readServicePrincipalSignIns(client, { from, to, gaps, log });
    for (const [appId, s] of logs) {
      const sp = byAppId.get(appId);
      if (!sp || !s.lastSignIn) continue;
      sp.signIn = { ...sp.signIn, lastSignIn: later(sp.signIn?.lastSignIn, s.lastSignIn)! };
    }
    signInLogsComplete = logs.complete;
  }

  log(
    `Entra ${options.tenantId}: relationships read (${gaps.gaps.filter((g) => g.provider === 'entra').length} coverage gaps)`,
  );
  return {
    tenantId: options.tenantId,
    servicePrincipals: sps,
    // Graph activity logs come from Log Analytics, read by another connector.
    activityLogs: false,
    // Without the credential report, a credential with no lastSignIn is unknown, not unused.
    credentialActivity: credSignIns !== undefined,
    // Without the sign-in report (or complete sign-in logs), a principal with no sign-in is
    // unknown, not unused.
    signInActivity: spSignIns !== undefined || signInLogsComplete,
    ...(agentUsers ? { agentUsers, agentUserSignInActivity: agentUserList.signInActivity } : {}),
  };
}

function shapeAgentUsers(raw: RawAgentUser[], issues: InputIssue[]): EntraAgentUser[] {
  const out = new Map<string, EntraAgentUser>();
  for (const r of raw) {
    const u = toAgentUser(r, issues);
    if (u && !out.has(u.id)) out.set(u.id, u);
  }
  return [...out.values()];
}

/**
 * Lists agent users (`agentUser`, a user type of Entra Agent ID). `signInActivity` needs
 * AuditLog.Read.All (and Entra ID P1/P2): when the `$select` naming it is refused, the listing
 * is read again without it and a gap says so. A 400, 401, 403 or 404 of the listing itself (no
 * permission, or a cloud without Agent ID) is a gap; throttling and outages go as in `list()`.
 * Sponsors of agent users are not read.
 */
async function listAgentUsers(
  client: GraphClient,
  gaps: GapRecorder,
): Promise<{ users: RawAgentUser[] | undefined; signInActivity: boolean }> {
  const api = 'GET /users/microsoft.graph.agentUser';
  const path = (select: string) => `/users/microsoft.graph.agentUser?$select=${select}&$top=100`;
  const refusal = (err: unknown) => {
    const status = graphStatus(err);
    if (status === undefined || ![400, 401, 403, 404].includes(status)) return undefined;
    return {
      reason:
        status === 401 || status === 403 ? ('access-denied' as const) : ('unsupported' as const),
      detail: describeGraph(
        status,
        graphErrorCode(err),
        err instanceof Error ? err.message : String(err),
      ),
    };
  };
  let refused: ReturnType<typeof refusal>;
  const full = await guardGraph(gaps, api, async () => {
    try {
      return await listAll<RawAgentUser>(client, path(`${AGENT_USER_SELECT},signInActivity`));
    } catch (err) {
      refused = refusal(err);
      if (refused) return undefined;
      throw err;
    }
  });
  if (full) return { users: full, signInActivity: true };
  // Not refused: guardGraph recorded the gap (throttled or unavailable after retries).
  if (!refused) return { users: undefined, signInActivity: false };
  const first = refused;
  const users = await guardGraph(gaps, api, async () => {
    try {
      return await listAll<RawAgentUser>(client, path(AGENT_USER_SELECT));
    } catch (err) {
      const again = refusal(err);
      if (!again) throw err;
      gaps.add({ provider: 'entra', api, ...again });
      return undefined;
    }
  });
  if (users)
    gaps.add({
      provider: 'entra',
      api: `${api} (signInActivity)`,
      reason: first.reason,
      detail: `agent users listed without signInActivity (needs AuditLog.Read.All and Entra ID P1/P2): ${first.detail}`,
    });
  return { users, signInActivity: false };
}

/**
 * Credential sign-ins match by keyId: a GUID Entra assigns to each credential, unique across
 * the application and service principal credentials alike.
 */
function applyCredentialSignIns(
  sps: EntraServicePrincipal[],
  activities: RawCredentialSignIn[],
): void {
  const byKey = new Map<string, EntraServicePrincipal['credentials'][number]>();
  for (const sp of sps) for (const c of sp.credentials) byKey.set(c.keyId, c);
  for (const a of activities) {
    const cred = a.keyId ? byKey.get(a.keyId) : undefined;
    const when = normalizeGraphDate(a.signInActivity?.lastSignInDateTime);
    if (cred && when) cred.lastSignIn = later(cred.lastSignIn, when)!;
  }
}

/** What the fan-out read per service principal. */
interface Relationships {
  assignments: Map<string, AppRoleAssignment[]>;
  owners: Map<
    string,
    { obj: RawDirectoryObject & { id: string }; of: 'application' | 'servicePrincipal' }[]
  >;
  sponsors: Map<string, (RawDirectoryObject & { id: string })[]>;
}

type RelationKind = 'owners' | 'appOwners' | 'assignments' | 'sponsors';

/** Batch items whose failures are folded into one gap per API (not one per object). */
class BatchGaps {
  private readonly seen = new Map<
    string,
    {
      reason: CoverageGap['reason'];
      count: number;
      first: string;
      detail: string;
    }
  >();

  constructor(private readonly gaps: GapRecorder) {}

  /**
   * Judges one batch answer: true when it holds data; a denial, an unsupported call or a give-up
   * is counted for a gap; a 404 (the object went away mid-scan) is skipped.
   * @throws ConnectorError for anything else
   */
  ok(api: string, objectId: string, r: BatchResponse): boolean {
    if (r.status >= 200 && r.status < 300) return true;
    const { code, message } = batchError(r);
    const kind = classifyGraph(r.status, code, message);
    if (kind === 'not-found') return false;
    // Throttling or unavailability reaching here outlasted the batch retries.
    const reasons: Partial<Record<typeof kind, CoverageGap['reason']>> = {
      'access-denied': 'access-denied',
      unsupported: 'unsupported',
      throttled: 'failed',
      transient: 'failed',
    };
    const reason = reasons[kind];
    if (!reason)
      throw new ConnectorError(
        `${api} for ${objectId} failed: ${describeGraph(r.status, code, message)}`,
        api,
      );
    const entry = this.seen.get(api);
    if (entry) entry.count++;
    else
      this.seen.set(api, {
        reason,
        count: 1,
        first: objectId,
        detail: describeGraph(r.status, code, message),
      });
    return false;
  }

  /** Records the folded gaps. */
  flush(): void {
    for (const [api, e] of this.seen)
      this.gaps.add({
        provider: 'entra',
        api,
        reason: e.reason,
        detail: `${e.reason === 'failed' ? 'gave up after retries: ' : ''}${e.detail} (${e.count} object${e.count === 1 ? '' : 's'}, first ${e.first})`,
      });
    this.seen.clear();
  }
}

/** Reads owners, app role assignments and (agent identities) sponsors through `$batch`. */
async function fetchRelationships(
  client: GraphClient,
  sps: EntraServicePrincipal[],
  o: { gaps: GapRecorder; concurrency: number },
): Promise<Relationships> {
  const requests: (BatchRequest & { sp: EntraServicePrincipal; kind: RelationKind })[] = [];
  sps.forEach((sp, i) => {
    requests.push({ id: `o${i}`, url: `/servicePrincipals/${sp.id}/owners`, sp, kind: 'owners' });
    requests.push({
      id: `a${i}`,
      url: `/servicePrincipals/${sp.id}/appRoleAssignments`,
      sp,
      kind: 'assignments',
    });
    if (sp.applicationId)
      requests.push({
        id: `p${i}`,
        url: `/applications/${sp.applicationId}/owners`,
        sp,
        kind: 'appOwners',
      });
    if (isAgentIdentity(sp))
      requests.push({
        id: `s${i}`,
        url: `/servicePrincipals/${sp.id}/sponsors`,
        sp,
        kind: 'sponsors',
      });
  });
  const answers = await batch(client, requests, { concurrency: o.concurrency });
  const out: Relationships = { assignments: new Map(), owners: new Map(), sponsors: new Map() };
  const failures = new BatchGaps(o.gaps);
  const api: Record<RelationKind, string> = {
    owners: 'GET /servicePrincipals/{id}/owners',
    appOwners: 'GET /applications/{id}/owners',
    assignments: 'GET /servicePrincipals/{id}/appRoleAssignments',
    sponsors: 'GET /servicePrincipals/{id}/sponsors',
  };
  await Promise.all(
    requests.map(async (req, i) => {
      const r = answers[i]!;
      if (!failures.ok(api[req.kind], req.sp.id, r)) return;
      // A relationship longer than one page continues outside the batch.
      const items = await guardGraph(o.gaps, api[req.kind], () =>
        listAll<RawDirectoryObject & AppRoleAssignment & { id: string }>(client, req.url, {
          firstPage: r.body as GraphPage<RawDirectoryObject & AppRoleAssignment & { id: string }>,
        }),
      );
      if (!items) return;
      if (req.kind === 'assignments') out.assignments.set(req.sp.id, items);
      else if (req.kind === 'sponsors') out.sponsors.set(req.sp.id, items);
      else {
        const of = req.kind === 'owners' ? 'servicePrincipal' : 'application';
        const list = out.owners.get(req.sp.id) ?? [];
        for (const obj of items) list.push({ obj, of });
        out.owners.set(req.sp.id, list);
      }
    }),
  );
  failures.flush();
  return out;
}

/** Reads each resource API's appRoles once, to name app role assignments. */
async function readResources(
  client: GraphClient,
  assignments: Map<string, AppRoleAssignment[]>,
  byId: Map<string, EntraServicePrincipal>,
  o: { gaps: GapRecorder; concurrency: number },
): Promise<Map<string, ResourceApi>> {
  const ids = new Set<string>();
  for (const list of assignments.values())
    for (const a of list) if (a.resourceId) ids.add(a.resourceId);
  const wanted = [...ids];
  const answers = await batch(
    client,
    wanted.map((id, i) => ({
      id: `r${i}`,
      url: `/servicePrincipals/${id}?$select=id,appId,displayName,appRoles`,
    })),
    { concurrency: o.concurrency },
  );
  const failures = new BatchGaps(o.gaps);
  const out = new Map<string, ResourceApi>();
  answers.forEach((r, i) => {
    const id = wanted[i]!;
    if (!failures.ok('GET /servicePrincipals/{id}', id, r)) return;
    const body = r.body as {
      appId?: string;
      displayName?: string;
      appRoles?: ResourceApi['appRoles'];
    };
    out.set(id, {
      id,
      ...(body.appId ? { appId: body.appId } : {}),
      displayName: body.displayName ?? byId.get(id)?.displayName ?? id,
      appRoles: body.appRoles ?? [],
    });
  });
  failures.flush();
  return out;
}

/** Attaches owners and sponsors, looking up each user once for `accountEnabled` (404: deleted). */
async function resolvePeople(
  client: GraphClient,
  rel: Relationships,
  byId: Map<string, EntraServicePrincipal>,
  o: { gaps: GapRecorder; concurrency: number },
): Promise<void> {
  // `accountEnabled` is not among a user's default properties, which is all `/owners` returns,
  // so each person is read once, however many principals they own or sponsor (a few hundred
  // lookups for 10,000 principals). An owner without a type is treated as a user to find out.
  const users = new Set<string>();
  const collect = (obj: RawDirectoryObject & { id: string }) => {
    const t = obj['@odata.type'];
    if (t === '#microsoft.graph.user' || t === '#microsoft.graph.agentUser' || t === undefined)
      users.add(obj.id);
  };
  for (const list of rel.owners.values()) for (const { obj } of list) collect(obj);
  for (const list of rel.sponsors.values()) for (const obj of list) collect(obj);
  const ids = [...users];
  const answers = await batch(
    client,
    ids.map((id, i) => ({ id: `u${i}`, url: `/users/${id}?$select=${USER_SELECT}` })),
    { concurrency: o.concurrency },
  );
  const failures = new BatchGaps(o.gaps);
  // null: the user no longer exists; absent: could not be read.
  const lookups = new Map<string, RawDirectoryObject | null>();
  answers.forEach((r, i) => {
    const id = ids[i]!;
    if (r.status === 404) lookups.set(id, null);
    else if (failures.ok('GET /users/{id}', id, r)) lookups.set(id, r.body as RawDirectoryObject);
  });
  failures.flush();

  const ref = (obj: RawDirectoryObject & { id: string }): EntraPersonRef => {
    if (users.has(obj.id)) return toPersonRef(obj, lookups.get(obj.id));
    const person = toPersonRef(obj);
    // A service principal owner: its state is already known from the listing.
    const sp = byId.get(obj.id);
    if (sp && person.type === 'servicePrincipal') {
      person.accountEnabled = sp.accountEnabled;
      person.displayName ??= sp.displayName;
    }
    return person;
  };
  for (const [spId, list] of rel.owners) {
    const sp = byId.get(spId)!;
    const merged = new Map<string, EntraPersonRef>();
    for (const { obj, of } of list) {
      const existing = merged.get(obj.id);
      if (existing) {
        if (!existing.ownerOf?.includes(of)) existing.ownerOf = [...(existing.ownerOf ?? []), of];
        continue;
      }
      merged.set(obj.id, { ...ref(obj), ownerOf: [of] });
    }
    sp.owners = [...merged.values()];
  }
  for (const [spId, list] of rel.sponsors) byId.get(spId)!.sponsors = list.map(ref);
}
