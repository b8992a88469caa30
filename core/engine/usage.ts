/**
 * Aggregates a stream of CloudTrail records into per-identity usage: which actions each identity
 * was seen using (count, first and last seen), which it was denied, and what the corpus as a whole
 * can and cannot show (read events, data events per service, unmapped event names).
 * Memory grows with identities × distinct actions, never with the number of records.
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { createActionMapper, isDataEvent, isReadOnlyEvent } from '#core/cloudtrail/map-action.ts';
import { resolvePrincipal } from '#core/cloudtrail/principal.ts';
import type {
  CloudTrailRecord,
  PrincipalResolution,
  ResolvedPrincipal,
} from '#core/cloudtrail/types.ts';
import type { InputIssue } from '#core/model/input-issue.ts';

/** The observation window, in epoch milliseconds, inclusive. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** How often and when an action was seen. */
export interface ActionUsage {
  count: number;
  first: number;
  last: number;
}

/** A denied attempt tally. */
export interface DeniedUsage extends ActionUsage {
  errorCodes: Set<string>;
}

/** What one IAM identity was seen doing. */
export interface PrincipalUsage {
  arn: string;
  kind: ResolvedPrincipal['kind'];
  used: Map<number, ActionUsage>;
  denied: Map<number, DeniedUsage>;
  /** Every attributed record in the window, including console sign-ins. */
  events: number;
  firstSeen: number;
  lastSeen: number;
  /** sourceIdentity values seen on the identity's sessions, with counts. */
  sourceIdentities: Map<string, number>;
  /** Identity Center user ids that acted through the identity. */
  onBehalfOf: Map<string, number>;
  /** Accounts the calls came from when they were not the recording account. */
  callerAccounts: Set<string>;
  crossAccountEvents: number;
  consoleSignIns: number;
  /** Records of this identity whose action could not be mapped. */
  unmappedEvents: number;
}

/** A relation between an actor and an identity seen in the trail. */
export interface Linkage {
  /** What was acted upon: a role, function, agent or runtime ARN. */
  target: string;
  /** The IAM identity that acted. */
  actor: string;
  /**
   * `created` (CreateRole, CreateFunction, CreateAgent, CreateAgentRuntime), `deployed` (the role
   * was passed to a function, agent or runtime), `assumed` (AssumeRole).
   */
  relation: 'created' | 'deployed' | 'assumed';
  /** The event name that proves it. */
  via: string;
  count: number;
  last: number;
  /** eventID of the first few events that prove the edge. */
  eventIds: string[];
  /** The AWS service that made the call for the actor (CloudFormation for stack operations). */
  invokedBy?: string;
  /** sourceIdentity values of the actor's sessions on these events: the human behind a pipeline. */
  sourceIdentities: string[];
  /** Session names used (AssumeRole), a few. */
  sessionNames: string[];
}

const MAX_EDGE_EVIDENCE = 5;

/** CloudFormation operations that create or change a stack's resources. */
const STACK_OPERATIONS = new Set(['CreateStack', 'UpdateStack', 'ExecuteChangeSet']);

/** Linkage targets for stacks are `cloudformation-stack:<name>`. */
export const STACK_TARGET_PREFIX = 'cloudformation-stack:';

/** The stack name from a name or a stack ARN (`arn:aws:cloudformation:r:a:stack/Name/id`). */
export function stackName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([^/]+)\//.exec(value);
  return m ? m[1] : value.startsWith('arn:') ? undefined : value;
}

/** Tallies of what the corpus held. */
export interface CorpusCoverage {
  files: number;
  recordsRead: number;
  recordsInWindow: number;
  recordsOutsideWindow: number;
  /** Records not used, by reason, with the first few locations of each. */
  skipped: Map<string, { count: number; examples: InputIssue[] }>;
  mapped: number;
  noIam: Map<string, number>;
  unmapped: number;
  unmappedPairs: Map<string, { eventSource: string; eventName: string; count: number }>;
  unattributed: Map<string, number>;
  /** Records that carried an attributable IAM principal and an eventSource/eventName. */
  attributableWithAction: number;
  /** Of those, how many mapped to a catalog action. */
  attributableMapped: number;
  readOnlyEvents: number;
  writeEvents: number;
  /** Data events per IAM service prefix. */
  dataEventServices: Map<string, number>;
  observedFrom?: number;
  observedTo?: number;
}

const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'Client.UnauthorizedOperation',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'Client.AccessDenied',
]);

/** True when a CloudTrail errorCode means the call was refused by authorization. */
export function isDeniedErrorCode(code: string | undefined): boolean {
  return code !== undefined && (DENIED_CODES.has(code) || /AccessDenied/i.test(code));
}

const MAX_EXAMPLES = 5;

/** The fields a principal resolution depends on, with the resolution. */
interface SessionMemo {
  type: string | undefined;
  accountId: string | undefined;
  recipient: string | undefined;
  issuer: string | undefined;
  sourceIdentity: string | undefined;
  onBehalfOf: string | undefined;
  principalId: string | undefined;
  resolution: PrincipalResolution;
}

/** Folds records into usage. One instance per scan. */
export class UsageAggregator {
  readonly principals = new Map<string, PrincipalUsage>();
  readonly linkages = new Map<string, Linkage>();
  readonly coverage: CorpusCoverage = {
    files: 0,
    recordsRead: 0,
    recordsInWindow: 0,
    recordsOutsideWindow: 0,
    skipped: new Map(),
    mapped: 0,
    noIam: new Map(),
    unmapped: 0,
    unmappedPairs: new Map(),
    unattributed: new Map(),
    attributableWithAction: 0,
    attributableMapped: 0,
    readOnlyEvents: 0,
    writeEvents: 0,
    dataEventServices: new Map(),
  };
  private readonly map: ReturnType<typeof createActionMapper>;
  private readonly sessions = new Map<string, SessionMemo>();

  constructor(
    readonly catalog: ActionCatalog,
    readonly window: TimeWindow,
  ) {
    this.map = createActionMapper(catalog);
  }

  /** Records a record that could not be used at all. */
  skip(issue: InputIssue): void {
    let entry = this.coverage.skipped.get(issue.reason);
    if (!entry) {
      entry = { count: 0, examples: [] };
      this.coverage.skipped.set(issue.reason, entry);
    }
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(issue);
  }

  /**
   * Adds one record.
   * @param value the parsed record (anything: bad records are counted, never thrown)
   * @param file the file it came from
   * @param index its position in the file
   * @param prefix how the position reads in a location (`Records[12]`, `line[3]`)
   */
  add(value: unknown, file: string, index: number, prefix = 'Records'): void {
    const cov = this.coverage;
    cov.recordsRead++;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.skip({
        file,
        location: `${prefix}[${index}]`,
        reason: 'not-an-object',
        detail: 'record is not a JSON object',
      });
      return;
    }
    const record = value as CloudTrailRecord;
    const timeText = record.eventTime ?? record['@timestamp'];
    const time = typeof timeText === 'string' ? parseEventTime(timeText) : Number.NaN;
    if (Number.isNaN(time)) {
      this.skip({
        file,
        location: `${prefix}[${index}]`,
        reason: 'invalid-event-time',
        detail: 'record has no parseable eventTime',
      });
      return;
    }
    if (time < this.window.from || time > this.window.to) {
      cov.recordsOutsideWindow++;
      return;
    }
    if (record.userIdentity === undefined || record.userIdentity === null) {
      this.skip({
        file,
        location: `${prefix}[${index}]`,
        reason: 'no-user-identity',
        detail: 'record has no userIdentity',
      });
      return;
    }
    cov.recordsInWindow++;
    if (cov.observedFrom === undefined || time < cov.observedFrom) cov.observedFrom = time;
    if (cov.observedTo === undefined || time > cov.observedTo) cov.observedTo = time;

    const mapping = this.map(record);
    const readOnly = isReadOnlyEvent(record);
    if (readOnly) cov.readOnlyEvents++;
    else if (record.readOnly !== undefined) cov.writeEvents++;
    if (mapping.kind === 'action') {
      cov.mapped++;
      if (isDataEvent(record)) {
        cov.dataEventServices.set(
          mapping.service,
          (cov.dataEventServices.get(mapping.service) ?? 0) + 1,
        );
      }
    } else if (mapping.kind === 'no-iam') {
      cov.noIam.set(mapping.reason, (cov.noIam.get(mapping.reason) ?? 0) + 1);
    } else {
      cov.unmapped++;
      const key = `${mapping.eventSource}|${mapping.eventName}`;
      const pair = cov.unmappedPairs.get(key);
      if (pair) pair.count++;
      else
        cov.unmappedPairs.set(key, {
          eventSource: mapping.eventSource,
          eventName: mapping.eventName,
          count: 1,
        });
    }

    const who = this.resolve(record);
    if (!who.ok) {
      cov.unattributed.set(who.reason, (cov.unattributed.get(who.reason) ?? 0) + 1);
      return;
    }
    const p = who.principal;
    if (
      mapping.kind !== 'no-iam' &&
      !(mapping.kind === 'unmapped' && mapping.reason === 'missing-fields')
    ) {
      cov.attributableWithAction++;
      if (mapping.kind === 'action') cov.attributableMapped++;
    }
    const usage = this.principal(p, time);
    usage.events++;
    if (time < usage.firstSeen) usage.firstSeen = time;
    if (time > usage.lastSeen) usage.lastSeen = time;
    if (p.sourceIdentity) bump(usage.sourceIdentities, p.sourceIdentity);
    if (p.onBehalfOf) bump(usage.onBehalfOf, p.onBehalfOf);
    if (p.crossAccount) {
      usage.crossAccountEvents++;
      const callerAccount = record.userIdentity.accountId;
      if (callerAccount) usage.callerAccounts.add(callerAccount);
    }
    if (mapping.kind === 'no-iam') {
      if (mapping.reason === 'console-sign-in') usage.consoleSignIns++;
      return;
    }
    if (mapping.kind === 'unmapped') {
      usage.unmappedEvents++;
      return;
    }
    const denied = isDeniedErrorCode(record.errorCode);
    for (const id of mapping.actionIds) {
      if (denied) {
        const d = usage.denied.get(id);
        if (d) {
          d.count++;
          if (time < d.first) d.first = time;
          if (time > d.last) d.last = time;
          d.errorCodes.add(record.errorCode!);
        } else {
          usage.denied.set(id, {
            count: 1,
            first: time,
            last: time,
            errorCodes: new Set([record.errorCode!]),
          });
        }
      } else {
        const u = usage.used.get(id);
        if (u) {
          u.count++;
          if (time < u.first) u.first = time;
          if (time > u.last) u.last = time;
        } else {
          usage.used.set(id, { count: 1, first: time, last: time });
        }
      }
    }
    if (!denied && record.errorCode === undefined) this.link(record, p, time);
  }

  /**
   * Resolves the record's principal, reusing the last resolution of the same session: the
   * records of one session repeat the same userIdentity, and resolving it afresh is the costliest
   * step after JSON parsing (bench/). A hit is used only when every field the resolution reads
   * is the same.
   */
  private resolve(record: CloudTrailRecord): PrincipalResolution {
    const u = record.userIdentity;
    if (typeof u !== 'object' || u === null || typeof u.arn !== 'string')
      return resolvePrincipal(record);
    const ctx = u.sessionContext;
    const hit = this.sessions.get(u.arn);
    if (
      hit !== undefined &&
      hit.type === u.type &&
      hit.accountId === u.accountId &&
      hit.recipient === record.recipientAccountId &&
      hit.issuer === ctx?.sessionIssuer?.arn &&
      hit.sourceIdentity === ctx?.sourceIdentity &&
      hit.onBehalfOf === u.onBehalfOf?.userId &&
      hit.principalId === u.principalId
    ) {
      return hit.resolution;
    }
    const resolution = resolvePrincipal(record);
    if (this.sessions.size >= 50_000) this.sessions.clear();
    this.sessions.set(u.arn, {
      type: u.type,
      accountId: u.accountId,
      recipient: record.recipientAccountId,
      issuer: ctx?.sessionIssuer?.arn,
      sourceIdentity: ctx?.sourceIdentity,
      onBehalfOf: u.onBehalfOf?.userId,
      principalId: u.principalId,
      resolution,
    });
    return resolution;
  }

  private principal(p: ResolvedPrincipal, time: number): PrincipalUsage {
    let usage = this.principals.get(p.arn);
    if (!usage) {
      usage = {
        arn: p.arn,
        kind: p.kind,
        used: new Map(),
        denied: new Map(),
        events: 0,
        firstSeen: time,
        lastSeen: time,
        sourceIdentities: new Map(),
        onBehalfOf: new Map(),
        callerAccounts: new Set(),
        crossAccountEvents: 0,
        consoleSignIns: 0,
        unmappedEvents: 0,
      };
      this.principals.set(p.arn, usage);
    }
    return usage;
  }

  /**
   * Notes who created, deployed or assumed what, from the few events that say so. Only
   * successful calls count, and only what the event itself names: nothing is inferred.
   */
  private link(record: CloudTrailRecord, actor: ResolvedPrincipal, time: number): void {
    const name = record.eventName ?? '';
    // Only Create*, Update* and AssumeRole events link anything: skip the rest cheaply (hot path).
    if (
      name.charCodeAt(0) !== 67 &&
      name.charCodeAt(0) !== 85 &&
      name !== 'AssumeRole' &&
      name !== 'ExecuteChangeSet'
    )
      return;
    const source = record.eventSource ?? '';
    const req = record.requestParameters ?? undefined;
    const res = record.responseElements ?? undefined;
    const edges: [Linkage['relation'], unknown][] = [];
    if (source === 'iam.amazonaws.com' && name === 'CreateRole') {
      edges.push(['created', (res?.role as { arn?: unknown } | undefined)?.arn]);
    } else if (source === 'lambda.amazonaws.com' && /^CreateFunction/.test(name)) {
      edges.push(['deployed', req?.role], ['created', res?.functionArn]);
    } else if (source === 'lambda.amazonaws.com' && /^UpdateFunctionConfiguration/.test(name)) {
      edges.push(['deployed', req?.role]);
    } else if (
      source === 'bedrock.amazonaws.com' &&
      (name === 'CreateAgent' || name === 'UpdateAgent')
    ) {
      edges.push(['deployed', req?.agentResourceRoleArn]);
      if (name === 'CreateAgent')
        edges.push(['created', (res?.agent as { agentArn?: unknown } | undefined)?.agentArn]);
    } else if (
      source.startsWith('bedrock-agentcore') &&
      (name === 'CreateAgentRuntime' || name === 'CreateGateway')
    ) {
      edges.push(['deployed', req?.roleArn], ['created', res?.agentRuntimeArn ?? res?.gatewayArn]);
    } else if (source === 'sts.amazonaws.com' && name === 'AssumeRole') {
      edges.push(['assumed', req?.roleArn]);
    } else if (source === 'cloudformation.amazonaws.com' && STACK_OPERATIONS.has(name)) {
      // Resources a stack makes are created by CloudFormation (invokedBy) as the stack's role;
      // the person or pipeline behind them is who ran the stack operation. Resources carry the
      // stack's name in their aws:cloudformation:stack-name tag, which joins the two.
      const stack = stackName(req?.stackName ?? req?.changeSetName);
      if (stack) edges.push(['deployed', `${STACK_TARGET_PREFIX}${stack}`]);
    }
    for (const [relation, target] of edges) {
      if (typeof target !== 'string' || target === actor.arn) continue;
      const key = `${relation}|${target}|${actor.arn}`;
      let l = this.linkages.get(key);
      if (!l) {
        l = {
          target,
          actor: actor.arn,
          relation,
          via: name,
          count: 0,
          last: time,
          eventIds: [],
          sourceIdentities: [],
          sessionNames: [],
        };
        this.linkages.set(key, l);
      }
      l.count++;
      if (time > l.last) l.last = time;
      if (
        typeof (record as { eventID?: unknown }).eventID === 'string' &&
        l.eventIds.length < MAX_EDGE_EVIDENCE
      ) {
        l.eventIds.push((record as { eventID: string }).eventID);
      }
      const invokedBy = record.userIdentity?.invokedBy;
      if (invokedBy && !l.invokedBy) l.invokedBy = invokedBy;
      if (actor.sourceIdentity && !l.sourceIdentities.includes(actor.sourceIdentity))
        l.sourceIdentities.push(actor.sourceIdentity);
      const session = req?.roleSessionName;
      if (
        relation === 'assumed' &&
        typeof session === 'string' &&
        l.sessionNames.length < MAX_EDGE_EVIDENCE &&
        !l.sessionNames.includes(session)
      ) {
        l.sessionNames.push(session);
      }
    }
  }
}

const DIGIT_0 = 48;

/**
 * Parses an event time. CloudTrail writes `YYYY-MM-DDTHH:MM:SSZ`; that shape is read digit by
 * digit (several times faster than Date.parse on the hot path), anything else goes to Date.parse.
 */
export function parseEventTime(t: string): number {
  if (t.length === 20 && t.charCodeAt(10) === 84 && t.charCodeAt(19) === 90) {
    const year = digits(t, 0, 4);
    const month = digits(t, 5, 2);
    const day = digits(t, 8, 2);
    const hour = digits(t, 11, 2);
    const minute = digits(t, 14, 2);
    const second = digits(t, 17, 2);
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      t.charCodeAt(4) === 45 &&
      t.charCodeAt(7) === 45 &&
      t.charCodeAt(13) === 58 &&
      t.charCodeAt(16) === 58
    ) {
      // Date.UTC rolls an impossible day over (Feb 30 → Mar 2) exactly as Date.parse does here.
      return Date.UTC(year, month - 1, day, hour, minute, second);
    }
  }
  return Date.parse(t);
}

/** Reads `n` decimal digits at `at`; NaN when one is not a digit. */
function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = t.charCodeAt(i) - DIGIT_0;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
