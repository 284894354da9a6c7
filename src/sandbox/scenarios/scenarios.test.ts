import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startSandbox } from '../sandbox.ts';
import { parseScenario, ScenarioError } from './format.ts';
import { builtInScenarios, clusterInfoConfigMap, readScenario, scenarioObjects } from './loader.ts';

describe('scenario files', () => {
  it('ships empty, seed, pool and large', () => {
    assert.deepEqual(builtInScenarios(), ['empty', 'seed', 'pool', 'large']);
    for (const name of builtInScenarios()) assert.equal(readScenario(name).name, name);
  });

  it('seed is the transcript cluster: two v1.27.0 nodes, the master untainted', () => {
    const objects = scenarioObjects(readScenario('seed'));
    const nodes = objects.filter((o) => o.kind === 'Node');
    assert.deepEqual(nodes.map((n) => n.metadata.name), ['k8s-master', 'k8s-node1']);
    assert.equal(nodes[0].metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
    assert.equal(nodes[1].metadata.labels?.['node-role.kubernetes.io/control-plane'], undefined);
    assert.equal(nodes[0].spec.taints, undefined);
    for (const node of nodes) {
      assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.27.0');
      assert.equal(node.metadata.annotations?.['sandbox.kmaint.io/simulated'], 'true');
    }
    const names = objects.filter((o) => o.kind !== 'Node').map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    for (const expected of ['DaemonSet/kube-system/calico-node', 'DaemonSet/kube-system/kube-proxy', 'Deployment/kube-system/calico-kube-controllers', 'Deployment/kube-system/coredns',
      'Pod/kube-system/etcd-k8s-master', 'Pod/kube-system/kube-apiserver-k8s-master', 'Pod/kube-system/kube-controller-manager-k8s-master', 'Pod/kube-system/kube-scheduler-k8s-master',
      'Deployment/default/deployment-hellok8s-go-http', 'Pod/default/go-http', 'StatefulSet/default/stateful-nginx']) {
      assert.ok(names.includes(expected), expected);
    }
  });

  it('takes parameters from flags, as numbers where the default is one', () => {
    const pool = readScenario('pool', { nodes: '5', podsPerNode: '2' });
    assert.equal(pool.description, '5 workers x 2 pods, one maxUnavailable-1 PodDisruptionBudget per Deployment');
    const objects = scenarioObjects(pool);
    assert.equal(objects.filter((o) => o.kind === 'Node').length, 6);
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    assert.equal(deployments.length, 2);
    assert.equal(deployments[0].spec.replicas, 5);
    assert.deepEqual(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((p) => p.spec.maxUnavailable), [1, 1]);
    assert.throws(() => readScenario('pool', { nodes: 'many' }), /parameter "nodes" must be a number/);
    assert.throws(() => readScenario('pool', { size: '3' }), /no parameter "size" \(parameters: nodes, podsPerNode\)/);
    assert.throws(() => readScenario('seed', { nodes: '3' }), /declares none/);
  });

  it('large has 5,000 nodes in three zones and 150,000 replicas', () => {
    const objects = scenarioObjects(readScenario('large'));
    const nodes = objects.filter((o) => o.kind === 'Node');
    assert.equal(nodes.length, 5000);
    assert.deepEqual(new Set(nodes.map((n) => n.metadata.labels?.['topology.kubernetes.io/zone'])), new Set(['zone-a', 'zone-b', 'zone-c']));
    assert.equal(new Set(nodes.map((n) => n.spec.podCIDR)).size, 5000);
    const replicas = objects.filter((o) => o.kind === 'Deployment').reduce((sum, d) => sum + d.spec.replicas, 0);
    assert.equal(replicas, 150_000);
  });

  it('explains what is wrong with a scenario file', () => {
    const bad: Array<[string, RegExp]> = [
      ['nodes: [{name: a}]', /"name" is required/],
      ['name: x\nnodez: []', /unknown field "nodez"/],
      ['name: x\nnodes: [{name: a}, {name: a}]', /node "a" is listed twice/],
      ['name: x\nobjects: [{kind: Pod}]', /objects\[0\] must be a manifest/],
      ['name: x\nplacement: [{kind: Pod, name: p, nodes: [b]}]', /names node "b"/],
      ['name: x\ngenerate: [{kind: pods}]', /kind must be "nodes" or "deployments"/],
      ['name: x\ngenerate: [{kind: nodes, count: "${n}"}]', /unknown parameter "n"/],
      ['name: [', /not valid YAML/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseScenario(text, 'my.yaml'), (e: Error) => e instanceof ScenarioError && message.test(e.message), text);
    assert.throws(() => readScenario('nope'), /unknown scenario "nope"; built in: empty, seed, pool, large/);
    assert.throws(() => readScenario('./missing.yaml'), /cannot read scenario file \.\/missing\.yaml: ENOENT/);
  });

  it('writes cluster-info as kubeadm does', () => {
    const cm = clusterInfoConfigMap({ server: 'https://127.0.0.1:6443', caCert: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' });
    assert.equal(cm.metadata.namespace, 'kube-public');
    const kubeconfig = parse(cm.data.kubeconfig);
    assert.equal(kubeconfig.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.match(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), /BEGIN CERTIFICATE/);
  });
});

describe('loading a scenario', () => {
  it('creates nodes, namespaces and objects in order, owns mirror pods by their node, and places pods', async () => {
    const scenario = parseScenario(
      `
name: mine
clusterInfo: true
nodes:
  - {name: n1, capacity: {cpu: "8"}}
  - {name: n2, simulated: false}
placement:
  - {kind: Pod, namespace: shop, name: web, nodes: [n2]}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: shop}, spec: {containers: [{name: c, image: nginx}]}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: etcd-n1, namespace: kube-system, annotations: {kubernetes.io/config.mirror: abc}}
    spec: {nodeName: n1, containers: [{name: etcd, image: etcd}]}
`,
      'mine.yaml',
    );
    const sandbox = await startSandbox({ scenario, apiOnly: true });
    try {
      await sandbox.scenario!.placed;
      const get = (resource: string, namespace: string, name: string): any => sandbox.service.store.getObject(resource, namespace, name);
      assert.equal(get('core/nodes', '', 'n1').status.capacity.cpu, '8');
      assert.equal(get('core/nodes', '', 'n2').metadata.annotations['sandbox.kmaint.io/simulated'], undefined);
      assert.ok(get('core/namespaces', '', 'shop'));
      const web = get('core/pods', 'shop', 'web');
      assert.equal(web.spec.nodeName, 'n2');
      assert.equal(web.status.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
      const mirror = get('core/pods', 'kube-system', 'etcd-n1');
      assert.deepEqual(mirror.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: get('core/nodes', '', 'n1').metadata.uid, controller: true }]);
      assert.match(get('core/configmaps', 'kube-public', 'cluster-info').data.kubeconfig, new RegExp(sandbox.endpoint.server.replace(/[.]/g, '\\.')));
    } finally {
      await sandbox.stop();
    }
  });

  it('loads once into a data dir: a restart keeps the cluster as it was left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kmaint-scenario-data-'));
    try {
      const first = await startSandbox({ scenario: 'seed', apiOnly: true, dataDir });
      assert.ok(first.scenario);
      const configMaps = first.service.registry.get('', 'v1', 'configmaps')!;
      first.service.delete(configMaps, 'kube-system', 'kubeadm-config');
      await first.stop();
      const second = await startSandbox({ scenario: 'seed', apiOnly: true, dataDir });
      assert.equal(second.scenario, undefined);
      assert.equal(second.service.store.count('core/nodes'), 2);
      assert.equal(second.service.find(configMaps, 'kube-system', 'kubeadm-config'), undefined);
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an object the sandbox cannot create, naming it', async () => {
    const scenario = parseScenario('name: broken\nobjects: [{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}]', 'broken.yaml');
    await assert.rejects(startSandbox({ scenario, apiOnly: true }), /object 0 \(Widget w\): the sandbox serves no example.com\/v1 Widget/);
  });
});
