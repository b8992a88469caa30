import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GRAPH_PERMISSIONS_PATH,
  graphPermissionsImportCommand,
  loadGraphPermissionMap,
} from '#cli/commands/graph-permissions.ts';
import { UsageError } from '#cli/errors.ts';
import { BUILTIN_GRAPH_PERMISSIONS } from '#core/entra/graph-permissions.ts';
import { GraphPermissionMapSchema, permissionsForRequest } from '#core/entra/permission-map.ts';

function sink(): Writable & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => buf;
  return w;
}

const CATALOG = {
  permissions: {
    'SecurityEvents.Read.All': {
      authorizationType: 'oAuth2',
      pathSets: [
        {
          schemeKeys: ['Application'],
          methods: ['GET'],
          paths: { '/security/alerts': 'least=Application' },
        },
      ],
    },
  },
};

async function aWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leash-graph-permissions-'));
  await writeFile(join(dir, 'permissions.json'), `\uFEFF${JSON.stringify(CATALOG)}`);
  return dir;
}

describe('leash graph-permissions import', () => {
  it('writes the imported map to .leash/graph-permissions.json by default', async () => {
    // Arrange
    const cwd = await aWorkspace();
    const stdout = sink();
    const stderr = sink();

    // Act
    const code = await graphPermissionsImportCommand(
      { file: 'permissions.json', cwd },
      { stdout, stderr },
    );

    // Assert
    expect(code).toBe(0);
    const out = join(cwd, DEFAULT_GRAPH_PERMISSIONS_PATH);
    expect(stdout.text()).toBe(`${out}\n`);
    expect(stderr.text()).toMatch(
      /^Imported 1 method\+path templates for 1 application and 0 delegated permissions/,
    );
    const written = GraphPermissionMapSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(written.source).toBe('permissions.json');
    expect(written.entries).toEqual([
      {
        method: 'GET',
        path: '/security/alerts',
        application: ['SecurityEvents.Read.All'],
        delegated: [],
      },
    ]);
  });

  it('writes where --out says', async () => {
    const cwd = await aWorkspace();
    await graphPermissionsImportCommand(
      { file: join(cwd, 'permissions.json'), out: 'maps/graph.json', cwd },
      { stdout: sink(), stderr: sink() },
    );
    expect(JSON.parse(await readFile(join(cwd, 'maps/graph.json'), 'utf8')).schemaVersion).toBe(1);
  });

  it('refuses a file that cannot be read, or is not the catalog', async () => {
    const cwd = await aWorkspace();
    await writeFile(join(cwd, 'other.json'), '{"value": []}');
    const io = { stdout: sink(), stderr: sink() };
    await expect(graphPermissionsImportCommand({ file: 'missing.json', cwd }, io)).rejects.toThrow(
      UsageError,
    );
    await expect(graphPermissionsImportCommand({ file: 'other.json', cwd }, io)).rejects.toThrow(
      /does not look like Microsoft's Graph permissions catalog/,
    );
  });
});

describe('loadGraphPermissionMap', () => {
  it('uses the built-in map when nothing was imported', async () => {
    const cwd = await aWorkspace();
    expect(await loadGraphPermissionMap({ cwd })).toBe(BUILTIN_GRAPH_PERMISSIONS);
  });

  it('extends the built-in map with an imported one', async () => {
    // Arrange
    const cwd = await aWorkspace();
    await graphPermissionsImportCommand(
      { file: 'permissions.json', cwd },
      { stdout: sink(), stderr: sink() },
    );

    // Act
    const map = await loadGraphPermissionMap({ cwd });

    // Assert
    expect(map.source).toBe('leash-builtin + permissions.json');
    expect(permissionsForRequest(map, 'GET', '/security/alerts')).toEqual([
      'SecurityEvents.Read.All',
    ]);
    expect(permissionsForRequest(map, 'POST', '/users/u1/sendMail')).toEqual([
      'Mail.Send',
      'Mail.Send.Shared',
    ]);
  });

  it('fails on a named file that is missing, or a file that is not a map', async () => {
    const cwd = await aWorkspace();
    await expect(loadGraphPermissionMap({ cwd, file: 'nope.json' })).rejects.toThrow(/cannot read/);
    await mkdir(join(cwd, '.leash'));
    await writeFile(join(cwd, DEFAULT_GRAPH_PERMISSIONS_PATH), '{"entries": 1}');
    await expect(loadGraphPermissionMap({ cwd })).rejects.toThrow(
      /not a Leash Graph permission map/,
    );
    await writeFile(join(cwd, DEFAULT_GRAPH_PERMISSIONS_PATH), '{');
    await expect(loadGraphPermissionMap({ cwd })).rejects.toThrow(/not valid JSON/);
  });
});
