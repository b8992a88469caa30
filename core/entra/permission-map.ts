/**
 * Microsoft Graph request → permission mapping: which permissions authorize a method on a path.
 *
 * The map is a list of entries `{ method, path, application, delegated, alsoRequires? }` where
 * `path` is a lower-case template in the grammar of Microsoft's permissions catalog
 * (microsoftgraph/microsoft-graph-devx-content `permissions/new/permissions.json`):
 * - a `{...}` segment (`{id}`, `{drive-id}`) matches any one segment;
 * - a segment holding `{...}` among other text (`serviceprincipals(appid={value})`) matches a
 *   segment of that shape, each `{...}` standing for any text;
 * - `...` matches any number of segments (none included), so a template ending in `/...`
 *   covers a whole subtree;
 * - anything else matches literally, case-insensitively.
 *
 * A request matches when every segment does. When several templates match, the most literal
 * wins (most literal segments, then most `{...}` segments, then fewest `...`): `/users/delta`
 * beats `/users/{id}`, and `/users/{id}/messages/{id}` beats `/users/{id}/messages/...`.
 * Templates tied on that score are merged (their permissions are unioned), which can only make
 * more permissions count as possibly used, never fewer.
 *
 * Leash ships a hand-written map for the commonly granted permissions (graph-permissions.ts);
 * `importPermissionsCatalog` turns Microsoft's catalog into the same structure so a user can
 * extend it (`leash graph-permissions import`), and `mergePermissionMaps` combines the two.
 * @see ../shared/reference/entra-graph.md A.3 "Computing permissions actually used per app"
 */
import { z } from 'zod';

/** The scheme a permission is granted under. */
export type PermissionKind = 'application' | 'delegated';

/** Schema of one map entry: the permissions that authorize `method` on `path`. */
export const GraphPermissionEntrySchema = z.object({
  /** Upper-case HTTP method. */
  method: z.string().min(1),
  /** Lower-case path template without host or version (`/users/{id}/messages`). */
  path: z.string().startsWith('/'),
  /** Application permissions (app roles) that authorize the call app-only. */
  application: z.array(z.string()),
  /** Delegated permissions (scopes) that authorize the call for a signed-in user. */
  delegated: z.array(z.string()),
  /**
   * Permissions the catalog says are needed *in addition* (`AlsoRequires=`): a caller that makes
   * the request uses them too, so they count as possibly used.
   */
  alsoRequires: z.array(z.string()).optional(),
});

/** Schema of a request → permission map, as stored in `.leash/graph-permissions.json`. */
export const GraphPermissionMapSchema = z.object({
  schemaVersion: z.literal(1),
  /** Where the entries come from (`leash-builtin`, the catalog file's name, or both). */
  source: z.string(),
  entries: z.array(GraphPermissionEntrySchema),
});

/** One map entry. */
export type GraphPermissionEntry = z.infer<typeof GraphPermissionEntrySchema>;
/** A request → permission map. */
export type GraphPermissionMap = z.infer<typeof GraphPermissionMapSchema>;

/** The permissions that authorize one request, as resolved by the map. */
export interface GraphPermissionMatch {
  method: string;
  /** The winning template (several joined by ` | ` when tied). */
  template: string;
  application: string[];
  delegated: string[];
  alsoRequires: string[];
  /** True for calls that need no permission of their own (`/$batch`, `/$metadata`). */
  exempt: boolean;
}

/** The catalog file is not Microsoft's permissions.json, or holds nothing usable. */
export class PermissionCatalogError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermissionCatalogError';
  }
}

const VERSION_SEGMENTS = new Set(['v1.0', 'beta']);

// Calls that carry no permission of their own: a $batch's inner requests are logged (and
// mapped) one by one, and $metadata is public.
const EXEMPT_PATHS = new Set(['/', '/$batch', '/$metadata']);

/**
 * Normalizes a logged request URI to a lower-case path: drops scheme and host, the `/v1.0` or
 * `/beta` prefix, the query string and fragment, and empty segments; decodes %-escapes.
 * @param uri absolute (`https://graph.microsoft.com/v1.0/users?$top=5`) or a path
 */
export function normalizeGraphPath(uri: string): string {
  let path = uri.trim().replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => safeDecode(s).toLowerCase());
  if (segments.length > 0 && VERSION_SEGMENTS.has(segments[0]!)) segments.shift();
  return `/${segments.join('/')}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray `%` is data, not an escape: keep the segment as logged.
    return segment;
  }
}

/** Normalizes a template: lower-case, no version prefix, no query, no empty segments. */
function normalizeTemplate(path: string): string {
  const cut = path.indexOf('?');
  // Some catalog templates carry a query (`agentInstances?$filter=...`); requests are matched
  // without theirs, so the template is too.
  return normalizeGraphPath(cut >= 0 ? path.slice(0, cut) : path);
}

interface Terminal {
  template: string;
  application: Set<string>;
  delegated: Set<string>;
  alsoRequires: Set<string>;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param: TrieNode | undefined;
  patterns: { re: RegExp; source: string; node: TrieNode }[];
  multi: TrieNode | undefined;
  terminals: Map<string, Terminal>;
}

interface Score {
  literal: number;
  param: number;
  multi: number;
}

function newNode(): TrieNode {
  return {
    literal: new Map(),
    param: undefined,
    patterns: [],
    multi: undefined,
    terminals: new Map(),
  };
}

const PARAM = /^\{[^{}]*\}+$/;

/** Compiled form of a map: a segment trie plus a cache of resolved requests. */
class PermissionMatcher {
  private readonly root = newNode();
  private readonly cache = new Map<string, GraphPermissionMatch | null>();

  constructor(map: GraphPermissionMap) {
    for (const e of map.entries) this.add(e);
  }

  private add(e: GraphPermissionEntry): void {
    const template = normalizeTemplate(e.path);
    let node = this.root;
    for (const seg of template.split('/').filter(Boolean)) node = this.child(node, seg);
    const method = e.method.toUpperCase();
    let t = node.terminals.get(method);
    if (!t) {
      t = { template, application: new Set(), delegated: new Set(), alsoRequires: new Set() };
      node.terminals.set(method, t);
    }
    for (const p of e.application) t.application.add(p);
    for (const p of e.delegated) t.delegated.add(p);
    for (const p of e.alsoRequires ?? []) t.alsoRequires.add(p);
  }

  private child(node: TrieNode, seg: string): TrieNode {
    if (seg === '...') {
      node.multi ??= newNode();
      return node.multi;
    }
    if (PARAM.test(seg)) {
      node.param ??= newNode();
      return node.param;
    }
    if (seg.includes('{')) {
      const found = node.patterns.find((p) => p.source === seg);
      if (found) return found.node;
      const body = seg
        .split(/\{[^{}]*\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
      const created = { re: new RegExp(`^${body}$`), source: seg, node: newNode() };
      node.patterns.push(created);
      return created.node;
    }
    let next = node.literal.get(seg);
    if (!next) {
      next = newNode();
      node.literal.set(seg, next);
    }
    return next;
  }

  match(method: string, uri: string): GraphPermissionMatch | undefined {
    const m = method.toUpperCase();
    const path = normalizeGraphPath(uri);
    const key = `${m} ${path}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const result = this.resolve(m, path);
    // Request paths embed ids, so the cache is bounded rather than grown without limit.
    if (this.cache.size >= 50_000) this.cache.clear();
    this.cache.set(key, result ?? null);
    return result;
  }

  private resolve(method: string, path: string): GraphPermissionMatch | undefined {
    if (EXEMPT_PATHS.has(path))
      return {
        method,
        template: path,
        application: [],
        delegated: [],
        alsoRequires: [],
        exempt: true,
      };
    const segments = path.split('/').filter(Boolean);
    const direct = this.best(method, segments);
    if (direct) return direct;
    // Fallback: OData casts (`/memberof/microsoft.graph.group`) and trailing `$count` / `$value`
    // need the permissions of the collection or item they apply to.
    const trimmed = segments.filter((s) => !s.startsWith('microsoft.graph.'));
    while (trimmed.length > 0 && ['$count', '$value'].includes(trimmed[trimmed.length - 1]!))
      trimmed.pop();
    if (trimmed.length === segments.length || trimmed.length === 0) return undefined;
    return this.best(method, trimmed);
  }

  private best(method: string, segments: string[]): GraphPermissionMatch | undefined {
    const found: { t: Terminal; score: Score }[] = [];
    const walk = (node: TrieNode, i: number, score: Score) => {
      if (i === segments.length) {
        const t = node.terminals.get(method);
        if (t) found.push({ t, score });
      }
      if (node.multi) {
        for (let k = i; k <= segments.length; k++)
          walk(node.multi, k, { ...score, multi: score.multi + 1 });
      }
      if (i === segments.length) return;
      const seg = segments[i]!;
      const lit = node.literal.get(seg);
      if (lit) walk(lit, i + 1, { ...score, literal: score.literal + 1 });
      for (const p of node.patterns)
        if (p.re.test(seg)) walk(p.node, i + 1, { ...score, literal: score.literal + 1 });
      if (node.param) walk(node.param, i + 1, { ...score, param: score.param + 1 });
    };
    walk(this.root, 0, { literal: 0, param: 0, multi: 0 });
    if (found.length === 0) return undefined;
    found.sort((a, b) => compareScore(b.score, a.score));
    const top = found.filter((f) => compareScore(f.score, found[0]!.score) === 0);
    const union = (pick: (t: Terminal) => Set<string>) =>
      [...new Set(top.flatMap((f) => [...pick(f.t)]))].sort();
    return {
      method,
      template: [...new Set(top.map((f) => f.t.template))].sort().join(' | '),
      application: union((t) => t.application),
      delegated: union((t) => t.delegated),
      alsoRequires: union((t) => t.alsoRequires),
      exempt: false,
    };
  }
}

/** Positive when `a` is more specific than `b`. */
function compareScore(a: Score, b: Score): number {
  return a.literal - b.literal || a.param - b.param || b.multi - a.multi;
}

// Compiled once per map object: maps are immutable values, so identity is a safe cache key.
const COMPILED = new WeakMap<GraphPermissionMap, PermissionMatcher>();

function matcherFor(map: GraphPermissionMap): PermissionMatcher {
  let m = COMPILED.get(map);
  if (!m) {
    m = new PermissionMatcher(map);
    COMPILED.set(map, m);
  }
  return m;
}

/**
 * Resolves a request against the map.
 * @param method HTTP method, any case
 * @param uri the request URI as logged (host, version and query are ignored)
 * @returns the permissions of the most literal matching template, or undefined when no
 *   template matches (the request is unmapped)
 */
export function matchGraphRequest(
  map: GraphPermissionMap,
  method: string,
  uri: string,
): GraphPermissionMatch | undefined {
  return matcherFor(map).match(method, uri);
}

/**
 * Every permission that authorizes a request, in either scheme, plus those it also requires.
 * @returns sorted permission names; empty when the request is unmapped or needs none
 */
export function permissionsForRequest(
  map: GraphPermissionMap,
  method: string,
  uri: string,
): string[] {
  const m = matchGraphRequest(map, method, uri);
  if (!m) return [];
  return [...new Set([...m.application, ...m.delegated, ...m.alsoRequires])].sort();
}

/** Every permission name a map mentions, by scheme. */
export function permissionsInMap(map: GraphPermissionMap): Record<PermissionKind, Set<string>> {
  const out = { application: new Set<string>(), delegated: new Set<string>() };
  for (const e of map.entries) {
    for (const p of e.application) out.application.add(p);
    for (const p of e.delegated) out.delegated.add(p);
    for (const p of e.alsoRequires ?? []) {
      out.application.add(p);
      out.delegated.add(p);
    }
  }
  return out;
}

/**
 * First path segment of every template that names each permission, by scheme: the "families"
 * a permission can be exercised under, used to decide which held permissions an unmapped
 * request might have used.
 */
export function familiesOf(map: GraphPermissionMap): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of map.entries) {
    const family = firstSegment(e.path);
    for (const p of [...e.application, ...e.delegated, ...(e.alsoRequires ?? [])]) {
      let s = out.get(p);
      if (!s) {
        s = new Set();
        out.set(p, s);
      }
      s.add(family);
    }
  }
  return out;
}

/**
 * First segment of a path or template, without key or function arguments: `users` for
 * `/users/{id}/messages`, `serviceprincipals` for `/serviceprincipals(appid={value})`.
 */
export function firstSegment(path: string): string {
  const first = normalizeTemplate(path).split('/')[1] ?? '';
  const paren = first.indexOf('(');
  return paren >= 0 ? first.slice(0, paren) : first;
}

/**
 * Combines maps: entries with the same method and template are merged by union, so an imported
 * catalog extends the built-in map without dropping what either says.
 */
export function mergePermissionMaps(...maps: GraphPermissionMap[]): GraphPermissionMap {
  const byKey = new Map<
    string,
    { method: string; path: string; app: Set<string>; del: Set<string>; also: Set<string> }
  >();
  for (const map of maps) {
    for (const e of map.entries) {
      const method = e.method.toUpperCase();
      const path = normalizeTemplate(e.path);
      const key = `${method} ${path}`;
      let acc = byKey.get(key);
      if (!acc) {
        acc = { method, path, app: new Set(), del: new Set(), also: new Set() };
        byKey.set(key, acc);
      }
      for (const p of e.application) acc.app.add(p);
      for (const p of e.delegated) acc.del.add(p);
      for (const p of e.alsoRequires ?? []) acc.also.add(p);
    }
  }
  return {
    schemaVersion: 1,
    source: [...new Set(maps.map((m) => m.source))].join(' + '),
    entries: toEntries(byKey.values()),
  };
}

function toEntries(
  accs: Iterable<{
    method: string;
    path: string;
    app: Set<string>;
    del: Set<string>;
    also: Set<string>;
  }>,
): GraphPermissionEntry[] {
  return [...accs]
    .map((a) => {
      const e: GraphPermissionEntry = {
        method: a.method,
        path: a.path,
        application: [...a.app].sort(),
        delegated: [...a.del].sort(),
      };
      if (a.also.size > 0) e.alsoRequires = [...a.also].sort();
      return e;
    })
    .sort((x, y) => x.path.localeCompare(y.path) || x.method.localeCompare(y.method));
}

/** The part of Microsoft's catalog the import reads; other fields are ignored. */
const PermissionsCatalogSchema = z.object({
  permissions: z.record(
    z.string(),
    z.object({
      authorizationType: z.string().optional(),
      pathSets: z
        .array(
          z.object({
            schemeKeys: z.array(z.string()),
            methods: z.array(z.string()),
            paths: z.record(z.string(), z.string()),
          }),
        )
        .optional(),
    }),
  ),
});

const DELEGATED_SCHEMES = new Set(['DelegatedWork', 'DelegatedPersonal']);

/**
 * Turns Microsoft's Graph permissions catalog (`permissions.json`: per permission, `pathSets`
 * of `schemeKeys`, `methods` and `paths`) into a request → permission map. Resource-specific
 * consent (RSC) permissions are skipped: they are granted per team or chat, not to a service
 * principal. A path value's `AlsoRequires=` list is kept; `least=` is not needed to credit use.
 * @param json the parsed file, or its text (a leading UTF-8 BOM is accepted)
 * @param source recorded as the map's `source`
 * @throws PermissionCatalogError when the input is not JSON, does not have the catalog's shape,
 *   or yields no entry
 */
export function importPermissionsCatalog(
  json: unknown,
  source = 'microsoft-graph-devx-content permissions.json',
): GraphPermissionMap {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new PermissionCatalogError('The permissions catalog is not valid JSON.', {
        cause: err,
      });
    }
  }
  const parsed = PermissionsCatalogSchema.safeParse(value);
  if (!parsed.success)
    throw new PermissionCatalogError(
      `The file does not look like Microsoft's Graph permissions catalog (permissions.json): ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  const byKey = new Map<
    string,
    { method: string; path: string; app: Set<string>; del: Set<string>; also: Set<string> }
  >();
  for (const [name, perm] of Object.entries(parsed.data.permissions)) {
    if (perm.authorizationType !== undefined && perm.authorizationType !== 'oAuth2') continue;
    for (const ps of perm.pathSets ?? []) {
      const application = ps.schemeKeys.includes('Application');
      const delegated = ps.schemeKeys.some((k) => DELEGATED_SCHEMES.has(k));
      if (!application && !delegated) continue;
      for (const [rawPath, annotations] of Object.entries(ps.paths)) {
        const path = normalizeTemplate(rawPath);
        const also = alsoRequiresOf(annotations);
        for (const rawMethod of ps.methods) {
          const method = rawMethod.toUpperCase();
          const key = `${method} ${path}`;
          let acc = byKey.get(key);
          if (!acc) {
            acc = { method, path, app: new Set(), del: new Set(), also: new Set() };
            byKey.set(key, acc);
          }
          if (application) acc.app.add(name);
          if (delegated) acc.del.add(name);
          for (const a of also) acc.also.add(a);
        }
      }
    }
  }
  if (byKey.size === 0)
    throw new PermissionCatalogError(
      'The permissions catalog holds no path for any OAuth permission: nothing to import.',
    );
  return { schemaVersion: 1, source, entries: toEntries(byKey.values()) };
}

/** Reads `AlsoRequires=A,B` out of a path annotation such as `least=Application;AlsoRequires=A`. */
function alsoRequiresOf(annotations: string): string[] {
  for (const part of annotations.split(';')) {
    const [k, v] = part.split('=', 2);
    if (k?.trim().toLowerCase() === 'alsorequires' && v)
      return v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return [];
}
