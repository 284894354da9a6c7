// kubectl conformance, writing: the real kubectl v1.35 against the sandbox for create, apply (client- and
// server-side), replace, edit, patch, label, annotate, scale, delete (immediate, graceful, --wait), cordon,
// auth can-i, and the errors kubectl users meet.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { kubectlFor, startKubectl } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { parseTable, rowOf } from './support/table.ts';

let sandbox: TestSandbox;
let k: ReturnType<typeof kubectlFor>;

function manifest(name: string, content: string | object): string {
  const path = join(sandbox.dir, name);
  writeFileSync(path, typeof content === 'string' ? content : toYaml(content));
  return path;
}

async function jsonpath(args: string[], path: string): Promise<string> {
  return k.ok(['get', ...args, '-o', `jsonpath=${path}`]);
}

async function getJson(args: string[]): Promise<any> {
  return JSON.parse(await k.ok(['get', ...args, '-o', 'json']));
}

const NODE = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.11' }],
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    nodeInfo: { kubeletVersion: 'v1.35.0', containerRuntimeVersion: 'containerd://1.7.24', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', operatingSystem: 'linux', architecture: 'amd64', kubeProxyVersion: '', machineID: '', systemUUID: '', bootID: '' },
  },
};

function deployment(name: string, containers: object[], replicas = 1): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers } } },
  };
}

function pod(name: string, extra: { nodeName?: string; labels?: Record<string, string> } = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { ...(extra.nodeName ? { nodeName: extra.nodeName } : {}), containers: [{ name: 'main', image: 'nginx:1.27' }] },
  };
}

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  k = kubectlFor(sandbox.kubeconfig);
  assert.equal(await k.ok(['create', '-f', manifest('node.yaml', NODE)]), 'node/n1 created\n');
});

after(async () => {
  await sandbox?.cleanup();
});

describe('kubectl create, apply, replace and edit', () => {
  test('create -f creates once, then AlreadyExists', async () => {
    const path = manifest('cm.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
    assert.equal(await k.ok(['create', '-f', path]), 'configmap/settings created\n');
    assert.equal(await jsonpath(['configmap', 'settings'], '{.data.mode}'), 'fast');
    const again = await k.fails(['create', '-f', path]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `Error from server (AlreadyExists): error when creating "${path}": configmaps "settings" already exists\n`);
  });

  test('apply (client-side) creates, then configures, then leaves unchanged', async () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', labels: { tier: 'web' } }, data: { level: 'info', extra: 'kept' } };
    const path = manifest('app-config.yaml', object);
    assert.equal(await k.ok(['apply', '-f', path]), 'configmap/app-config created\n');
    const created = await getJson(['configmap', 'app-config']);
    const lastApplied = JSON.parse(created.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.deepEqual(lastApplied.data, { level: 'info', extra: 'kept' });

    // change one key and drop another: apply updates the first and removes the second
    manifest('app-config.yaml', { ...object, data: { level: 'debug' } });
    assert.equal(await k.ok(['apply', '-f', path]), 'configmap/app-config configured\n');
    const updated = await getJson(['configmap', 'app-config']);
    assert.deepEqual(updated.data, { level: 'debug' });
    assert.deepEqual(updated.metadata.labels, { tier: 'web' });
    assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);

    assert.equal(await k.ok(['apply', '-f', path]), 'configmap/app-config unchanged\n');
    assert.equal((await getJson(['configmap', 'app-config'])).metadata.resourceVersion, updated.metadata.resourceVersion);
  });

  test('apply of a Deployment merges containers by name and drops a removed one', async () => {
    const path = manifest('api.yaml', deployment('api', [
      { name: 'main', image: 'nginx:1.0', env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'busybox:1' },
    ]));
    assert.equal(await k.ok(['apply', '-f', path]), 'deployment.apps/api created\n');
    manifest('api.yaml', deployment('api', [{ name: 'main', image: 'nginx:2.0' }], 3));
    assert.equal(await k.ok(['apply', '-f', path]), 'deployment.apps/api configured\n');
    const applied = await getJson(['deployment', 'api']);
    assert.deepEqual(applied.spec.template.spec.containers.map((c: any) => [c.name, c.image, c.env]), [['main', 'nginx:2.0', undefined]]);
    assert.equal(applied.spec.replicas, 3);
    assert.equal(applied.metadata.generation, 2);
    assert.equal(applied.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log', 'server defaults are kept');
    assert.equal(await k.ok(['apply', '-f', path]), 'deployment.apps/api unchanged\n');
  });

  test('apply --server-side creates and updates, owned by the kubectl manager', async () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { key: 'one' } };
    const path = manifest('ssa.yaml', object);
    assert.equal(await k.ok(['apply', '--server-side', '-f', path]), 'configmap/ssa serverside-applied\n');
    manifest('ssa.yaml', { ...object, data: { key: 'two' } });
    assert.equal(await k.ok(['apply', '--server-side', '-f', path]), 'configmap/ssa serverside-applied\n');
    const applied = await getJson(['configmap', 'ssa', '--show-managed-fields']);
    assert.deepEqual(applied.data, { key: 'two' });
    assert.deepEqual(applied.metadata.managedFields.map((e: any) => [e.manager, e.operation]), [['kubectl', 'Apply']]);
    assert.equal(applied.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  });

  test('replace -f writes the whole object; a stale resourceVersion is a Conflict', async () => {
    const current = await getJson(['deployment', 'api']);
    const path = manifest('api-replace.yaml', { ...current, spec: { ...current.spec, replicas: 4 } });
    assert.equal(await k.ok(['replace', '-f', path]), 'deployment.apps/api replaced\n');
    assert.equal(await jsonpath(['deployment', 'api'], '{.spec.replicas}'), '4');

    const stale = await k.fails(['replace', '-f', path]);
    assert.equal(stale.stderr, `Error from server (Conflict): error when replacing "${path}": Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again\n`);

    // a bare manifest (no resourceVersion, no defaults) replaces unconditionally and gets the defaults back
    const bare = manifest('api-bare.yaml', deployment('api', [{ name: 'main', image: 'nginx:3.0' }], 4));
    assert.equal(await k.ok(['replace', '-f', bare]), 'deployment.apps/api replaced\n');
    const replaced = await getJson(['deployment', 'api']);
    assert.equal(replaced.spec.template.spec.containers[0].image, 'nginx:3.0');
    assert.equal(replaced.spec.revisionHistoryLimit, 10);
    assert.equal(replaced.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  test('replace -f of a Service keeps its cluster IP when the manifest leaves it out', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'front' }, spec: { type: 'NodePort', selector: { app: 'front' }, ports: [{ name: 'http', port: 80 }] } };
    const path = manifest('front.yaml', service);
    assert.equal(await k.ok(['create', '-f', path]), 'service/front created\n');
    const created = parseTable(await k.ok(['get', 'service', 'front']));
    const ip = rowOf(created, 'front')['CLUSTER-IP'];
    assert.match(ip, /^10\.(9[6-9]|10\d|11[01])\./);
    assert.match(rowOf(created, 'front')['PORT(S)'], /^80:3\d{4}\/TCP$/);
    assert.equal(await k.ok(['replace', '-f', path]), 'service/front replaced\n');
    const replaced = parseTable(await k.ok(['get', 'service', 'front']));
    assert.deepEqual(rowOf(replaced, 'front'), { ...rowOf(created, 'front'), AGE: rowOf(replaced, 'front').AGE });
  });

  test('edit runs $EDITOR on the object and applies what it saved', async () => {
    const editor = join(sandbox.dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/mode: fast/mode: slow/" "$1"\n');
    chmodSync(editor, 0o755);
    assert.equal(await k.ok(['edit', 'configmap', 'settings'], { env: { EDITOR: editor } }), 'configmap/settings edited\n');
    assert.equal(await jsonpath(['configmap', 'settings'], '{.data.mode}'), 'slow');
    // nothing left to change: kubectl says so and writes nothing
    const again = await k.run(['edit', 'configmap', 'settings'], { env: { EDITOR: editor } });
    assert.equal(again.code, 0);
    assert.equal(again.stderr, 'Edit cancelled, no changes made.\n');
  });
});

describe('kubectl patch, label, annotate and scale', () => {
  before(async () => {
    const path = manifest('web.yaml', deployment('web', [{ name: 'main', image: 'nginx:1.0' }, { name: 'sidecar', image: 'busybox:1' }], 2));
    assert.equal(await k.ok(['create', '-f', path]), 'deployment.apps/web created\n');
    assert.equal(await k.ok(['create', '-f', manifest('labelled.yaml', pod('labelled', { labels: { app: 'demo' } }))]), 'pod/labelled created\n');
  });

  test('patch --type strategic merges list items by key', async () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:2.0' }] } } } };
    assert.equal(await k.ok(['patch', 'deployment', 'web', '-p', JSON.stringify(patch)]), 'deployment.apps/web patched\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{range .spec.template.spec.containers[*]}{.name}={.image} {end}'), 'main=nginx:2.0 sidecar=busybox:1 ');
    const remove = { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } };
    assert.equal(await k.ok(['patch', 'deployment', 'web', '--type', 'strategic', '-p', JSON.stringify(remove)]), 'deployment.apps/web patched\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.template.spec.containers[*].name}'), 'main');
    assert.equal(await jsonpath(['deployment', 'web'], '{.metadata.generation}'), '3');
  });

  test('patch --type merge replaces lists and sets fields; an identical patch is no change', async () => {
    assert.equal(await k.ok(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}']), 'deployment.apps/web patched\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.replicas}'), '3');
    assert.equal(await k.ok(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}']), 'deployment.apps/web patched (no change)\n');
  });

  test('patch --type json applies operations in order and fails on a failed test', async () => {
    const ops = [
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:3.0' },
      { op: 'add', path: '/metadata/labels', value: { team: 'blue' } },
      { op: 'test', path: '/spec/replicas', value: 3 },
    ];
    assert.equal(await k.ok(['patch', 'deployment', 'web', '--type', 'json', '-p', JSON.stringify(ops)]), 'deployment.apps/web patched\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.template.spec.containers[0].image} {.metadata.labels.team}'), 'nginx:3.0 blue');
    const failed = await k.fails(['patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
    assert.match(failed.stderr, /testing value "\/spec\/replicas" failed/);
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.replicas}'), '3');
    const missing = await k.fails(['patch', 'deployment', 'nope', '--type', 'merge', '-p', '{}']);
    assert.equal(missing.stderr, 'Error from server (NotFound): deployments.apps "nope" not found\n');
  });

  test('label adds, refuses to overwrite without --overwrite, overwrites, and removes with key-', async () => {
    assert.equal(await k.ok(['label', 'pod', 'labelled', 'env=prod']), 'pod/labelled labeled\n');
    const refused = await k.fails(['label', 'pod', 'labelled', 'env=dev']);
    assert.equal(refused.stderr, "error: 'env' already has a value (prod), and --overwrite is false\n");
    assert.equal(await k.ok(['label', 'pod', 'labelled', 'env=dev', '--overwrite']), 'pod/labelled labeled\n');
    const shown = parseTable(await k.ok(['get', 'pod', 'labelled', '-L', 'env,app']));
    assert.deepEqual(shown.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'ENV', 'APP']);
    assert.deepEqual([rowOf(shown, 'labelled').ENV, rowOf(shown, 'labelled').APP], ['dev', 'demo']);
    const withLabels = parseTable(await k.ok(['get', 'pod', 'labelled', '--show-labels']));
    assert.equal(rowOf(withLabels, 'labelled').LABELS, 'app=demo,env=dev');
    assert.equal(await k.ok(['label', 'pod', 'labelled', 'env-']), 'pod/labelled unlabeled\n');
    assert.equal(await jsonpath(['pod', 'labelled'], '{.metadata.labels}'), '{"app":"demo"}');
    assert.equal(await k.ok(['label', 'nodes', '--all', 'zone=a']), 'node/n1 labeled\n');
    assert.deepEqual((await k.ok(['get', 'nodes', '-l', 'zone=a', '-o', 'name'])).trim(), 'node/n1');
  });

  test('annotate adds, overwrites with --overwrite and removes', async () => {
    assert.equal(await k.ok(['annotate', 'deployment', 'web', 'owner=alice']), 'deployment.apps/web annotated\n');
    const refused = await k.fails(['annotate', 'deployment', 'web', 'owner=bob']);
    assert.equal(refused.stderr, "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (alice)\n");
    assert.equal(await k.ok(['annotate', 'deployment', 'web', 'owner=bob', '--overwrite']), 'deployment.apps/web annotated\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.metadata.annotations.owner}'), 'bob');
    assert.equal(await k.ok(['annotate', 'deployment', 'web', 'owner-']), 'deployment.apps/web annotated\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.metadata.annotations}'), '');
  });

  test('scale sets replicas of a deployment and a statefulset through the scale subresource', async () => {
    const sts = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
      spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } },
    };
    assert.equal(await k.ok(['create', '-f', manifest('db.yaml', sts)]), 'statefulset.apps/db created\n');
    assert.equal(await k.ok(['scale', 'deployment', 'web', '--replicas=5']), 'deployment.apps/web scaled\n');
    assert.equal(await k.ok(['scale', 'statefulset', 'db', '--replicas=3']), 'statefulset.apps/db scaled\n');
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.replicas}'), '5');
    assert.equal(await jsonpath(['statefulset', 'db'], '{.spec.replicas}'), '3');
    const deployments = parseTable(await k.ok(['get', 'deployment', 'web']));
    assert.equal(rowOf(deployments, 'web').READY, '0/5');
    const statefulsets = parseTable(await k.ok(['get', 'statefulset', 'db']));
    assert.equal(rowOf(statefulsets, 'db').READY, '0/3');
    const precondition = await k.fails(['scale', 'deployment', 'web', '--current-replicas=2', '--replicas=1']);
    assert.equal(precondition.stderr, 'error: Expected replicas to be 2, was 5\n');
    const negative = await k.fails(['scale', 'deployment', 'web', '--replicas=-1']);
    assert.match(negative.stderr, /replicas/);
    assert.equal(await jsonpath(['deployment', 'web'], '{.spec.replicas}'), '5');
  });
});

describe('kubectl delete', () => {
  test('an unscheduled pod goes at once', async () => {
    assert.equal(await k.ok(['create', '-f', manifest('free.yaml', pod('free'))]), 'pod/free created\n');
    assert.equal(await k.ok(['delete', 'pod', 'free']), 'pod "free" deleted from default namespace\n');
    const gone = await k.fails(['get', 'pod', 'free']);
    assert.equal(gone.stderr, 'Error from server (NotFound): pods "free" not found\n');
  });

  test('a bound pod terminates gracefully: --wait=false returns, it shows Terminating, --force removes it', async () => {
    assert.equal(await k.ok(['create', '-f', manifest('bound.yaml', pod('bound', { nodeName: 'n1' }))]), 'pod/bound created\n');
    const started = Date.now();
    assert.equal(await k.ok(['delete', 'pod', 'bound', '--wait=false']), 'pod "bound" deleted from default namespace\n');
    assert.ok(Date.now() - started < 10_000, 'delete --wait=false does not wait');
    const pods = parseTable(await k.ok(['get', 'pods']));
    assert.equal(rowOf(pods, 'bound').STATUS, 'Terminating');
    const object = await getJson(['pod', 'bound']);
    assert.equal(object.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(object.metadata.deletionTimestamp);

    const forced = await k.run(['delete', 'pod', 'bound', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0);
    assert.equal(forced.stdout, 'pod "bound" force deleted from default namespace\n');
    assert.match(forced.stderr, /^Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated/);
    await k.fails(['get', 'pod', 'bound']);
  });

  test('delete --wait returns 0 once the pod is gone, even when someone else removes it', async () => {
    assert.equal(await k.ok(['create', '-f', manifest('waited.yaml', pod('waited', { nodeName: 'n1' }))]), 'pod/waited created\n');
    const deleting = startKubectl(sandbox.kubeconfig, ['delete', 'pod', 'waited', '--wait', '--timeout=30s']);
    try {
      await deleting.waitFor(/^pod "waited" deleted from default namespace$/m);
      assert.ok((await getJson(['pod', 'waited'])).metadata.deletionTimestamp, 'the pod is terminating while delete waits');
      await k.ok(['delete', 'pod', 'waited', '--grace-period=0', '--force']);
      const exit = await Promise.race([deleting.exited, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000))]);
      assert.deepEqual(exit, { code: 0, signal: null }, deleting.stderr);
    } finally {
      await deleting.stop();
    }
  });

  test('delete of a missing object is NotFound; --ignore-not-found is quiet', async () => {
    const missing = await k.fails(['delete', 'pod', 'nope']);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    const quiet = await k.run(['delete', 'pod', 'nope', '--ignore-not-found']);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  });

  test('delete -l removes every match', async () => {
    for (const name of ['sel-a', 'sel-b']) await k.ok(['create', '-f', manifest(`${name}.yaml`, pod(name, { labels: { batch: 'x' } }))]);
    const out = await k.ok(['delete', 'pods', '-l', 'batch=x']);
    assert.equal(out, 'pod "sel-a" deleted from default namespace\npod "sel-b" deleted from default namespace\n');
    const left = await k.run(['get', 'pods', '-l', 'batch=x']);
    assert.equal(left.stderr, 'No resources found in default namespace.\n');
  });
});

describe('kubectl cordon, uncordon and auth', () => {
  test('cordon and uncordon toggle SchedulingDisabled and say when there is nothing to do', async () => {
    assert.equal(await k.ok(['cordon', 'n1']), 'node/n1 cordoned\n');
    assert.equal(await k.ok(['cordon', 'n1']), 'node/n1 already cordoned\n');
    let nodes = parseTable(await k.ok(['get', 'nodes']));
    assert.equal(rowOf(nodes, 'n1').STATUS, 'Ready,SchedulingDisabled');
    assert.equal(await jsonpath(['node', 'n1'], '{.spec.unschedulable}'), 'true');
    assert.equal(await k.ok(['uncordon', 'n1']), 'node/n1 uncordoned\n');
    assert.equal(await k.ok(['uncordon', 'n1']), 'node/n1 already uncordoned\n');
    nodes = parseTable(await k.ok(['get', 'nodes']));
    assert.equal(rowOf(nodes, 'n1').STATUS, 'Ready');
    assert.equal(await jsonpath(['node', 'n1'], '{.spec.unschedulable}'), '');
    const missing = await k.fails(['cordon', 'nope']);
    assert.equal(missing.stderr, 'Error from server (NotFound): nodes "nope" not found\n');
  });

  test('auth can-i answers yes for the sandbox administrator, and --list shows the rules', async () => {
    assert.equal(await k.ok(['auth', 'can-i', 'delete', 'pods']), 'yes\n');
    assert.equal(await k.ok(['auth', 'can-i', 'create', 'deployments.apps', '-n', 'kube-system']), 'yes\n');
    assert.equal(await k.ok(['auth', 'can-i', 'get', '/healthz']), 'yes\n');
    const rules = parseTable(await k.ok(['auth', 'can-i', '--list']));
    assert.deepEqual(rules.header, ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    // a cluster administrator's first rules: every verb on every resource and on every non-resource URL
    assert.deepEqual(rules.rows.slice(0, 2), [
      { Resources: '*.*', 'Non-Resource URLs': '[]', 'Resource Names': '[]', Verbs: '[*]' },
      { Resources: '', 'Non-Resource URLs': '[*]', 'Resource Names': '[]', Verbs: '[*]' },
    ]);
  });
});

describe('kubectl errors for bad input', () => {
  test('a malformed YAML file is rejected by kubectl before anything is sent', async () => {
    const path = manifest('broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n data: [\n');
    for (const verb of ['create', 'apply']) {
      const result = await k.fails([verb, '-f', path]);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `error: error parsing ${path}: error converting YAML to JSON: yaml: line 4: did not find expected key\n`);
    }
    await k.fails(['get', 'configmap', 'broken']);
  });

  test('a name with capitals is Invalid, naming the DNS rule', async () => {
    const rule = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const configmap = await k.fails(['create', '-f', manifest('caps.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'BadName' } })]);
    assert.equal(configmap.stderr, `The ConfigMap "BadName" is invalid: metadata.name: Invalid value: "BadName": ${rule}\n`);
    const badPod = await k.fails(['apply', '-f', manifest('caps-pod.yaml', pod('MyPod'))]);
    assert.equal(badPod.stderr, `The Pod "MyPod" is invalid: metadata.name: Invalid value: "MyPod": ${rule}\n`);
    const namespace = await k.fails(['create', '-f', manifest('caps-ns.yaml', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Team.A' } })]);
    assert.match(namespace.stderr, /^The Namespace "Team\.A" is invalid: metadata\.name: Invalid value: "Team\.A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'/);
  });

  test('an unquoted boolean in a ConfigMap fails decoding on the server', async () => {
    const path = manifest('flags.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  enabled: true\n');
    const result = await k.fails(['apply', '-f', path]);
    assert.equal(result.stderr, `Error from server (BadRequest): error when creating "${path}": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string\n`);
  });

  test('a missing required field is Invalid, naming the field', async () => {
    const result = await k.fails(['create', '-f', manifest('empty-pod.yaml', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'empty' }, spec: {} })]);
    assert.equal(result.stderr, 'The Pod "empty" is invalid: spec.containers: Required value\n');
  });

  test('creating in a namespace that does not exist is NotFound', async () => {
    const path = manifest('elsewhere.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'nowhere' } });
    const result = await k.fails(['create', '-f', path]);
    assert.equal(result.stderr, `Error from server (NotFound): error when creating "${path}": namespaces "nowhere" not found\n`);
  });

  test('kubectl get -o yaml | kubectl apply -f - round-trips', async () => {
    const yaml = await k.ok(['get', 'configmap', 'settings', '-o', 'yaml']);
    const object = parseYaml(yaml);
    object.data.mode = 'piped';
    const out = await k.ok(['apply', '-f', '-'], { input: toYaml(object) });
    assert.match(out, /^configmap\/settings configured$/m);
    assert.equal(await jsonpath(['configmap', 'settings'], '{.data.mode}'), 'piped');
  });
});
