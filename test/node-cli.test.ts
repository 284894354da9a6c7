// kmaint node ls|health|cordon|uncordon|join-command end to end: the CLI as a child process against the
// sandbox's seed scenario (the runbooks' two-node cluster, simulated time 10x), checked against the real
// kubectl v1.35 and, for the join command's CA hash, against openssl.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { kubectlFor } from './support/kubectl.ts';
import { kmaint, type Run } from './support/kmaint.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { parseTables } from './support/table.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import type { KubeObject } from '../src/domain/object.ts';

const TIME_SCALE = 10;




const decode = (data: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

describe('kmaint node against the seed cluster', () => {
  let sandbox: TestSandbox;
  let k: ReturnType<typeof kubectlFor>;
  const node = (name: string): KubeObject => sandbox.service.get(sandbox.cluster!.types.nodes, '', name);

  before(async () => {
    sandbox = await testSandbox({ scenario: 'seed', timeScale: TIME_SCALE });
    k = kubectlFor(sandbox.kubeconfig);
    await eventually(() => {
      const pods = podsOf(sandbox);
      return pods.length === 16 && pods.every(isRunningReady);
    }, 60_000, () => `the seed's pods Running and Ready${describePods(sandbox)}`);
  });
  after(async () => sandbox?.cleanup());

  it('node ls: both nodes Ready with their roles and kubelet versions, as kubectl get nodes shows them', async () => {
    const run = await kmaint(sandbox, 'node', 'ls');
    assert.equal(run.code, 0, run.stderr);
    const ours = parseTables(run.stdout)[0].rows;
    const theirs = parseTables(await k.ok(['get', 'nodes']))[0].rows;
    assert.deepEqual(ours.map((n) => [n.NAME, n.STATUS, n.ROLES, n.VERSION]), [
      ['k8s-master', 'Ready', 'control-plane', 'v1.27.0'],
      ['k8s-node1', 'Ready', '<none>', 'v1.27.0'],
    ]);
    assert.deepEqual(ours.map((n) => [n.NAME, n.STATUS, n.ROLES, n.VERSION]), theirs.map((n) => [n.NAME, n.STATUS, n.ROLES, n.VERSION]));
    // the seed's v1.27 kubelets are 8 minors behind the sandbox's v1.35 API server: outside the supported skew
    assert.deepEqual(ours.map((n) => n.PROBLEMS), ['VersionSkew', 'VersionSkew']);
    assert.deepEqual(ours.map((n) => n.PODS), ['10/110', '6/110']);

    const names = await kmaint(sandbox, 'node', 'ls', '-o', 'name', '-l', 'node-role.kubernetes.io/control-plane');
    assert.equal(names.stdout, 'node/k8s-master\n');
  });

  it('node health -o json: a structured report per node, requests as kubectl describe node counts them', async () => {
    const run = await kmaint(sandbox, 'node', 'health', '-o', 'json');
    assert.equal(run.code, 3, 'the version skew is a problem');
    const report = JSON.parse(run.stdout);
    assert.equal(report.kind, 'NodeHealthList');
    assert.equal(report.serverVersion, 'v1.35.0-kmaint');
    const master = report.items.find((item: any) => item.name === 'k8s-master');
    assert.equal(master.status, 'Ready');
    assert.deepEqual(master.problems.map((p: any) => p.type), ['VersionSkew']);
    assert.ok(master.heartbeat.leaseAgeSeconds <= 15, `lease age ${master.heartbeat.leaseAgeSeconds}`);
    assert.deepEqual(master.addresses.find((a: any) => a.type === 'InternalIP'), { type: 'InternalIP', address: '192.168.31.2' });
    assert.equal(master.system.containerRuntimeVersion, 'containerd://1.6.24');
    const described = await k.ok(['describe', 'node', 'k8s-master']);
    const cpu = /^\s+cpu\s+(\S+) \((\d+)%\)/m.exec(described)!;
    assert.equal(`${master.resources.cpu.requestedPercent}`, cpu[2], described);
    assert.match(run.stderr, /k8s-master: VersionSkew; k8s-node1: VersionSkew/);
  });

  it('cordon and uncordon print what kubectl prints and leave the Node as kubectl does', async () => {
    // kubectl on k8s-master, kmaint on k8s-node1: same lines, same spec
    const kubectlLines = [
      await k.ok(['cordon', 'k8s-master']),
      await k.ok(['cordon', 'k8s-master']),
      await k.ok(['uncordon', 'k8s-master']),
      await k.ok(['uncordon', 'k8s-master']),
    ].map((line) => line.replace('k8s-master', 'NODE'));
    assert.deepEqual(kubectlLines, ['node/NODE cordoned\n', 'node/NODE already cordoned\n', 'node/NODE uncordoned\n', 'node/NODE already uncordoned\n']);

    const cordon = await kmaint(sandbox, 'node', 'cordon', 'k8s-node1');
    assert.equal(cordon.code, 0, cordon.stderr);
    assert.equal(cordon.stdout.replace('k8s-node1', 'NODE'), kubectlLines[0]);
    assert.equal(node('k8s-node1').spec.unschedulable, true);
    assert.match(await k.ok(['get', 'node', 'k8s-node1']), /k8s-node1\s+Ready,SchedulingDisabled/);
    const unschedulableTaint = (name: string): boolean => (node(name).spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule');
    await eventually(() => unschedulableTaint('k8s-node1'), 10_000, () => 'the node lifecycle controller taints a cordoned node');
    const again = await kmaint(sandbox, 'node', 'cordon', 'k8s-node1');
    assert.equal(again.stdout.replace('k8s-node1', 'NODE'), kubectlLines[1]);

    const dry = await kmaint(sandbox, 'node', 'uncordon', 'k8s-node1', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'node/k8s-node1 uncordoned (dry run)\n');
    assert.equal(node('k8s-node1').spec.unschedulable, true, 'a dry run changes nothing');
    const serverDry = await kmaint(sandbox, 'node', 'uncordon', 'k8s-node1', '--dry-run=server');
    assert.equal(serverDry.stdout, 'node/k8s-node1 uncordoned (server dry run)\n');
    assert.equal(node('k8s-node1').spec.unschedulable, true);

    const uncordon = await kmaint(sandbox, 'node', 'uncordon', 'k8s-node1');
    assert.equal(uncordon.stdout.replace('k8s-node1', 'NODE'), kubectlLines[2]);
    assert.equal(node('k8s-node1').spec.unschedulable, undefined, 'the null patch removes the field, as kubectl uncordon does');
    await eventually(() => !unschedulableTaint('k8s-node1'), 10_000, () => 'the unschedulable taint goes with uncordon');
    assert.equal(node('k8s-master').spec.unschedulable, undefined);
    const twice = await kmaint(sandbox, 'node', 'uncordon', 'k8s-node1');
    assert.equal(twice.stdout.replace('k8s-node1', 'NODE'), kubectlLines[3]);

    const bySelector = await kmaint(sandbox, 'node', 'cordon', '-l', 'kubernetes.io/hostname=k8s-node1');
    assert.equal(bySelector.stdout, 'node/k8s-node1 cordoned\n');
    assert.equal((await kmaint(sandbox, 'node', 'uncordon', '-l', 'kubernetes.io/hostname=k8s-node1')).stdout, 'node/k8s-node1 uncordoned\n');
  });

  it('cordon: an unknown node changes nothing (exit 1); a partial failure says what was done (exit 3)', async () => {
    const unknown = await kmaint(sandbox, 'node', 'cordon', 'k8s-node1', 'n9');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'error: node "n9" not found; see: kmaint node ls\n');
    assert.equal(node('k8s-node1').spec.unschedulable, undefined);
    const usage = await kmaint(sandbox, 'node', 'cordon');
    assert.equal(usage.code, 2);

    await k.ok(['cordon', 'k8s-master']);
    sandbox.faults.configure('nodes:patch=500');
    try {
      const partial = await kmaint(sandbox, 'node', 'cordon', 'k8s-master', 'k8s-node1');
      assert.equal(partial.code, 3, partial.stderr);
      assert.equal(partial.stdout, 'node/k8s-master already cordoned\n');
      assert.match(partial.stderr, /^error: unable to cordon node "k8s-node1": /m);
      assert.match(partial.stderr, /error: cordoned 1 of 2 nodes \(k8s-master\); not cordoned: k8s-node1\n$/);
      const none = await kmaint(sandbox, 'node', 'cordon', 'k8s-node1');
      assert.equal(none.code, 1);
    } finally {
      sandbox.faults.configure('');
      await k.ok(['uncordon', 'k8s-master']);
    }
  });

  it('join-command: the token Secret kubeadm creates, the endpoint of cluster-info, the CA hash openssl computes', async () => {
    const run = await kmaint(sandbox, 'node', 'join-command');
    assert.equal(run.code, 0, run.stderr);
    const match = /^kubeadm join (\S+) --token ([a-z0-9]{6})\.([a-z0-9]{16}) --discovery-token-ca-cert-hash sha256:([0-9a-f]{64})\n$/.exec(run.stdout);
    assert.ok(match, run.stdout);
    const [, endpoint, id, secret, hash] = match;

    const clusterInfo = JSON.parse(await k.ok(['get', 'configmap', 'cluster-info', '-n', 'kube-public', '-o', 'json']));
    const cluster = parse(clusterInfo.data.kubeconfig).clusters[0].cluster;
    assert.equal(`https://${endpoint}`, cluster.server);
    const caPem = Buffer.from(cluster['certificate-authority-data'], 'base64');
    const openssl = execFileSync('sh', ['-c', 'openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum'], { input: caPem }).toString().split(/\s/)[0];
    assert.equal(hash, openssl);

    const stored = JSON.parse(await k.ok(['get', 'secret', `bootstrap-token-${id}`, '-n', 'kube-system', '-o', 'json']));
    assert.equal(stored.type, 'bootstrap.kubernetes.io/token');
    const data = decode(stored.data);
    assert.deepEqual(Object.keys(data).sort(), ['auth-extra-groups', 'description', 'expiration', 'token-id', 'token-secret', 'usage-bootstrap-authentication', 'usage-bootstrap-signing']);
    assert.equal(data['token-id'], id);
    assert.equal(data['token-secret'], secret);
    assert.equal(data['usage-bootstrap-authentication'], 'true');
    assert.equal(data['usage-bootstrap-signing'], 'true');
    assert.equal(data['auth-extra-groups'], 'system:bootstrappers:kubeadm:default-node-token');
    assert.match(data.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const hoursLeft = (Date.parse(data.expiration) - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 23.9 && hoursLeft <= 24, `expires in ${hoursLeft} h`);

    const forever = await kmaint(sandbox, 'node', 'join-command', '--ttl', '0');
    const foreverId = /--token ([a-z0-9]{6})\./.exec(forever.stdout)![1];
    assert.equal(decode(JSON.parse(await k.ok(['get', 'secret', `bootstrap-token-${foreverId}`, '-n', 'kube-system', '-o', 'json'])).data).expiration, undefined);
    const shortLived = await kmaint(sandbox, 'node', 'join-command', '--ttl', '1h30m');
    const shortId = /--token ([a-z0-9]{6})\./.exec(shortLived.stdout)![1];
    const shortExpiry = decode(JSON.parse(await k.ok(['get', 'secret', `bootstrap-token-${shortId}`, '-n', 'kube-system', '-o', 'json'])).data).expiration;
    assert.ok(Math.abs(Date.parse(shortExpiry) - Date.now() - 5_400_000) < 60_000);

    const bad = await kmaint(sandbox, 'node', 'join-command', '--ttl', 'tomorrow');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid duration "tomorrow": use a Go duration such as 24h, 90m, 1h30m/);
    assert.equal(bad.stdout, '');
  });

  it('join-command without cluster-info names the ConfigMap and what creates it, and leaves no token behind', async () => {
    const saved = await k.ok(['get', 'configmap', 'cluster-info', '-n', 'kube-public', '-o', 'json']);
    const before = JSON.parse(await k.ok(['get', 'secrets', '-n', 'kube-system', '-o', 'json'])).items.length;
    await k.ok(['delete', 'configmap', 'cluster-info', '-n', 'kube-public']);
    try {
      const run = await kmaint(sandbox, 'node', 'join-command');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: ConfigMap kube-public\/cluster-info not found: kubeadm join reads the API endpoint and CA from it\. kubeadm init creates it/);
      assert.equal(JSON.parse(await k.ok(['get', 'secrets', '-n', 'kube-system', '-o', 'json'])).items.length, before);
    } finally {
      const restored = JSON.parse(saved);
      delete restored.metadata.resourceVersion;
      delete restored.metadata.uid;
      await k.ok(['create', '-f', '-'], { input: JSON.stringify(restored) });
    }
  });

  it('node health flags a stopped kubelet: stale Lease and Unknown, exit 3; the other node has neither', async () => {
    const stop = await kmaint(sandbox, 'sandbox', 'node', 'stop', 'k8s-node1');
    assert.equal(stop.code, 0, stop.stderr);
    let last: Run | undefined;
    const deadline = Date.now() + 30_000;
    let items: any[] = [];
    while (Date.now() < deadline) {
      last = await kmaint(sandbox, 'node', 'health', '-o', 'json');
      items = JSON.parse(last.stdout).items;
      const types = items.find((i) => i.name === 'k8s-node1').problems.map((p: any) => p.type);
      if (types.includes('StaleLease') && types.includes('Unknown')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(last!.code, 3);
    const node1 = items.find((i) => i.name === 'k8s-node1');
    const master = items.find((i) => i.name === 'k8s-master');
    assert.equal(node1.status, 'Unknown', JSON.stringify(node1));
    assert.ok(node1.heartbeat.leaseAgeSeconds > 40, `lease age ${node1.heartbeat.leaseAgeSeconds}`);
    assert.deepEqual(node1.problems.map((p: any) => p.type).sort(), ['StaleLease', 'Unknown', 'VersionSkew']);
    assert.equal(master.status, 'Ready');
    assert.deepEqual(master.problems.map((p: any) => p.type), ['VersionSkew']);

    const table = await kmaint(sandbox, 'node', 'health', 'k8s-node1');
    assert.equal(table.code, 3);
    const [row] = parseTables(table.stdout)[0].rows;
    assert.equal(row.STATUS, 'Unknown');
    assert.equal(row.PROBLEMS, 'Unknown,StaleLease,VersionSkew');
    assert.match(table.stdout, /k8s-node1\s+StaleLease\s+Lease not renewed for \d+s \(more than 40s\)/);
    assert.match(table.stdout, /k8s-node1\s+Unknown\s+Ready is Unknown \(NodeStatusUnknown: Kubelet stopped posting node status\.\)/);
    assert.match(table.stderr, /error: 1 of 1 node has problems \(k8s-node1: Unknown, StaleLease, VersionSkew\)/);
  });
});

describe('kmaint node health on a healthy pool', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await testSandbox({ scenario: 'pool', scenarioParams: { nodes: '2', podsPerNode: '2' } });
  });
  after(async () => sandbox?.cleanup());

  it('exits 0 and says every node is healthy', async () => {
    let run: Run | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      run = await kmaint(sandbox, 'node', 'health');
      if (run.code === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(run!.code, 0, run!.stdout + run!.stderr);
    assert.match(run!.stdout, /all 3 nodes are healthy \(API server v1\.35\.0-kmaint\)/);
    assert.deepEqual(parseTables(run!.stdout)[0].rows.map((r) => [r.NAME, r.STATUS, r.SKEW, r.PROBLEMS]), [
      ['control-plane', 'Ready', '=', '<none>'],
      ['worker-01', 'Ready', '=', '<none>'],
      ['worker-02', 'Ready', '=', '<none>'],
    ]);
  });
});
