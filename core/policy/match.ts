/**
 * Expands IAM action patterns (`s3:Get*`, `*`, `ec2:Describe?nstances`) into catalog actions.
 * IAM matches actions case-insensitively, and `*` and `?` may appear anywhere, also in the
 * service prefix (`s3*:*`), so expansion is a glob over `service:action`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
 */
import type { ActionCatalog } from '#core/catalog/catalog.ts';
import { ActionSet } from '#core/policy/action-set.ts';

/** Result of expanding one pattern. */
export interface Expansion {
  /** Catalog actions the pattern matches. */
  readonly set: ActionSet;
  /** False when the pattern matched no catalog action (a newer action, a typo, a dead service). */
  readonly known: boolean;
}

/** Turns a glob with `*` and `?` into an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'i');
}

/** Expands action patterns against a catalog, caching each distinct pattern. */
export class ActionMatcher {
  private readonly cache = new Map<string, Expansion>();

  constructor(readonly catalog: ActionCatalog) {}

  /** Expands one pattern. */
  expand(pattern: string): Expansion {
    const key = pattern.trim().toLowerCase();
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.compute(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  /**
   * Expands a list of patterns into one set.
   * @returns the union and the patterns that matched nothing
   */
  expandAll(patterns: readonly string[]): { set: ActionSet; unknown: string[] } {
    const set = new ActionSet(this.catalog.actions.length);
    const unknown: string[] = [];
    for (const p of patterns) {
      const e = this.expand(p);
      set.unionWith(e.set);
      if (!e.known) unknown.push(p);
    }
    return { set, unknown };
  }

  private compute(key: string): Expansion {
    const size = this.catalog.actions.length;
    if (key === '*') return { set: ActionSet.full(size), known: true };
    const colon = key.indexOf(':');
    if (colon <= 0) return { set: new ActionSet(size), known: false };
    const service = key.slice(0, colon);
    const name = key.slice(colon + 1);
    const wild = (s: string) => s.includes('*') || s.includes('?');
    const set = new ActionSet(size);
    if (!wild(service) && !wild(name)) {
      const id = this.catalog.idOfParts(service, name);
      if (id !== undefined) set.add(id);
      return { set, known: id !== undefined };
    }
    const nameRe = globToRegExp(name);
    const services = wild(service)
      ? this.catalog.services().filter((s) => globToRegExp(service).test(s))
      : [service];
    for (const svc of services) {
      for (const id of this.catalog.serviceActionIds(svc)) {
        if (nameRe.test(this.catalog.actions[id]!.name)) set.add(id);
      }
    }
    return { set, known: !set.isEmpty() };
  }
}
