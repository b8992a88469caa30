/**
 * IAM policy grammar: turns a policy document as AWS exports it (an object from the CLI, or the
 * URL-encoded JSON string the raw API returns) into a normalised list of statements.
 * Conditions are kept verbatim, never evaluated: they travel into recommendations unchanged.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

/** A condition block: operator → key → value(s), as written in the policy. */
export type ConditionBlock = Record<string, Record<string, unknown>>;

/** One statement with every string-or-array field turned into an array. */
export interface NormalizedStatement {
  /** Position in the document's Statement list. */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** `Action` patterns; exactly one of `actions` and `notActions` is set. */
  actions?: string[];
  notActions?: string[];
  /** `Resource` patterns; undefined together with `notResources` for trust policies. */
  resources?: string[];
  notResources?: string[];
  condition?: ConditionBlock;
  /** Principal block, present in trust and resource policies only. */
  principal?: unknown;
}

/** A normalised policy document. */
export interface PolicyDocument {
  version?: string;
  statements: NormalizedStatement[];
}

/** Something about a document that AWS would not accept or that Leash had to ignore. */
export interface PolicyIssue {
  statement?: number;
  message: string;
}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'Principal',
  'NotPrincipal',
]);

/**
 * Parses and normalises a policy document.
 * A malformed statement is dropped with an issue; an unknown field is ignored with an issue
 * (AWS rejects such documents, so an export holding one is damaged; ignoring the field keeps the
 * rest of the grant visible, which never hides a used permission).
 * @param raw the document: object, JSON string, or URL-encoded JSON string
 */
export function parsePolicyDocument(raw: unknown): {
  document: PolicyDocument;
  issues: PolicyIssue[];
} {
  const issues: PolicyIssue[] = [];
  const value = decodeDocument(raw, issues);
  if (value === undefined) return { document: { statements: [] }, issues };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ message: 'policy document is not a JSON object' });
    return { document: { statements: [] }, issues };
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'Version' && key !== 'Statement' && key !== 'Id') {
      issues.push({ message: `unknown top-level field "${key}" ignored` });
    }
  }
  const rawStatements = obj.Statement;
  const list =
    rawStatements === undefined
      ? []
      : Array.isArray(rawStatements)
        ? rawStatements
        : [rawStatements];
  if (rawStatements === undefined) issues.push({ message: 'policy has no Statement' });
  const statements: NormalizedStatement[] = [];
  list.forEach((s, index) => {
    const st = normalizeStatement(s, index, issues);
    if (st) statements.push(st);
  });
  const version = typeof obj.Version === 'string' ? obj.Version : undefined;
  return { document: version ? { version, statements } : { statements }, issues };
}

function decodeDocument(raw: unknown, issues: PolicyIssue[]): unknown {
  if (typeof raw !== 'string') return raw;
  let text = raw.trim();
  // The IAM API returns documents URL-encoded (RFC 3986); the CLI decodes them. Accept both.
  if (text.startsWith('%7B') || text.startsWith('%7b')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      issues.push({ message: 'policy document is not valid URL-encoded text' });
      return undefined;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    issues.push({ message: 'policy document is not valid JSON' });
    return undefined;
  }
}

function normalizeStatement(
  raw: unknown,
  index: number,
  issues: PolicyIssue[],
): NormalizedStatement | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ statement: index, message: 'statement is not an object; skipped' });
    return undefined;
  }
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!STATEMENT_KEYS.has(key)) {
      issues.push({ statement: index, message: `unknown statement field "${key}" ignored` });
    }
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    issues.push({ statement: index, message: `Effect must be Allow or Deny; statement skipped` });
    return undefined;
  }
  const actions = stringList(s.Action, 'Action', index, issues);
  const notActions = stringList(s.NotAction, 'NotAction', index, issues);
  if ((actions === undefined) === (notActions === undefined)) {
    issues.push({
      statement: index,
      message: 'statement needs exactly one of Action and NotAction; skipped',
    });
    return undefined;
  }
  const st: NormalizedStatement = { index, effect: s.Effect };
  if (typeof s.Sid === 'string') st.sid = s.Sid;
  if (actions) st.actions = actions;
  if (notActions) st.notActions = notActions;
  const resources = stringList(s.Resource, 'Resource', index, issues);
  const notResources = stringList(s.NotResource, 'NotResource', index, issues);
  if (resources) st.resources = resources;
  if (notResources) st.notResources = notResources;
  if (s.Condition !== undefined) {
    if (typeof s.Condition === 'object' && s.Condition !== null && !Array.isArray(s.Condition)) {
      st.condition = s.Condition as ConditionBlock;
    } else {
      issues.push({ statement: index, message: 'Condition is not an object; ignored' });
    }
  }
  if (s.Principal !== undefined) st.principal = s.Principal;
  else if (s.NotPrincipal !== undefined) st.principal = { NotPrincipal: s.NotPrincipal };
  return st;
}

function stringList(
  value: unknown,
  field: string,
  index: number,
  issues: PolicyIssue[],
): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else issues.push({ statement: index, message: `${field} holds a non-string value; ignored` });
  }
  return out;
}

/** True when the statement applies to every resource (Resource "*" and no NotResource). */
export function coversAllResources(st: NormalizedStatement): boolean {
  if (st.notResources !== undefined) return false;
  // Trust policies have no Resource; identity policies always do (AWS rejects them otherwise).
  return st.resources === undefined || st.resources.includes('*');
}

/** True when the statement carries a Condition block with at least one operator. */
export function hasCondition(st: NormalizedStatement): boolean {
  return st.condition !== undefined && Object.keys(st.condition).length > 0;
}
