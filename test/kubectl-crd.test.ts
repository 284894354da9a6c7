// kubectl conformance, custom resources: the real kubectl v1.35 against the sandbox for a CRD's whole life —
// create (schema, printer columns, status subresource, short names, categories), custom resources created,
// listed, applied, patched and status-patched, invalid and unknown fields refused, and the type gone with its CRD.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { kubectlFor } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { parseTable, parseTables, rowOf } from './support/table.ts';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'backups.kmaint.io' },
  spec: {
    group: 'kmaint.io',
    scope: 'Namespaced',
    names: { plural: 'backups', singular: 'backup', kind: 'Backup', listKind: 'BackupList', shortNames: ['bk'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
          { name: 'Retain', type: 'integer', jsonPath: '.spec.retainDays' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['schedule'],
                properties: {
                  schedule: { type: 'string' },
                  retainDays: { type: 'integer', minimum: 1 },
                  mode: { type: 'string', enum: ['full', 'incremental'] },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

function backup(name: string, spec: object): object {
  return { apiVersion: 'kmaint.io/v1', kind: 'Backup', metadata: { name }, spec };
}

let sandbox: TestSandbox;
let k: ReturnType<typeof kubectlFor>;

function manifest(name: string, content: object): string {
  const path = join(sandbox.dir, name);
  writeFileSync(path, toYaml(content));
  return path;
}

async function jsonpath(args: string[], path: string): Promise<string> {
  return k.ok(['get', ...args, '-o', `jsonpath=${path}`]);
}

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  k = kubectlFor(sandbox.kubeconfig);
});

after(async () => {
  await sandbox?.cleanup();
});

describe('a CustomResourceDefinition and its custom resources', () => {
  test('the CRD is created, becomes Established and adds its type to discovery', async () => {
    assert.equal(await k.ok(['create', '-f', manifest('crd.yaml', CRD)]), 'customresourcedefinition.apiextensions.k8s.io/backups.kmaint.io created\n');
    assert.equal(await k.ok(['wait', '--for=condition=Established', 'crd/backups.kmaint.io', '--timeout=10s']), 'customresourcedefinition.apiextensions.k8s.io/backups.kmaint.io condition met\n');
    const crds = parseTable(await k.ok(['get', 'crd']));
    assert.deepEqual(crds.header, ['NAME', 'CREATED AT']);
    assert.match(rowOf(crds, 'backups.kmaint.io')['CREATED AT'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(await jsonpath(['crd', 'backups.kmaint.io'], '{.status.acceptedNames.kind} {.status.storedVersions}'), 'Backup ["v1"]');

    const resources = parseTable(await k.ok(['api-resources', '--api-group=kmaint.io']));
    assert.deepEqual(resources.rows, [{ NAME: 'backups', SHORTNAMES: 'bk', APIVERSION: 'kmaint.io/v1', NAMESPACED: 'true', KIND: 'Backup' }]);
  });

  test('a custom resource is created and listed with the CRD\'s printer columns', async () => {
    assert.equal(await k.ok(['create', '-f', manifest('nightly.yaml', backup('nightly', { schedule: '0 3 * * *', retainDays: 7, mode: 'full' }))]), 'backup.kmaint.io/nightly created\n');
    const list = parseTable(await k.ok(['get', 'backups']));
    assert.deepEqual(list.header, ['NAME', 'SCHEDULE', 'RETAIN', 'PHASE', 'AGE']);
    assert.deepEqual({ ...rowOf(list, 'nightly'), AGE: '' }, { NAME: 'nightly', SCHEDULE: '0 3 * * *', RETAIN: '7', PHASE: '', AGE: '' });
    assert.match(rowOf(list, 'nightly').AGE, /^\d+s$/);

    const wide = parseTable(await k.ok(['get', 'bk', '-o', 'wide']));
    assert.deepEqual(wide.header, ['NAME', 'SCHEDULE', 'RETAIN', 'PHASE', 'MODE', 'AGE']);
    assert.equal(rowOf(wide, 'nightly').MODE, 'full');

    const all = parseTables(await k.ok(['get', 'all']));
    assert.deepEqual(all.map((t) => t.rows.map((r) => r.NAME)), [['service/kubernetes'], ['backup.kmaint.io/nightly']], 'the "all" category includes it, after the built-in kinds');

    const object = JSON.parse(await k.ok(['get', 'backup', 'nightly', '-o', 'json']));
    assert.equal(object.apiVersion, 'kmaint.io/v1');
    assert.equal(object.kind, 'Backup');
    assert.equal(object.metadata.generation, 1);
    assert.deepEqual(object.spec, { schedule: '0 3 * * *', retainDays: 7, mode: 'full' });
    assert.equal(await k.ok(['get', 'backups.kmaint.io', '-o', 'name']), 'backup.kmaint.io/nightly\n');

    const described = await k.ok(['describe', 'backup', 'nightly']);
    assert.match(described, /^Name:\s+nightly$/m);
    assert.match(described, /^API Version:\s+kmaint\.io\/v1$/m);
    assert.match(described, /^Spec:\n\s+Mode:\s+full\n\s+Retain Days:\s+7\n\s+Schedule:\s+0 3 \* \* \*$/m);
  });

  test('apply, client-side and server-side, works on custom resources', async () => {
    const path = manifest('weekly.yaml', backup('weekly', { schedule: '0 4 * * 0', retainDays: 30 }));
    assert.equal(await k.ok(['apply', '-f', path]), 'backup.kmaint.io/weekly created\n');
    manifest('weekly.yaml', backup('weekly', { schedule: '0 5 * * 0', retainDays: 30 }));
    assert.equal(await k.ok(['apply', '-f', path]), 'backup.kmaint.io/weekly configured\n');
    assert.equal(await k.ok(['apply', '-f', path]), 'backup.kmaint.io/weekly unchanged\n');
    assert.equal(await jsonpath(['backup', 'weekly'], '{.spec.schedule}'), '0 5 * * 0');

    const ssa = manifest('monthly.yaml', backup('monthly', { schedule: '0 6 1 * *' }));
    assert.equal(await k.ok(['apply', '--server-side', '-f', ssa]), 'backup.kmaint.io/monthly serverside-applied\n');
    manifest('monthly.yaml', backup('monthly', { schedule: '0 7 1 * *' }));
    assert.equal(await k.ok(['apply', '--server-side', '-f', ssa]), 'backup.kmaint.io/monthly serverside-applied\n');
    assert.equal(await jsonpath(['backup', 'monthly'], '{.spec.schedule}'), '0 7 1 * *');
  });

  test('patch: merge and json work, strategic merge is refused for custom resources', async () => {
    assert.equal(await k.ok(['patch', 'backup', 'nightly', '--type', 'merge', '-p', '{"spec":{"retainDays":14}}']), 'backup.kmaint.io/nightly patched\n');
    assert.equal(await k.ok(['patch', 'backup', 'nightly', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/mode","value":"incremental"}]']), 'backup.kmaint.io/nightly patched\n');
    assert.equal(await jsonpath(['backup', 'nightly'], '{.spec.retainDays} {.spec.mode} {.metadata.generation}'), '14 incremental 3');
    const strategic = await k.fails(['patch', 'backup', 'nightly', '-p', '{"spec":{"retainDays":15}}']);
    assert.equal(strategic.stderr, 'error: application/strategic-merge-patch+json is not supported by kmaint.io/v1, Kind=Backup: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n');
    const invalid = await k.fails(['patch', 'backup', 'nightly', '--type', 'merge', '-p', '{"spec":{"retainDays":0}}']);
    assert.equal(invalid.stderr, 'The Backup "nightly" is invalid: spec.retainDays: Invalid value: 0: spec.retainDays in body should be greater than or equal to 1\n');
    assert.equal(await jsonpath(['backup', 'nightly'], '{.spec.retainDays}'), '14');
  });

  test('status is written only through the status subresource, which leaves generation alone', async () => {
    assert.equal(await k.ok(['patch', 'backup', 'nightly', '--subresource=status', '--type', 'merge', '-p', '{"status":{"phase":"Done"}}']), 'backup.kmaint.io/nightly patched\n');
    assert.equal(rowOf(parseTable(await k.ok(['get', 'backups'])), 'nightly').PHASE, 'Done');
    assert.equal(await jsonpath(['backup', 'nightly'], '{.metadata.generation}'), '3');
    // through the main resource, a status change is ignored
    assert.equal(await k.ok(['patch', 'backup', 'nightly', '--type', 'merge', '-p', '{"status":{"phase":"Lost"}}']), 'backup.kmaint.io/nightly patched (no change)\n');
    assert.equal(await jsonpath(['backup', 'nightly'], '{.status.phase}'), 'Done');
  });

  test('an invalid custom resource is refused, naming every bad field', async () => {
    const result = await k.fails(['create', '-f', manifest('broken.yaml', backup('broken', { retainDays: 0, mode: 'partial' }))]);
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'The Backup "broken" is invalid: ');
    assert.deepEqual(lines.slice(1).sort(), [
      '* spec.mode: Unsupported value: "partial": supported values: "full", "incremental"',
      '* spec.retainDays: Invalid value: 0: spec.retainDays in body should be greater than or equal to 1',
      '* spec.schedule: Required value',
    ]);
    await k.fails(['get', 'backup', 'broken']);
  });

  test('an unknown field is rejected with strict validation, and pruned without it', async () => {
    const path = manifest('unknown.yaml', backup('colourful', { schedule: '@daily', colour: 'blue' }));
    const strict = await k.fails(['create', '-f', path]);
    assert.equal(strict.stderr, `Error from server (BadRequest): error when creating "${path}": Backup in version "v1" cannot be handled as a Backup: strict decoding error: unknown field "spec.colour"\n`);
    const serverSide = await k.fails(['apply', '--server-side', '-f', path]);
    assert.equal(serverSide.stderr, 'Error from server: failed to create typed patch object (default/colourful; kmaint.io/v1, Kind=Backup): .spec.colour: field not declared in schema\n');
    assert.equal(await k.ok(['create', '-f', path, '--validate=false']), 'backup.kmaint.io/colourful created\n');
    assert.equal(await jsonpath(['backup', 'colourful'], '{.spec}'), '{"schedule":"@daily"}');
    // applying it to the existing object: the patch handler names the patched object
    const patched = await k.fails(['apply', '-f', path]);
    assert.match(patched.stderr, /^Warning: resource backups\/colourful is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/);
    assert.match(patched.stderr, /^The request is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec\.colour"$/m);
  });

  test('errors name the custom resource as group-qualified', async () => {
    const missing = await k.fails(['get', 'backup', 'nope']);
    assert.equal(missing.stderr, 'Error from server (NotFound): backups.kmaint.io "nope" not found\n');
    const twice = await k.fails(['create', '-f', join(sandbox.dir, 'nightly.yaml')]);
    assert.equal(twice.stderr, `Error from server (AlreadyExists): error when creating "${join(sandbox.dir, 'nightly.yaml')}": backups.kmaint.io "nightly" already exists\n`);
  });

  test('a custom resource is deleted, then the CRD takes the whole type away', async () => {
    assert.equal(await k.ok(['delete', 'backup', 'nightly']), 'backup.kmaint.io "nightly" deleted from default namespace\n');
    const gone = await k.fails(['get', 'backup', 'nightly']);
    assert.equal(gone.stderr, 'Error from server (NotFound): backups.kmaint.io "nightly" not found\n');
    assert.deepEqual(parseTable(await k.ok(['get', 'backups'])).rows.map((r) => r.NAME), ['colourful', 'monthly', 'weekly']);

    assert.equal(await k.ok(['delete', 'crd', 'backups.kmaint.io']), 'customresourcedefinition.apiextensions.k8s.io "backups.kmaint.io" deleted\n');
    const crds = await k.run(['get', 'crd']);
    assert.equal(crds.stderr, 'No resources found\n');
    assert.deepEqual(parseTable(await k.ok(['api-resources', '--api-group=kmaint.io'])).rows, []);
    // a kubectl without a stale discovery cache no longer knows the type
    const fresh = await k.fails(['get', 'backups'], { cacheDir: join(sandbox.dir, 'fresh-cache') });
    assert.equal(fresh.stderr, 'error: the server doesn\'t have a resource type "backups"\n');
    // and the server no longer serves it, nor kept its objects for a CRD of the same name
    assert.equal(await k.ok(['create', '-f', manifest('crd.yaml', CRD)]), 'customresourcedefinition.apiextensions.k8s.io/backups.kmaint.io created\n');
    const empty = await k.run(['get', 'backups'], { cacheDir: join(sandbox.dir, 'fresh-cache-2') });
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', 'No resources found in default namespace.\n']);
  });
});
