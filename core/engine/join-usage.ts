/**
 * Joins what an identity is granted with what it was seen doing. Every granted action ends in
 * exactly one state: used, unused, or unobservable (CloudTrail as collected could not have shown
 * its use, so it must never be recommended for removal). Denied attempts are kept beside, as a
 * signal, never as usage.
 */
import { type ActionCatalog, isReadOnly } from '#core/catalog/catalog.ts';
import { classifyObservability } from '#core/cloudtrail/observability.ts';
import type { CorpusCoverage, PrincipalUsage, TimeWindow } from '#core/engine/usage.ts';
import type { ServiceLastAccessed, TrailInfo } from '#core/iam/inventory.ts';
import { ActionSet } from '#core/policy/action-set.ts';
import type { EffectiveGrant } from '#core/policy/effective.ts';

/** Why an action's use could not be observed. */
export type UnobservableReason =
  | 'permission-only'
  | 'data-events-not-logged'
  | 'read-events-not-logged'
  | 'service-used-per-access-advisor'
  | 'activity-outside-corpus'
  | 'used-per-access-advisor'
  | 'no-activity-data';

/** Explanations shown next to each reason. */
export const UNOBSERVABLE_EXPLANATIONS: Record<UnobservableReason, string> = {
  'permission-only':
    'a permission checked inside another call (such as iam:PassRole); CloudTrail never logs it',
  'data-events-not-logged':
    'a data-event action, and the corpus holds no data events for this service',
  'read-events-not-logged': 'a read action, and the corpus holds no read-only events',
  'service-used-per-access-advisor':
    'IAM last-accessed data shows the service used in the window, but the trail shows no action of it',
  'activity-outside-corpus':
    'IAM reports this identity active in the window, but the corpus holds none of its events',
  'used-per-access-advisor':
    'IAM last-accessed data (action level) shows this action used in the window; the trail does not',
  'no-activity-data':
    'no CloudTrail record falls in the window and no IAM last-accessed data covers this identity',
};

/** The join of grant and usage for one identity. */
export interface Evidence {
  used: ActionSet;
  unused: ActionSet;
  /** Granted, unused actions whose use could not have been seen, by reason (disjoint sets). */
  unobservable: Map<UnobservableReason, ActionSet>;
  /** Union of the `unobservable` sets. */
  unobservableAll: ActionSet;
  /** Used actions that no identity policy grants (allowed by a resource policy or a session). */
  usedNotGranted: ActionSet;
  denied: ActionSet;
  /** Services with at least one granted action, none used and none unobservable. */
  unusedServices: string[];
  usedServices: string[];
}

/**
 * Corpus-wide observability, computed once per scan as action sets so that each identity's join
 * is a handful of bitset operations.
 */
export interface ObservationIndex {
  catalog: ActionCatalog;
  window: TimeWindow;
  permissionOnly: ActionSet;
  /** Data-event actions of services for which the corpus holds no data event. */
  dataEventsNotLogged: ActionSet;
  /** Read-only actions, when the corpus holds no read-only event; else empty. */
  readsNotLogged: ActionSet;
  /** True when at least one CloudTrail record fell in the window. */
  trailObserved: boolean;
}

/** Builds the observation index from the catalog and what the corpus held. */
export function buildObservationIndex(
  catalog: ActionCatalog,
  coverage: CorpusCoverage,
  window: TimeWindow,
  trails: readonly TrailInfo[] = [],
): ObservationIndex {
  // What the trails are configured to record counts as observable even when the corpus holds
  // no such event: a logged data-event service with no events in it was truly not used.
  const logging = trails.filter((t) => t.isLogging !== false);
  const dataServices = new Set([
    ...coverage.dataEventServices.keys(),
    ...logging.flatMap((t) => t.dataEventServices),
  ]);
  const size = catalog.actions.length;
  const permissionOnly = new ActionSet(size);
  const dataEventsNotLogged = new ActionSet(size);
  const readsNotLogged = new ActionSet(size);
  const readsLogged =
    coverage.readOnlyEvents > 0 ||
    (coverage.recordsInWindow > 0 &&
      logging.some((t) => t.managementEvents === 'All' || t.managementEvents === 'ReadOnly'));
  for (const action of catalog.actions) {
    const obs = classifyObservability(action);
    if (obs.kind === 'permission-only') permissionOnly.add(action.id);
    else if (obs.kind === 'data-event' && !dataServices.has(obs.service)) {
      dataEventsNotLogged.add(action.id);
    }
    if (!readsLogged && isReadOnly(action)) readsNotLogged.add(action.id);
  }
  return {
    catalog,
    window,
    permissionOnly,
    dataEventsNotLogged,
    readsNotLogged,
    trailObserved: coverage.recordsInWindow > 0,
  };
}

/**
 * Joins one identity's grant with its usage.
 * @param activityOutsideCorpus true when IAM says the identity acted in the window but the
 *   corpus shows nothing: then no granted action can be called unused
 */
export function joinUsage(
  grant: EffectiveGrant,
  usage: PrincipalUsage | undefined,
  lastAccessed: ServiceLastAccessed | undefined,
  index: ObservationIndex,
  activityOutsideCorpus: boolean,
): Evidence {
  const { catalog, window } = index;
  const size = catalog.actions.length;
  const seen = ActionSet.of(size, usage?.used.keys() ?? []);
  const denied = ActionSet.of(size, usage?.denied.keys() ?? []);
  const usedNotGranted = seen.clone().subtract(grant.allowed);
  const used = seen.intersectWith(grant.allowed);
  const usedServiceSet = new Set<string>();
  used.each((id) => {
    usedServiceSet.add(catalog.actions[id]!.service);
  });

  // Access Advisor saw a service used but the trail saw none of its actions: the trail misses
  // something (a region, a data event), so no action of that service can be called unused.
  // With ACTION_LEVEL data, IAM names the tracked actions it saw used: those are kept as used
  // per Access Advisor, tracked ones not seen are observable, and only the service's untracked
  // actions fall under the service-level rule above.
  const advisor = new ActionSet(size);
  const advisorActions = new ActionSet(size);
  for (const s of lastAccessed?.services ?? []) {
    const ns = s.namespace.toLowerCase();
    const tracked = new Set<number>();
    for (const a of s.actions ?? []) {
      const id = catalog.idOfParts(ns, a.action);
      if (id === undefined) continue;
      tracked.add(id);
      if (a.lastAccessed && Date.parse(a.lastAccessed) >= window.from) advisorActions.add(id);
    }
    if (
      s.lastAuthenticated &&
      Date.parse(s.lastAuthenticated) >= window.from &&
      !usedServiceSet.has(ns)
    ) {
      for (const id of catalog.serviceActionIds(ns)) if (!tracked.has(id)) advisor.add(id);
    }
  }

  const remaining = grant.allowed.clone().subtract(used);
  const unobservable = new Map<UnobservableReason, ActionSet>();
  const take = (reason: UnobservableReason, set: ActionSet) => {
    const hit = remaining.clone().intersectWith(set);
    if (!hit.isEmpty()) {
      unobservable.set(reason, hit);
      remaining.subtract(hit);
    }
  };
  if (activityOutsideCorpus) take('activity-outside-corpus', ActionSet.full(size));
  if (!index.trailObserved) {
    // Without CloudTrail, only Access Advisor can show usage, and only per service: services it
    // saw used keep all their actions; services it tracked as unused are unused. Without either,
    // nothing was observable.
    if (lastAccessed) {
      take('used-per-access-advisor', advisorActions);
      take('service-used-per-access-advisor', advisor);
    } else take('no-activity-data', ActionSet.full(size));
  }
  take('permission-only', index.permissionOnly);
  take('data-events-not-logged', index.dataEventsNotLogged);
  take('read-events-not-logged', index.readsNotLogged);
  take('used-per-access-advisor', advisorActions);
  take('service-used-per-access-advisor', advisor);
  const unobservableAll = new ActionSet(size);
  for (const set of unobservable.values()) unobservableAll.unionWith(set);

  // A service is unused when some of its granted actions are unused and none is used or kept.
  const unusedServices: string[] = [];
  for (const { service, start, end } of catalog.serviceRanges) {
    if (remaining.countRange(start, end) === 0) continue;
    if (used.countRange(start, end) > 0 || unobservableAll.countRange(start, end) > 0) continue;
    unusedServices.push(service);
  }
  return {
    used,
    unused: remaining,
    unobservable,
    unobservableAll,
    usedNotGranted,
    denied,
    unusedServices,
    usedServices: [...usedServiceSet].sort(),
  };
}
