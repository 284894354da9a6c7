// The drain transcript of the seed runbooks (002 and 004, section 1.2), replayed with the real kubectl v1.35
// against the sandbox's `seed` scenario: the refusal over the bare pod, the forced drain with its four
// evictions, the replacements starting on k8s-master, uncordon; and a PodDisruptionBudget holding a drain
// back until --timeout. Simulated time runs 10x (grace periods, heartbeats); kubectl's own 5 s eviction retry
// and 1 s polls are real time.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlFor } from './support/kubectl.ts';
import { parseTable } from './support/table.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';

const TIME_SCALE = 10;
const SETTLE_MS = 60_000;

/** The pods of the transcript's first listing: 16, six of them on k8s-node1. */
const SEED_PODS = 16;

async function seedCluster(): Promise<TestSandbox> {
  const sandbox = await testSandbox({ scenario: 'seed', timeScale: TIME_SCALE });
  try {
    await eventually(() => {
      const pods = podsOf(sandbox);
      return pods.length === SEED_PODS && pods.every(isRunningReady);
    }, SETTLE_MS, () => `the seed's ${SEED_PODS} pods Running and Ready${describePods(sandbox)}`);
  } catch (error) {
    await sandbox.cleanup();
    throw error;
  }
  return sandbox;
}


function podsOnNode(sandbox: TestSandbox, node: string): string[] {
  return podsOf(sandbox)
    .filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp)
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
    .sort();
}

describe('seed: the drain transcript with kubectl v1.35', () => {
  let sandbox: TestSandbox;
  let k: ReturnType<typeof kubectlFor>;
  before(async () => {
    sandbox = await seedCluster();
    k = kubectlFor(sandbox.kubeconfig);
  });
  after(async () => sandbox?.cleanup());

  it('starts as the transcript shows it: two Ready v1.27.0 nodes, the pods placed as listed', async () => {
    const nodes = parseTable(await k.ok(['get', 'nodes'])).rows;
    assert.deepEqual(nodes.map((n) => [n.NAME, n.STATUS, n.ROLES, n.VERSION]), [
      ['k8s-master', 'Ready', 'control-plane', 'v1.27.0'],
      ['k8s-node1', 'Ready', '<none>', 'v1.27.0'],
    ]);
    const pods = parseTable(await k.ok(['get', 'pods', '-A', '-o', 'wide'])).rows;
    assert.equal(pods.length, SEED_PODS);
    const where = (pattern: RegExp): string[] => pods.filter((p) => pattern.test(p.NAME)).map((p) => p.NODE).sort();
    assert.deepEqual(where(/^calico-node-/), ['k8s-master', 'k8s-node1']);
    assert.deepEqual(where(/^kube-proxy-/), ['k8s-master', 'k8s-node1']);
    assert.deepEqual(where(/^coredns-/), ['k8s-master', 'k8s-node1']);
    assert.deepEqual(where(/^deployment-hellok8s-go-http-/), ['k8s-master', 'k8s-node1']);
    assert.deepEqual(where(/^calico-kube-controllers-/), ['k8s-master']);
    assert.deepEqual(where(/^go-http$/), ['k8s-node1']);
    assert.deepEqual(where(/^stateful-nginx-0$/), ['k8s-node1']);
    assert.deepEqual(where(/^stateful-nginx-1$/), ['k8s-master']);
    for (const mirror of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) assert.deepEqual(where(new RegExp(`^${mirror}-k8s-master$`)), ['k8s-master']);
    for (const pod of pods) assert.deepEqual([pod.NAME, pod.READY, pod.STATUS], [pod.NAME, '1/1', 'Running']);
  });

  it('drain --ignore-daemonsets refuses the bare pod default/go-http and leaves the node cordoned', async () => {
    const before = podsOnNode(sandbox, 'k8s-node1');
    const result = await k.fails(['drain', 'k8s-node1', '--ignore-daemonsets'], { timeoutMs: 30_000 });
    assert.match(result.stdout, /^node\/k8s-node1 cordoned$/m);
    // kubectl v1.35 still says "cannot delete" twice (fixed upstream after it, kubernetes/kubernetes#135817)
    assert.match(result.stderr, /^error: unable to drain node "k8s-node1" due to error: (cannot delete )?cannot delete Pods that declare no controller \(use --force to override\): default\/go-http, continuing command\.\.\.$/m);
    assert.match(result.stderr, /^There are pending nodes to be drained:\n k8s-node1$/m);
    assert.doesNotMatch(result.stdout, /evicting pod/);
    assert.deepEqual(podsOnNode(sandbox, 'k8s-node1'), before, 'nothing was evicted');
    const nodes = parseTable(await k.ok(['get', 'nodes'])).rows;
    assert.deepEqual(nodes.map((n) => [n.NAME, n.STATUS]), [
      ['k8s-master', 'Ready'],
      ['k8s-node1', 'Ready,SchedulingDisabled'],
    ]);
  });

  it('drain --force evicts the four pods with the transcript\'s messages; replacements run on k8s-master', async () => {
    const onNode1 = podsOf(sandbox).filter((p) => p.spec?.nodeName === 'k8s-node1');
    const name = (pattern: RegExp): string => onNode1.find((p) => pattern.test(p.metadata.name as string))!.metadata.name as string;
    const daemons = [name(/^calico-node-/), name(/^kube-proxy-/)];
    const evicted = [`kube-system/${name(/^coredns-/)}`, `default/${name(/^deployment-hellok8s-go-http-/)}`, 'default/go-http', 'default/stateful-nginx-0'];

    const result = await k.run(['drain', 'k8s-node1', '--ignore-daemonsets', '--force'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'node/k8s-node1 already cordoned');
    assert.equal(lines.at(-1), 'node/k8s-node1 drained');
    assert.deepEqual(lines.filter((l) => l.startsWith('evicting pod ')).map((l) => l.slice('evicting pod '.length)).sort(), [...evicted].sort());
    assert.deepEqual(lines.filter((l) => / evicted$/.test(l)).sort(), evicted.map((p) => `pod/${p.split('/')[1]} evicted`).sort());
    // kubectl groups its warnings in a Go map, so their order varies from run to run
    const warning = result.stderr.split('\n').find((l) => l.startsWith('Warning: ')) ?? '';
    assert.deepEqual(warning.slice('Warning: '.length).split('; ').sort(), [
      'deleting Pods that declare no controller: default/go-http',
      `ignoring DaemonSet-managed Pods: kube-system/${daemons[0]}, kube-system/${daemons[1]}`,
    ], result.stderr);

    // as in the transcript's last listing: the DaemonSet pods stay, everything else runs on k8s-master
    await eventually(() => {
      const pods = podsOf(sandbox);
      const running = (pattern: RegExp, node: string): number => pods.filter((p) => pattern.test(p.metadata.name as string) && p.spec?.nodeName === node && isRunningReady(p)).length;
      return (
        running(/^deployment-hellok8s-go-http-/, 'k8s-master') === 2 &&
        running(/^coredns-/, 'k8s-master') === 2 &&
        running(/^stateful-nginx-[01]$/, 'k8s-master') === 2 &&
        pods.length === SEED_PODS - 1 &&
        pods.every(isRunningReady)
      );
    }, SETTLE_MS, () => `replacements Running on k8s-master${describePods(sandbox)}`);
    assert.deepEqual(podsOnNode(sandbox, 'k8s-node1'), daemons.map((d) => `kube-system/${d}`).sort());
    const listed = parseTable(await k.ok(['get', 'pods', '-A', '-o', 'wide'])).rows;
    assert.equal(listed.length, SEED_PODS - 1);
    assert.deepEqual(listed.filter((p) => p.NODE === 'k8s-node1').map((p) => p.NAME).sort(), [...daemons].sort());
    assert.ok(!listed.some((p) => p.NAME === 'go-http'), 'the bare pod is gone for good');
  });

  it('uncordon restores scheduling on k8s-node1', async () => {
    assert.equal(await k.ok(['uncordon', 'k8s-node1']), 'node/k8s-node1 uncordoned\n');
    const nodes = parseTable(await k.ok(['get', 'nodes'])).rows;
    assert.deepEqual(nodes.map((n) => [n.NAME, n.STATUS]), [
      ['k8s-master', 'Ready'],
      ['k8s-node1', 'Ready'],
    ]);
    await k.ok(['scale', 'deployment', 'deployment-hellok8s-go-http', '--replicas=4']);
    await eventually(() => podsOf(sandbox, 'default').some((p) => /^deployment-hellok8s-go-http-/.test(p.metadata.name as string) && p.spec?.nodeName === 'k8s-node1' && isRunningReady(p)),
      SETTLE_MS, () => `a new replica Running on k8s-node1${describePods(sandbox)}`);
  });
});

describe('seed: a PodDisruptionBudget holds kubectl drain back', () => {
  let sandbox: TestSandbox;
  let k: ReturnType<typeof kubectlFor>;
  before(async () => {
    sandbox = await seedCluster();
    k = kubectlFor(sandbox.kubeconfig);
  });
  after(async () => sandbox?.cleanup());

  it('minAvailable = replicas: drain prints the 429 retry line and gives up at --timeout', async () => {
    const manifest = join(sandbox.dir, 'pdb.yaml');
    writeFileSync(manifest, 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: hellok8s, namespace: default}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: hellok8s}}\n');
    assert.equal(await k.ok(['apply', '-f', manifest]), 'poddisruptionbudget.policy/hellok8s created\n');
    const pdbReady = async (): Promise<boolean> => {
      const status = JSON.parse(await k.ok(['get', 'pdb', 'hellok8s', '-o', 'jsonpath={.status}']) || '{}');
      return status.observedGeneration === 1 && status.currentHealthy === 2 && status.disruptionsAllowed === 0;
    };
    const deadline = Date.now() + 30_000;
    while (!(await pdbReady())) {
      assert.ok(Date.now() < deadline, 'the disruption controller reports currentHealthy 2, disruptionsAllowed 0');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const blocked = podsOf(sandbox, 'default').find((p) => /^deployment-hellok8s-go-http-/.test(p.metadata.name as string) && p.spec?.nodeName === 'k8s-node1')!.metadata.name as string;

    const started = Date.now();
    const result = await k.fails(['drain', 'k8s-node1', '--ignore-daemonsets', '--force', '--timeout=12s'], { timeoutMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    const retry = `error when evicting pods/"${blocked}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`;
    const retries = result.stderr.split('\n').filter((l) => l === retry).length;
    assert.ok(retries >= 2, `kubectl retried every 5 s until the timeout:\n${result.stderr}`);
    assert.match(result.stderr, new RegExp(`error when evicting pods/"${blocked}" -n "default": global timeout reached: 12s`));
    assert.match(result.stderr, /^error: unable to drain node "k8s-node1" due to error: .*global timeout reached: 12s.*, continuing command\.\.\.$/m);
    assert.ok(seconds >= 11 && seconds < 30, `gave up at the timeout, after ${seconds.toFixed(1)} s`);
    // the budget kept the pod; the others were evicted as usual
    assert.ok(podsOf(sandbox, 'default').some((p) => p.metadata.name === blocked && !p.metadata.deletionTimestamp));
    assert.match(result.stdout, /^pod\/go-http evicted$/m);
    assert.match(result.stdout, /^pod\/stateful-nginx-0 evicted$/m);
  });
});
