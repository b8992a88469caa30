/**
 * `leash graph-permissions import FILE`: turns Microsoft's Graph permissions catalog
 * (microsoftgraph/microsoft-graph-devx-content `permissions/new/permissions.json`) into Leash's
 * request → permission map and writes it where scans look for it (`.leash/graph-permissions.json`
 * by default), so Entra usage analysis resolves the ~7,300 Graph paths the catalog knows on top
 * of the built-in map. A thin adapter around `importPermissionsCatalog`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { UsageError } from '#cli/errors.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import {
  type GraphPermissionMap,
  GraphPermissionMapSchema,
  importPermissionsCatalog,
  mergePermissionMaps,
  PermissionCatalogError,
  permissionsInMap,
} from '#core/entra/permission-map.ts';

/** Where an imported map is written, and read back, by default (relative to the working directory). */
export const DEFAULT_GRAPH_PERMISSIONS_PATH = '.leash/graph-permissions.json';

/** Options of `leash graph-permissions import`. */
export interface GraphPermissionsImportOptions {
  /** The catalog file (permissions.json). */
  file: string;
  /** Where to write the map; defaults to `.leash/graph-permissions.json` under `cwd`. */
  out?: string;
  /** Base directory for relative paths; defaults to the process's working directory. */
  cwd?: string;
}

/** Where the command writes. */
export interface GraphPermissionsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Runs the import: reads FILE, validates it as Microsoft's catalog, converts it, validates the
 * result against the map schema and writes it.
 * @returns the exit code
 * @throws UsageError when FILE cannot be read or is not the catalog
 */
export async function graphPermissionsImportCommand(
  opts: GraphPermissionsImportOptions,
  io: GraphPermissionsIo,
): Promise<number> {
  const cwd = opts.cwd ?? process.cwd();
  const file = resolve(cwd, opts.file);
  const out = resolve(cwd, opts.out ?? DEFAULT_GRAPH_PERMISSIONS_PATH);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let map: GraphPermissionMap;
  try {
    map = importPermissionsCatalog(text, basename(file));
  } catch (err) {
    if (err instanceof PermissionCatalogError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  // The map is what scans read back: check it against the same schema they use.
  const checked = GraphPermissionMapSchema.parse(map);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(checked, null, 1)}\n`);

  const names = permissionsInMap(checked);
  const combined = mergePermissionMaps(BUILTIN_GRAPH_PERMISSIONS, checked);
  io.stderr.write(
    `Imported ${checked.entries.length} method+path templates for ${names.application.size} application and ${names.delegated.size} delegated permissions from ${file}. With the built-in map: ${combined.entries.length} templates.\n`,
  );
  io.stdout.write(`${out}\n`);
  return 0;
}

/**
 * The map a scan should use: the built-in one, extended by an imported map when one exists at
 * `file` (default `.leash/graph-permissions.json` under `cwd`).
 * @throws Error when the file exists but is not a valid map
 */
export async function loadGraphPermissionMap(
  options: { file?: string; cwd?: string } = {},
): Promise<GraphPermissionMap> {
  const path = resolve(
    options.cwd ?? process.cwd(),
    options.file ?? DEFAULT_GRAPH_PERMISSIONS_PATH,
  );
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    // No imported map is the normal case: the built-in map alone is used.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && options.file === undefined)
      return BUILTIN_GRAPH_PERMISSIONS;
    throw new Error(`cannot read the Graph permission map ${path}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${path} is not valid JSON`, { cause: err });
  }
  const parsed = GraphPermissionMapSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `${path} is not a Leash Graph permission map; re-create it with \`leash graph-permissions import\`: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  return mergePermissionMaps(BUILTIN_GRAPH_PERMISSIONS, parsed.data);
}
