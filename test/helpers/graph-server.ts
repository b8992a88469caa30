/**
 * A loopback server that speaks enough Microsoft Graph and Microsoft Entra OAuth 2.0 for the
 * integration tests and the benchmark: the real `@azure/identity` credentials and the real
 * `@microsoft/microsoft-graph-client` talk to it, so token requests, paging, `$batch`, throttling
 * and errors go through the same code as against graph.microsoft.com.
 *
 * Why HTTPS: MSAL (under `@azure/identity`) refuses an `http:` authority ("The authorityHost
 * address must use the 'https' protocol."), and the Graph client's AuthenticationHandler only
 * attaches the bearer token to `https://` URLs of Graph or of a configured custom host. The
 * server therefore serves TLS with a self-signed certificate made at start-up with node:crypto,
 * and the client trusts it through `createGraphClient({ ca })`.
 *
 * What MSAL fetches (found by trying, msal-node 5.6 under @azure/identity 4.13): with
 * `disableInstanceDiscovery: true`, first `GET /{tenantId}/v2.0/.well-known/openid-configuration`,
 * then `POST {token_endpoint}`. Without it, MSAL asks
 * `https://login.microsoftonline.com/common/discovery/instance` (the public cloud, never the
 * custom authority), so instance discovery must be disabled for a loopback authority.
 *
 * Fault switches (throttle, unavailable, deny, expirePageToken) act on top-level requests and on
 * `$batch` sub-requests alike, like Graph, which throttles each batch item on its own.
 */
import {
  constants,
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A Graph object as JSON. */
export type GraphObject = Record<string, unknown> & { id: string };

/** An app registration allowed to get tokens from the server. */
export interface TenantClient {
  clientId: string;
  /** A client secret (`ClientSecretCredential`). */
  secret?: string;
  /** PEM certificate whose key signs client assertions (`ClientCertificateCredential`). */
  certificatePem?: string;
  /** Federated trust: assertions whose `iss`/`sub` match (`ClientAssertionCredential`). */
  federated?: { issuer: string; subject: string; audience?: string };
}

/** Everything a tenant holds, as Graph returns it. Credentials' secret values are never stored. */
export interface GraphTenantData {
  tenantId: string;
  clients: TenantClient[];
  /** Every type; agent identities carry `@odata.type: '#microsoft.graph.agentIdentity'`. */
  servicePrincipals: GraphObject[];
  /** Applications; `federatedIdentityCredentials` are stored inline and served on request. */
  applications: GraphObject[];
  users: GraphObject[];
  groups: GraphObject[];
  /** Owner object ids per owned object id (application or service principal). */
  owners: Record<string, string[]>;
  /** Sponsor object ids per agent identity id. */
  sponsors: Record<string, string[]>;
  appRoleAssignments: GraphObject[];
  oauth2PermissionGrants: GraphObject[];
  roleDefinitions: GraphObject[];
  roleAssignments: GraphObject[];
  servicePrincipalSignInActivities: GraphObject[];
  appCredentialSignInActivities: GraphObject[];
  /**
   * Sign-in log entries (`GET /auditLogs/signIns`): `id, createdDateTime, appId,
   * servicePrincipalId, status: { errorCode }, signInEventTypes` at least. Served newest first.
   */
  signIns?: GraphObject[];
  /**
   * Agent users (`GET /users/microsoft.graph.agentUser`): `id, userPrincipalName, displayName,
   * accountEnabled, identityParentId, createdDateTime, signInActivity`. None when absent.
   */
  agentUsers?: GraphObject[];
  /** When true, a `$select` naming `signInActivity` on agent users is denied (no AuditLog.Read.All). */
  denyAgentUserSignInActivity?: boolean;
}

/** One request the server answered. */
export interface LoggedRequest {
  method: string;
  /** Path without query, version included (`/v1.0/servicePrincipals`). */
  path: string;
  query: string;
  status: number;
  /** True for a sub-request of a `$batch`. */
  inBatch: boolean;
}

/** A path to fault: exact (case-insensitive, `{id}` matches one segment) or a RegExp, without version or query. */
export type PathPattern = string | RegExp;

/** A running loopback Graph. */
export interface GraphServer {
  /** `https://127.0.0.1:PORT`: both the authority host and the Graph base URL. */
  readonly url: string;
  /** PEM of the server's self-signed certificate, to trust. */
  readonly ca: string;
  readonly tenantId: string;
  /** Current tenant state; writes through the API show here. */
  readonly data: GraphTenantData;
  readonly requests: LoggedRequest[];
  /** Answers 429 with `Retry-After: seconds` to the next `times` requests on the path. */
  throttle(path: PathPattern, options: { times: number; retryAfterSeconds: number }): void;
  /** Answers 503 or 504 to the next `times` requests on the path. */
  unavailable(path: PathPattern, options: { times: number; status?: 503 | 504 }): void;
  /** Answers 403 Authorization_RequestDenied on the path (every time unless `times`). */
  deny(path: PathPattern, options?: { times?: number }): void;
  /** Answers 400 Directory_ExpiredPageToken to the next `times` next-page requests on the path. */
  expirePageToken(path: PathPattern, options?: { times?: number }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Options of the server. */
export interface GraphServerOptions {
  /** Largest page the server returns (`$top` above it is capped). Default 100. */
  pageSize?: number;
}

// ---------------------------------------------------------------------------------------------
// A self-signed certificate, DER-encoded by hand: node:crypto makes keys and signs, but has no
// certificate builder, and the tests must not depend on an openssl binary.

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const sequence = (...parts: Buffer[]) => tlv(0x30, ...parts);
function objectId(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
const utcTime = (d: Date) =>
  tlv(0x17, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`));
const commonName = (cn: string) =>
  sequence(tlv(0x31, sequence(objectId('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));

/** A self-signed RSA certificate and its key, in PEM. */
export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** base64url SHA-256 of the DER certificate (the `x5t#S256` MSAL puts in assertions). */
  thumbprintSha256: string;
}

/**
 * Makes a self-signed RSA-2048 certificate valid for a day, for 127.0.0.1 and localhost.
 * @param cn the subject common name
 */
export function selfSignedCertificate(cn: string): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = sequence(objectId('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const now = Date.now();
  const altNames = sequence(
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
    tlv(0x82, Buffer.from('localhost')),
  );
  const extensions = tlv(0xa3, sequence(sequence(objectId('2.5.29.17'), tlv(0x04, altNames))));
  const serial = Buffer.concat([Buffer.from([0x01]), randomBytes(8)]);
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    sha256WithRsa,
    commonName(cn),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    commonName(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const der = sequence(
    tbs,
    sha256WithRsa,
    tlv(0x03, Buffer.from([0]), sign('sha256', tbs, privateKey)),
  );
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: createHash('sha256').update(der).digest('base64url'),
  };
}

// ---------------------------------------------------------------------------------------------
// Responses

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const graphError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply => ({
  status,
  ...(headers ? { headers } : {}),
  body: {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString(),
        'request-id': randomId(),
        'client-request-id': randomId(),
      },
    },
  },
});
const notFound = (what: string) =>
  graphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
const badRequest = (message: string, code = 'Request_BadRequest') => graphError(400, code, message);

function randomId(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// The tenant store, with the indexes the per-object routes need (10,000 service principals).

class Store {
  readonly sp = new Map<string, GraphObject>();
  readonly app = new Map<string, GraphObject>();
  readonly user = new Map<string, GraphObject>();
  readonly group = new Map<string, GraphObject>();
  readonly assignmentsByPrincipal = new Map<string, GraphObject[]>();
  readonly grantById = new Map<string, GraphObject>();
  readonly roleDefinition = new Map<string, GraphObject>();

  constructor(readonly data: GraphTenantData) {
    for (const o of data.servicePrincipals) this.sp.set(o.id, o);
    for (const o of data.applications) this.app.set(o.id, o);
    for (const o of data.users) this.user.set(o.id, o);
    for (const o of data.groups) this.group.set(o.id, o);
    for (const a of data.appRoleAssignments) this.indexAssignment(a);
    for (const g of data.oauth2PermissionGrants) this.grantById.set(g.id, g);
    for (const d of data.roleDefinitions) this.roleDefinition.set(d.id, d);
  }

  indexAssignment(a: GraphObject): void {
    const key = String(a.principalId);
    const list = this.assignmentsByPrincipal.get(key) ?? [];
    list.push(a);
    this.assignmentsByPrincipal.set(key, list);
  }

  /** A directory object by id, typed, as Graph lists it in owners/sponsors. */
  directoryObject(id: string): GraphObject {
    const user = this.user.get(id);
    if (user) return { '@odata.type': '#microsoft.graph.user', ...user };
    const sp = this.sp.get(id);
    if (sp) return { '@odata.type': '#microsoft.graph.servicePrincipal', ...sp };
    const group = this.group.get(id);
    if (group) return { '@odata.type': '#microsoft.graph.group', ...group };
    // A reference to an object that no longer resolves (a deleted user): Graph still names its type.
    return { '@odata.type': '#microsoft.graph.user', id };
  }
}

/** Properties Graph returns on a user without `$select` (no accountEnabled). */
const USER_DEFAULT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** Strips what Graph never returns in reads: secret values, and certificate keys outside single-object $select. */
function scrubCredentials(o: Record<string, unknown>, withKeys: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  if (Array.isArray(o.passwordCredentials))
    out.passwordCredentials = (o.passwordCredentials as Record<string, unknown>[]).map(
      ({ secretText: _secret, ...rest }) => ({ ...rest, secretText: null }),
    );
  if (Array.isArray(o.keyCredentials))
    out.keyCredentials = (o.keyCredentials as Record<string, unknown>[]).map((k) =>
      withKeys ? k : { ...k, key: null },
    );
  delete out.federatedIdentityCredentials;
  return out;
}

// ---------------------------------------------------------------------------------------------
// OData query options

interface Query {
  select?: string[];
  top?: number;
  filter?: string;
  expand?: string;
  skiptoken?: string;
}

function parseQuery(search: string): Query {
  const raw = new URLSearchParams(search);
  const q: Query = {};
  const select = raw.get('$select');
  if (select) q.select = select.split(',').map((s) => s.trim());
  const top = raw.get('$top');
  if (top) q.top = Number(top);
  const filter = raw.get('$filter');
  if (filter) q.filter = filter;
  const expand = raw.get('$expand');
  if (expand) q.expand = expand;
  const skiptoken = raw.get('$skiptoken');
  if (skiptoken) q.skiptoken = skiptoken;
  return q;
}

/** `a eq 'x' and b eq true`: the subset of $filter the collector and tests use. */
function compileFilter(filter: string): ((o: Record<string, unknown>) => boolean) | undefined {
  const clauses = filter.split(/\s+and\s+/i);
  const tests: ((o: Record<string, unknown>) => boolean)[] = [];
  for (const c of clauses) {
    const m = /^\s*([A-Za-z@.]+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false|null))\s*$/.exec(c);
    if (!m) return undefined;
    const [, prop, str, lit] = m;
    const want =
      str !== undefined ? str.replace(/''/g, "'") : lit === 'null' ? null : lit === 'true';
    tests.push((o) => (o[prop!] ?? null) === want);
  }
  return (o) => tests.every((t) => t(o));
}

/**
 * The sign-in log's $filter: `createdDateTime ge|le|gt|lt <date-time>` (unquoted), beta's
 * `signInEventTypes/any(t: t eq '…')`, and `prop eq '…'` clauses, joined by `and`. Without an
 * event-type clause Graph returns interactive user sign-ins only; v1.0 has no signInEventTypes.
 * @see ../../../shared/reference/entra-graph.md (A.3 "Sign-in logs")
 */
function compileSignInFilter(
  filter: string,
  version: string,
): ((o: Record<string, unknown>) => boolean) | undefined | Reply {
  const tests: ((o: Record<string, unknown>) => boolean)[] = [];
  let eventTypes = false;
  for (const c of filter.split(/\s+and\s+/i)) {
    const range = /^\s*createdDateTime\s+(ge|le|gt|lt)\s+(\S+)\s*$/i.exec(c);
    if (range) {
      const bound = Date.parse(range[2]!);
      if (Number.isNaN(bound)) return undefined;
      const op = range[1]!.toLowerCase();
      tests.push((o) => {
        const t = Date.parse(String(o.createdDateTime));
        if (op === 'ge') return t >= bound;
        if (op === 'le') return t <= bound;
        if (op === 'gt') return t > bound;
        return t < bound;
      });
      continue;
    }
    const any = /^\s*signInEventTypes\/any\((\w+):\s*\1\s+eq\s+'([^']*)'\)\s*$/i.exec(c);
    if (any) {
      if (version !== 'beta')
        return badRequest(
          "Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'.",
          'BadRequest',
        );
      const want = any[2]!;
      eventTypes = true;
      tests.push((o) => ((o.signInEventTypes as string[] | undefined) ?? []).includes(want));
      continue;
    }
    const eq = compileFilter(c);
    if (!eq) return undefined;
    tests.push(eq);
  }
  if (!eventTypes)
    tests.push((o) => {
      const types = o.signInEventTypes as string[] | undefined;
      return !types || types.includes('interactiveUser');
    });
  return (o) => tests.every((t) => t(o));
}

function project(
  o: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select) return o;
  const out: Record<string, unknown> = {};
  if (o['@odata.type']) out['@odata.type'] = o['@odata.type'];
  out.id = o.id;
  for (const s of select) if (s in o) out[s] = o[s];
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Fault {
  match: (path: string) => boolean;
  kind: 'throttle' | 'unavailable' | 'deny' | 'expire';
  remaining: number;
  status: number;
  retryAfterSeconds?: number;
}

function matcher(p: PathPattern): (path: string) => boolean {
  if (p instanceof RegExp) return (path) => p.test(path);
  const re = new RegExp(
    `^${p
      .split(/\{[^}]+\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
    'i',
  );
  return (path) => re.test(path);
}

interface Cursor {
  version: string;
  path: string;
  search: string;
  offset: number;
}

/**
 * Starts the server on a free loopback port.
 * @param tenant the tenant to serve; it is copied, so one built tenant can serve many servers
 */
export async function startGraphServer(
  tenant: GraphTenantData,
  options: GraphServerOptions = {},
): Promise<GraphServer> {
  const data = structuredClone(tenant);
  const store = new Store(data);
  const pageSize = options.pageSize ?? 100;
  const tls = selfSignedCertificate('leash-graph-loopback');
  const tokens = new Map<string, { clientId: string; expires: number }>();
  const cursors = new Map<string, Cursor>();
  const requests: LoggedRequest[] = [];
  let faults: Fault[] = [];
  let url = '';

  const addFault = (f: Fault) => faults.push(f);

  function applyFault(path: string, nextPage: boolean): Reply | undefined {
    for (const f of faults) {
      if (f.remaining <= 0 || !f.match(path)) continue;
      if (f.kind === 'expire' && !nextPage) continue;
      f.remaining--;
      switch (f.kind) {
        case 'throttle':
          return graphError(429, 'TooManyRequests', 'Too many requests.', {
            'Retry-After': String(f.retryAfterSeconds ?? 1),
          });
        case 'unavailable':
          return graphError(
            f.status,
            'serviceNotAvailable',
            'The service is temporarily unavailable.',
          );
        case 'deny':
          return graphError(
            403,
            'Authorization_RequestDenied',
            'Insufficient privileges to complete the operation.',
          );
        case 'expire':
          return graphError(
            400,
            'Directory_ExpiredPageToken',
            'The specified page token value has expired and can no longer be included in your request.',
          );
      }
    }
    return undefined;
  }

  /**
   * Answers a collection one page at a time. A next-page request carries only `$skiptoken`: the
   * cursor holds the first request's options and the offset, like Graph's opaque tokens.
   */
  function collection(
    version: string,
    path: string,
    search: string,
    items: Record<string, unknown>[],
    shape: (o: Record<string, unknown>, q: Query) => Record<string, unknown> = (o, q) =>
      project(o, q.select),
    maxPage = pageSize,
    compile: (
      filter: string,
    ) => ((o: Record<string, unknown>) => boolean) | undefined | Reply = compileFilter,
  ): Reply {
    let q = parseQuery(search);
    let offset = 0;
    let firstSearch = search;
    if (q.skiptoken) {
      const c = cursors.get(q.skiptoken);
      if (!c || c.path !== path || c.version !== version)
        return graphError(
          400,
          'Directory_ExpiredPageToken',
          'The specified page token value has expired and can no longer be included in your request.',
        );
      offset = c.offset;
      firstSearch = c.search;
      q = parseQuery(c.search);
    }
    let list = items;
    if (q.filter) {
      const test = compile(q.filter);
      if (!test) return badRequest(`Invalid filter clause: ${q.filter}`, 'BadRequest');
      if (typeof test !== 'function') return test;
      list = list.filter(test);
    }
    const size = Math.max(1, Math.min(q.top ?? maxPage, maxPage, pageSize));
    const body: Record<string, unknown> = {
      '@odata.context': `${url}/${version}/$metadata#${path.slice(1)}`,
      value: list.slice(offset, offset + size).map((o) => shape(o, q)),
    };
    if (offset + size < list.length) {
      const token = randomBytes(12).toString('base64url');
      cursors.set(token, { version, path, search: firstSearch, offset: offset + size });
      // Graph's links keep the first request's options and add a literal `$skiptoken`.
      body['@odata.nextLink'] =
        `${url}/${version}${path}?${firstSearch ? `${firstSearch}&` : ''}$skiptoken=${token}`;
    }
    return { status: 200, body };
  }

  function route(
    method: string,
    version: string,
    path: string,
    search: string,
    body: unknown,
  ): Reply {
    const seg = path.split('/').filter(Boolean);
    const q = parseQuery(search);
    const b = (body ?? {}) as Record<string, unknown>;
    const [root, id, rel, relId] = seg;
    const one = (
      o: Record<string, unknown> | undefined,
      what: string,
      shape = (x: Record<string, unknown>) => x,
    ) => (o ? { status: 200, body: project(shape(o), q.select) } : notFound(what));

    if (method === 'GET') {
      if (root === 'auditLogs' && id === 'signIns' && !rel) {
        // Newest first, as Graph lists sign-ins; beta pages hold up to 1,000.
        const signIns = [...(data.signIns ?? [])].sort((a, b) =>
          String(b.createdDateTime).localeCompare(String(a.createdDateTime)),
        );
        return collection(version, path, search, signIns, undefined, 1000, (f) =>
          compileSignInFilter(f, version),
        );
      }
      if (root === 'reports') {
        if (version !== 'beta')
          return badRequest(`Resource not found for the segment '${id}'.`, 'BadRequest');
        if (id === 'servicePrincipalSignInActivities')
          return collection(version, path, search, data.servicePrincipalSignInActivities);
        if (id === 'appCredentialSignInActivities')
          return collection(version, path, search, data.appCredentialSignInActivities);
      }
      if (root === 'servicePrincipals') {
        if (!id)
          return collection(version, path, search, data.servicePrincipals, (o, qq) =>
            project(scrubCredentials(o, false), qq.select),
          );
        if (id === 'microsoft.graph.agentIdentity') {
          if (!rel) {
            const agents = data.servicePrincipals.filter(
              (s) => s['@odata.type'] === '#microsoft.graph.agentIdentity',
            );
            return collection(
              version,
              path,
              search,
              agents,
              (o, qq) => {
                const shaped = project(scrubCredentials(o, false), qq.select);
                if (qq.expand?.startsWith('sponsors'))
                  shaped.sponsors = (data.sponsors[o.id as string] ?? []).map((s) => ({
                    '@odata.type': store.directoryObject(s)['@odata.type'],
                    id: s,
                  }));
                return shaped;
              },
              100,
            ); // "default and max page size 100" (agentidentity-list)
          }
          const agent = store.sp.get(rel);
          return one(
            agent?.['@odata.type'] === '#microsoft.graph.agentIdentity' ? agent : undefined,
            rel,
            (o) => scrubCredentials(o, false),
          );
        }
        const sp = store.sp.get(id);
        if (!sp) return notFound(id);
        if (!rel) return one(sp, id, (o) => scrubCredentials(o, false));
        if (rel === 'owners')
          return collection(
            version,
            path,
            search,
            (data.owners[id] ?? []).map((o) => store.directoryObject(o)),
            ownerShape,
          );
        if (rel === 'sponsors')
          return collection(
            version,
            path,
            search,
            (data.sponsors[id] ?? []).map((o) => store.directoryObject(o)),
            ownerShape,
          );
        if (rel === 'appRoleAssignments') {
          const list = store.assignmentsByPrincipal.get(id) ?? [];
          if (relId)
            return one(
              list.find((a) => a.id === relId),
              relId,
            );
          return collection(version, path, search, list);
        }
        if (rel === 'oauth2PermissionGrants')
          return collection(
            version,
            path,
            search,
            data.oauth2PermissionGrants.filter((g) => g.clientId === id),
          );
      }
      if (root === 'applications') {
        if (!id) {
          return collection(version, path, search, data.applications, (o, qq) => {
            const shaped = project(scrubCredentials(o, false), qq.select);
            if (qq.expand === 'federatedIdentityCredentials')
              shaped.federatedIdentityCredentials = o.federatedIdentityCredentials ?? [];
            return shaped;
          });
        }
        const app = store.app.get(id);
        if (!app) return notFound(id);
        // `key` of keyCredentials comes back only when a single application is read with $select.
        if (!rel)
          return one(app, id, (o) =>
            scrubCredentials(o, Boolean(q.select?.includes('keyCredentials'))),
          );
        if (rel === 'owners')
          return collection(
            version,
            path,
            search,
            (data.owners[id] ?? []).map((o) => store.directoryObject(o)),
            ownerShape,
          );
        if (rel === 'federatedIdentityCredentials')
          return collection(
            version,
            path,
            search,
            (app.federatedIdentityCredentials as GraphObject[] | undefined) ?? [],
          );
      }
      if (root === 'oauth2PermissionGrants') {
        if (!id) return collection(version, path, search, data.oauth2PermissionGrants);
        return one(store.grantById.get(id), id);
      }
      if (root === 'users' && id === 'microsoft.graph.agentUser' && !rel) {
        if (data.denyAgentUserSignInActivity && q.select?.includes('signInActivity'))
          return graphError(
            403,
            'Authentication_RequestFromUnsupportedUserRole',
            'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
          );
        return collection(version, path, search, data.agentUsers ?? [], undefined, 100);
      }
      if (root === 'users') {
        if (!id)
          return collection(version, path, search, data.users, (o, qq) =>
            project(o, qq.select ?? USER_DEFAULT),
          );
        const user = store.user.get(id);
        if (!user) return notFound(id);
        return { status: 200, body: project(user, q.select ?? USER_DEFAULT) };
      }
      if (root === 'roleManagement' && id === 'directory') {
        if (rel === 'roleDefinitions')
          return collection(version, path, search, data.roleDefinitions);
        if (rel === 'roleAssignments') {
          return collection(version, path, search, data.roleAssignments, (o, qq) => {
            const shaped = project(o, qq.select);
            if (qq.expand === 'roleDefinition')
              shaped.roleDefinition =
                store.roleDefinition.get(o.roleDefinitionId as string) ?? null;
            return shaped;
          });
        }
      }
    }

    if (method === 'PATCH' && root === 'servicePrincipals' && id) {
      const spId = id === 'microsoft.graph.agentIdentity' ? rel : id;
      const sp = spId ? store.sp.get(spId) : undefined;
      if (!sp || !spId) return notFound(spId ?? id);
      if (
        id === 'microsoft.graph.agentIdentity' &&
        sp['@odata.type'] !== '#microsoft.graph.agentIdentity'
      )
        return notFound(spId);
      if (sp.servicePrincipalType === 'ManagedIdentity')
        return badRequest('Managed identity service principals cannot be updated directly.');
      Object.assign(sp, b);
      return { status: 204 };
    }
    if (
      method === 'POST' &&
      root === 'servicePrincipals' &&
      id &&
      rel === 'appRoleAssignments' &&
      !relId
    ) {
      const sp = store.sp.get(id);
      const resource = store.sp.get(String(b.resourceId));
      if (!sp) return notFound(id);
      if (b.principalId !== id)
        return badRequest('principalId must be the service principal of the request path.');
      if (!resource) return notFound(String(b.resourceId));
      const role = (resource.appRoles as { id: string }[] | undefined)?.find(
        (r) => r.id === b.appRoleId,
      );
      if (!role) return badRequest('Permission being assigned was not found on application.');
      const created: GraphObject = {
        id: randomBytes(32).toString('base64url').slice(0, 43),
        createdDateTime: new Date().toISOString(),
        deletedDateTime: null,
        appRoleId: b.appRoleId,
        principalDisplayName: sp.displayName,
        principalId: id,
        principalType: 'ServicePrincipal',
        resourceDisplayName: resource.displayName,
        resourceId: resource.id,
      };
      data.appRoleAssignments.push(created);
      store.indexAssignment(created);
      return { status: 201, body: created };
    }
    if (
      method === 'DELETE' &&
      root === 'servicePrincipals' &&
      id &&
      rel === 'appRoleAssignments' &&
      relId
    ) {
      const list = store.assignmentsByPrincipal.get(id) ?? [];
      const i = list.findIndex((a) => a.id === relId);
      if (i < 0) return notFound(relId);
      const [gone] = list.splice(i, 1);
      data.appRoleAssignments.splice(data.appRoleAssignments.indexOf(gone!), 1);
      return { status: 204 };
    }
    if (root === 'oauth2PermissionGrants') {
      if (method === 'DELETE' && id) {
        const grant = store.grantById.get(id);
        if (!grant) return notFound(id);
        store.grantById.delete(id);
        data.oauth2PermissionGrants.splice(data.oauth2PermissionGrants.indexOf(grant), 1);
        return { status: 204 };
      }
      if (method === 'POST' && !id) {
        for (const k of ['clientId', 'consentType', 'resourceId', 'scope'])
          if (typeof b[k] !== 'string') return badRequest(`Property '${k}' is required.`);
        if (!store.sp.get(String(b.clientId)) || !store.sp.get(String(b.resourceId)))
          return notFound(String(b.clientId));
        const created: GraphObject = {
          id: randomBytes(32).toString('base64url').slice(0, 43),
          clientId: b.clientId,
          consentType: b.consentType,
          principalId: b.principalId ?? null,
          resourceId: b.resourceId,
          scope: b.scope,
        };
        data.oauth2PermissionGrants.push(created);
        store.grantById.set(created.id, created);
        return { status: 201, body: created };
      }
    }
    if (
      method === 'POST' &&
      (root === 'applications' || root === 'servicePrincipals') &&
      id &&
      rel === 'removePassword'
    ) {
      const owner = root === 'applications' ? store.app.get(id) : store.sp.get(id);
      if (!owner) return notFound(id);
      const creds = (owner.passwordCredentials as { keyId: string }[] | undefined) ?? [];
      const i = creds.findIndex((c) => c.keyId === b.keyId);
      if (i < 0) return badRequest(`No password credential found with keyId ${String(b.keyId)}.`);
      creds.splice(i, 1);
      return { status: 204 };
    }
    if (method === 'PATCH' && root === 'applications' && id && !rel) {
      const app = store.app.get(id);
      if (!app) return notFound(id);
      if ('keyCredentials' in b) {
        // Graph replaces the whole collection, and needs the public key of every credential kept.
        const keys = b.keyCredentials as Record<string, unknown>[];
        if (!Array.isArray(keys) || keys.some((k) => typeof k.key !== 'string' || !k.key))
          return badRequest(
            "Property 'key' is required on every keyCredential.",
            'Request_BadRequest',
          );
      }
      Object.assign(app, b);
      return { status: 204 };
    }
    if (method === 'POST' && root === 'users' && id && rel === 'revokeSignInSessions') {
      const user = store.user.get(id);
      if (!user) return notFound(id);
      user.signInSessionsValidFromDateTime = new Date().toISOString();
      return {
        status: 200,
        body: { '@odata.context': `${url}/${version}/$metadata#Edm.Boolean`, value: true },
      };
    }
    return badRequest(`Resource not found for the segment '${seg.at(-1) ?? ''}'.`, 'BadRequest');
  }

  /** One Graph request, top-level or from a batch: faults, then the router. */
  function graph(
    method: string,
    version: string,
    path: string,
    search: string,
    body: unknown,
    inBatch: boolean,
  ): Reply {
    const nextPage = new URLSearchParams(search).has('$skiptoken');
    const reply = applyFault(path, nextPage) ?? route(method, version, path, search, body);
    requests.push({
      method,
      path: `/${version}${path}`,
      query: search,
      status: reply.status,
      inBatch,
    });
    return reply;
  }

  function batch(version: string, body: unknown): Reply {
    const items = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(items) || items.length === 0)
      return badRequest('Invalid batch payload.', 'BadRequest');
    if (items.length > 20)
      return badRequest('The number of batch requests exceeds 20.', 'BadRequest');
    const responses = (items as { id: string; method: string; url: string; body?: unknown }[]).map(
      (r) => {
        const u = new URL(r.url.startsWith('/') ? r.url : `/${r.url}`, 'https://batch.invalid');
        const reply = graph(
          r.method.toUpperCase(),
          version,
          decodeURI(u.pathname),
          u.search.slice(1),
          r.body,
          true,
        );
        return {
          id: r.id,
          status: reply.status,
          headers: { 'Content-Type': 'application/json', ...(reply.headers ?? {}) },
          ...(reply.body === undefined ? {} : { body: reply.body }),
        };
      },
    );
    // Graph may answer batch items in any order; reversing keeps callers honest about ids.
    return { status: 200, body: { responses: responses.reverse() } };
  }

  function token(tenantId: string, form: URLSearchParams): Reply {
    const aadError = (status: number, error: string, code: number, description: string): Reply => ({
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: randomId(),
        correlation_id: randomId(),
      },
    });
    if (tenantId !== data.tenantId)
      return aadError(400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
    if (form.get('grant_type') !== 'client_credentials')
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    if (!form.get('scope')?.endsWith('/.default'))
      return aadError(
        400,
        'invalid_scope',
        1002012,
        'The provided value for scope is not valid. Client credential flows must have a scope value with /.default.',
      );
    const client = data.clients.find((c) => c.clientId === form.get('client_id'));
    if (!client)
      return aadError(
        400,
        'unauthorized_client',
        700016,
        'Application not found in the directory.',
      );
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    let ok = false;
    if (secret !== null) ok = client.secret !== undefined && secret === client.secret;
    else if (assertion !== null)
      ok = checkAssertion(client, assertion, `${url}/${tenantId}/oauth2/v2.0/token`);
    if (!ok)
      return aadError(
        401,
        'invalid_client',
        7000215,
        'Invalid client secret or assertion provided.',
      );
    const accessToken = randomBytes(32).toString('base64url');
    tokens.set(accessToken, { clientId: client.clientId, expires: Date.now() + 3_599_000 });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: accessToken,
      },
    };
  }

  const server: Server = createServer(
    { cert: tls.certificatePem, key: tls.privateKeyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', url);
        const method = (req.method ?? 'GET').toUpperCase();
        const raw = Buffer.concat(chunks).toString('utf8');
        const send = (reply: Reply) => {
          const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
          res.writeHead(reply.status, {
            ...(payload ? { 'Content-Type': 'application/json' } : {}),
            ...(reply.headers ?? {}),
          });
          res.end(payload);
        };
        const path = decodeURI(u.pathname);
        const login =
          /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
            path,
          );
        if (login) {
          const [, tenantId = '', what] = login;
          const base = `${url}/${tenantId}`;
          const reply: Reply =
            what === 'oauth2/v2.0/token' && method === 'POST'
              ? token(tenantId, new URLSearchParams(raw))
              : {
                  status: 200,
                  body: {
                    issuer: `${base}/v2.0`,
                    token_endpoint: `${base}/oauth2/v2.0/token`,
                    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
                    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
                    jwks_uri: `${base}/discovery/v2.0/keys`,
                    response_types_supported: [
                      'code',
                      'id_token',
                      'code id_token',
                      'id_token token',
                    ],
                    token_endpoint_auth_methods_supported: [
                      'client_secret_post',
                      'private_key_jwt',
                      'client_secret_basic',
                    ],
                  },
                };
          requests.push({ method, path, query: '', status: reply.status, inBatch: false });
          return send(reply);
        }
        const m = /^\/(v1\.0|beta)(\/.*)$/.exec(path);
        if (!m) return send(graphError(404, 'BadRequest', `Invalid version or path: ${path}`));
        const [, version = 'v1.0', graphPath = '/'] = m;
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const held = auth ? tokens.get(auth[1]!) : undefined;
        if (!held || held.expires < Date.now()) {
          requests.push({ method, path, query: u.search.slice(1), status: 401, inBatch: false });
          return send(
            graphError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.'),
          );
        }
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          return send(badRequest('Invalid JSON body.', 'BadRequest'));
        }
        if (graphPath === '/$batch' && method === 'POST') {
          const reply = batch(version, body);
          requests.push({ method, path, query: '', status: reply.status, inBatch: false });
          return send(reply);
        }
        send(graph(method, version, graphPath, u.search.slice(1), body, false));
      });
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks a free port, with no window for another process to take it.
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    ca: tls.certificatePem,
    tenantId: data.tenantId,
    data,
    requests,
    throttle: (path, o) =>
      addFault({
        match: matcher(path),
        kind: 'throttle',
        remaining: o.times,
        status: 429,
        retryAfterSeconds: o.retryAfterSeconds,
      }),
    unavailable: (path, o) =>
      addFault({
        match: matcher(path),
        kind: 'unavailable',
        remaining: o.times,
        status: o.status ?? 503,
      }),
    deny: (path, o) =>
      addFault({
        match: matcher(path),
        kind: 'deny',
        remaining: o?.times ?? Number.POSITIVE_INFINITY,
        status: 403,
      }),
    expirePageToken: (path, o) =>
      addFault({ match: matcher(path), kind: 'expire', remaining: o?.times ?? 1, status: 400 }),
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Owners and sponsors: users show Graph's default user properties unless $select says otherwise. */
function ownerShape(o: Record<string, unknown>, q: Query): Record<string, unknown> {
  if (o['@odata.type'] === '#microsoft.graph.user') {
    const shaped = project(o, q.select ?? USER_DEFAULT);
    return { '@odata.type': o['@odata.type'], ...shaped };
  }
  return project(
    scrubCredentials(o, false),
    q.select ?? ['id', 'displayName', 'appId', 'servicePrincipalType'],
  );
}

/**
 * Checks a client assertion: a certificate-signed JWT (PS256 or RS256, `x5t#S256` or `x5t`
 * naming the registered certificate, `aud` the token endpoint), or a federated token whose
 * issuer and subject match the registered trust.
 */
function checkAssertion(client: TenantClient, jwt: string, tokenEndpoint: string): boolean {
  const parts = jwt.split('.');
  if (parts.length !== 3) return false;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const now = Date.now() / 1000;
  if (typeof payload.exp === 'number' && payload.exp < now) return false;
  if (client.certificatePem && (header['x5t#S256'] || header.x5t)) {
    const cert = new X509Certificate(client.certificatePem);
    const der = cert.raw;
    const s256 = createHash('sha256').update(der).digest('base64url');
    const s1 = createHash('sha1').update(der).digest('base64url');
    if (header['x5t#S256'] !== s256 && header.x5t !== s1) return false;
    if (payload.iss !== client.clientId || payload.sub !== client.clientId) return false;
    if (payload.aud !== tokenEndpoint) return false;
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    if (header.alg === 'PS256')
      return verify(
        'sha256',
        signed,
        { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    if (header.alg === 'RS256') return verify('sha256', signed, cert.publicKey, signature);
    return false;
  }
  if (client.federated) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return (
      payload.iss === client.federated.issuer &&
      payload.sub === client.federated.subject &&
      aud.includes(client.federated.audience ?? 'api://AzureADTokenExchange')
    );
  }
  return false;
}
