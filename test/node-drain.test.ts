// What kmaint's drain does beyond kubectl, end to end against the sandbox: several nodes at once with every
// target cordoned first and budgets spent as one account, the preflight plan and JSON event lines,
// --wait-for-replacements, stuck Terminating pods and --force-terminating-after; and `kmaint demo` (npm
// start), the full maintenance of the seed cluster's k8s-node1.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlFor } from './support/kubectl.ts';
import { kmaint } from './support/kmaint.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import type { KubeObject } from '../src/domain/object.ts';

const TIME_SCALE = 10;
const SETTLE_MS = 60_000;
const WORKERS = 4;
const DEPLOYMENTS = 4;

type Event = { type: string; [key: string]: any };

function events(stdout: string): Event[] {
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event);
}

function podsOn(sandbox: TestSandbox, node: string): KubeObject[] {
  return podsOf(sandbox).filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);
}

describe('kmaint node drain beyond kubectl, on a pool', () => {
  let sandbox: TestSandbox;
  let k: ReturnType<typeof kubectlFor>;
  const node = (name: string): KubeObject => sandbox.service.get(sandbox.cluster!.types.nodes, '', name);
  const settled = (): Promise<unknown> =>
    eventually(() => podsOf(sandbox).length > 0 && podsOf(sandbox).every(isRunningReady), SETTLE_MS, () => `every pod Running and Ready${describePods(sandbox)}`);

  before(async () => {
    sandbox = await testSandbox({ scenario: 'pool', scenarioParams: { nodes: String(WORKERS), podsPerNode: String(DEPLOYMENTS) }, timeScale: TIME_SCALE });
    k = kubectlFor(sandbox.kubeconfig);
    await settled();
  });
  after(async () => sandbox?.cleanup());

  it('--parallel 2 -o json: plan first, every target cordoned before any eviction, budgets waited for, nodes drained', async () => {
    const run = await kmaint(sandbox, 'node', 'drain', 'worker-01', 'worker-02', '--parallel', '2', '--ignore-daemonsets', '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    const list = events(run.stdout);
    const types = list.map((e) => e.type);
    assert.equal(types[0], 'plan');
    assert.equal(list[0].plan.verdict, 'safe');
    const firstEviction = types.indexOf('evicting');
    const cordons = list.filter((e) => e.type === 'cordon');
    assert.deepEqual(cordons.map((e) => [e.node, e.result]), [['worker-01', 'changed'], ['worker-02', 'changed']]);
    assert.ok(types.lastIndexOf('cordon') < firstEviction, 'both nodes are cordoned before the first eviction');
    // each Deployment has a pod on both nodes and a budget of one: the second of each waits for the first's replacement
    const waits = list.filter((e) => e.type === 'budget-wait');
    assert.ok(waits.length >= DEPLOYMENTS, `at least one wait per budget: ${JSON.stringify(waits)}`);
    assert.deepEqual(list.filter((e) => e.type === 'node-drained').map((e) => e.node).sort(), ['worker-01', 'worker-02']);
    const done = list.at(-1) as Event;
    assert.equal(done.type, 'done');
    assert.equal(done.result.status, 'drained');
    assert.deepEqual(done.result.nodes.map((n: any) => [n.node, n.outcome, n.evicted]), [['worker-01', 'drained', DEPLOYMENTS], ['worker-02', 'drained', DEPLOYMENTS]]);
    for (const name of ['worker-01', 'worker-02']) {
      assert.equal(node(name).spec?.unschedulable, true);
      assert.deepEqual(podsOn(sandbox, name).map((p) => p.metadata.name), []);
    }
    await settled();
  });

  it('--wait-for-replacements: a workload\'s next pod goes only once the last one\'s replacement is Ready', async () => {
    // two replicas of one Deployment, no budget, both on worker-03 (worker-04 cordoned while they are placed)
    await k.ok(['cordon', 'worker-04']);
    await k.ok(['create', 'deployment', 'solo', '--image=nginx:1.25', '--replicas=2', '-n', 'pool']);
    await eventually(() => podsOf(sandbox, 'pool').filter((p) => p.metadata.name?.startsWith('solo-') && isRunningReady(p) && p.spec?.nodeName === 'worker-03').length === 2, SETTLE_MS, () => `solo on worker-03${describePods(sandbox)}`);
    await k.ok(['uncordon', 'worker-04']);

    const run = await kmaint(sandbox, 'node', 'drain', 'worker-03', '--ignore-daemonsets', '--wait-for-replacements', '--no-preflight', '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    const list = events(run.stdout);
    assert.ok(!list.some((e) => e.type === 'plan'), '--no-preflight skips the plan');
    const solo = list.filter((e) => typeof e.pod === 'string' && e.pod.startsWith('pool/solo-'));
    const evictions = solo.filter((e) => e.type === 'evicting');
    const ready = solo.filter((e) => e.type === 'replacement-ready');
    const [first, second] = [...new Set(evictions.map((e) => e.pod))];
    assert.ok(first && second, JSON.stringify(solo));
    const firstReady = solo.findIndex((e) => e.type === 'replacement-ready' && e.pod === first);
    const secondEvicting = solo.findIndex((e) => e.type === 'evicting' && e.pod === second);
    assert.ok(firstReady >= 0 && firstReady < secondEvicting, `the second pod is evicted after the first's replacement is Ready: ${JSON.stringify(solo.map((e) => [e.type, e.pod]))}`);
    assert.match(ready[0].workload, /^replicaset\/solo-/);
    await settled();
  });

  it('a pod stuck Terminating is reported, then force-deleted by --force-terminating-after', async () => {
    // the pool's pods on worker-04 need somewhere to go
    await k.ok(['uncordon', 'worker-01', 'worker-02', 'worker-03']);
    await k.ok(['run', 'stuck', '--image=nginx:1.25', '-n', 'pool', '--overrides', JSON.stringify({
      metadata: { annotations: { 'sandbox.kmaint.io/stuck-terminating': 'true' } },
      spec: { nodeName: 'worker-04', terminationGracePeriodSeconds: 5 },
    })]);
    await eventually(() => podsOf(sandbox, 'pool').some((p) => p.metadata.name === 'stuck' && isRunningReady(p)), SETTLE_MS, () => `pod stuck Running${describePods(sandbox)}`);

    const run = await kmaint(sandbox, 'node', 'drain', 'worker-04', '--ignore-daemonsets', '--force', '--force-terminating-after', '40s');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^pod pool\/stuck is still Terminating \d+s past its grace period/m);
    assert.match(run.stderr, /^pod pool\/stuck force-deleted \(grace period 0\) after being stuck Terminating \d+s past its grace period$/m);
    assert.match(run.stdout, /^pod\/stuck evicted$/m);
    assert.match(run.stdout, /^node\/worker-04 drained$/m);
    assert.ok(!podsOf(sandbox, 'pool').some((p) => p.metadata.name === 'stuck'));
  });
});

describe('kmaint demo (npm start)', () => {
  it('runs a full maintenance of k8s-node1 on the seed cluster: check, plan, drain, verify, reboot, uncordon', async () => {
    const run = await kmaint(undefined, 'demo', '--exit');
    assert.equal(run.code, 0, run.stderr);
    const steps = [...run.stdout.matchAll(/^Step (\d)\. (.*)$/gm)].map((m) => m[2]);
    assert.deepEqual(steps, ['Check the nodes', 'Plan the drain of k8s-node1', 'Drain k8s-node1', 'Verify the replacements', 'Work on k8s-node1', 'Uncordon k8s-node1']);
    assert.match(run.stdout, /^node\/k8s-node1 cordoned$/m);
    assert.equal([...run.stdout.matchAll(/^pod\/\S+ evicted$/gm)].length, 4);
    assert.match(run.stdout, /^node\/k8s-node1 drained$/m);
    assert.match(run.stdout, /^node\/k8s-node1 rebooted \(boot id .*\) and is Ready$/m);
    assert.match(run.stdout, /^node\/k8s-node1 uncordoned$/m);
    // the last node listing: both Ready and schedulable again
    const last = run.stdout.slice(run.stdout.lastIndexOf('NAME '));
    assert.match(last, /^k8s-master\s+Ready\s/m);
    assert.match(last, /^k8s-node1\s+Ready\s/m);
  });
});
