// kmaint node drain --plan end to end: the CLI as a child process against the sandbox's seed scenario (the
// runbooks' two-node cluster), the drain of k8s-node1 that the runbooks do with kubectl, planned only.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kmaint } from './support/kmaint.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { parseTables } from './support/table.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import type { KubeObject } from '../src/domain/object.ts';

const TIME_SCALE = 10;




const podLayout = (sandbox: TestSandbox): string[] =>
  podsOf(sandbox)
    .map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}@${pod.spec?.nodeName}`)
    .sort();

describe('kmaint node drain --plan against the seed cluster', () => {
  let sandbox: TestSandbox;
  const node = (name: string): KubeObject => sandbox.service.get(sandbox.cluster!.types.nodes, '', name);

  before(async () => {
    sandbox = await testSandbox({ scenario: 'seed', timeScale: TIME_SCALE });
    await eventually(() => {
      const pods = podsOf(sandbox);
      return pods.length === 16 && pods.every(isRunningReady);
    }, 60_000, () => `the seed's pods Running and Ready${describePods(sandbox)}`);
  });
  after(async () => sandbox?.cleanup());

  it('without --force: kubectl would refuse the bare pod default/go-http; exit 3', async () => {
    const run = await kmaint(sandbox, 'node', 'drain', 'k8s-node1', '--plan', '--ignore-daemonsets');
    assert.equal(run.code, 3, run.stdout + run.stderr);
    const goHttp = parseTables(run.stdout)[0].rows.find((row) => row.POD === 'go-http');
    assert.equal(goHttp?.NAMESPACE, 'default');
    assert.equal(goHttp?.ACTION, 'refused');
    assert.match(goHttp?.NOTES ?? '', /no controller/);
    assert.match(run.stdout, /^kubectl would refuse to drain k8s-node1 and evict nothing there: error: cannot delete .*no controller.*: default\/go-http$/m);
    assert.match(run.stdout, /^unsafe: kubectl would refuse k8s-node1 \(default\/go-http\)$/m);
  });

  it('with --force: the managed pods move to k8s-master, go-http is deleted for good, DaemonSet pods stay; -o json agrees; nothing changed', async () => {
    const before = podLayout(sandbox);
    const run = await kmaint(sandbox, 'node', 'drain', 'k8s-node1', '--plan', '--ignore-daemonsets', '--force');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const table = parseTables(run.stdout)[0].rows;
    const evicted = table.filter((row) => row.ACTION === 'evict');
    for (const prefix of ['deployment-hellok8s-go-http-', 'coredns-', 'stateful-nginx-']) {
      const matching = evicted.filter((row) => row.POD.startsWith(prefix));
      assert.ok(matching.length > 0, `${prefix}* evicted:\n${run.stdout}`);
      for (const row of matching) assert.equal(row.TO, 'k8s-master', `${row.POD}:\n${run.stdout}`);
    }
    const goHttp = table.find((row) => row.POD === 'go-http');
    assert.equal(goHttp?.ACTION, 'evict', run.stdout);
    assert.equal(goHttp?.TO, '-');
    assert.match(goHttp?.NOTES ?? '', /gone for good/);
    const daemons = table.filter((row) => row.ACTION === 'skip (DaemonSet)').map((row) => row.POD);
    assert.ok(daemons.some((name) => name.startsWith('kube-proxy-')) && daemons.some((name) => name.startsWith('calico-node-')), run.stdout);
    const verdict = /^(safe|unsafe): .*$/m.exec(run.stdout);
    assert.equal(verdict?.[0], 'safe: every pod fits elsewhere and no budget blocks', run.stdout);

    const json = await kmaint(sandbox, 'node', 'drain', 'k8s-node1', '--plan', '--ignore-daemonsets', '--force', '-o', 'json');
    assert.equal(json.code, run.code, json.stderr);
    const document = JSON.parse(json.stdout);
    assert.equal(document.kind, 'DrainPlan');
    assert.equal(document.verdict, 'safe');
    assert.equal(document.summary, verdict?.[0]);
    assert.equal(document.pods.find((pod: any) => pod.name === 'go-http').risks[0].kind, 'bare-pod-deleted');

    assert.notEqual(node('k8s-node1').spec?.unschedulable, true, 'the plan does not cordon');
    assert.deepEqual(podLayout(sandbox), before, 'the plan moves no pod');
  });

  it('unknown node: one line, exit 1; bad flags: usage error, exit 2, nothing changed', async () => {
    const unknown = await kmaint(sandbox, 'node', 'drain', 'n9', '--plan');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'error: node "n9" not found; see: kmaint node ls\n');
    for (const [flag, value, message] of [
      ['--parallel', '0', /^error: --parallel: "0" is not a whole number of at least 1\n$/],
      ['--timeout', '5', /^error: --timeout: invalid duration "5": use a Go duration/],
      ['--grace-period', 'soon', /^error: --grace-period: "soon" is not a whole number/],
      ['--dry-run', 'maybe', /^error: invalid --dry-run value "maybe"/],
    ] as const) {
      const bad = await kmaint(sandbox, 'node', 'drain', 'k8s-node1', '--ignore-daemonsets', `${flag}=${value}`);
      assert.equal(bad.code, 2, flag);
      assert.match(bad.stderr, message);
      assert.equal(bad.stderr.trimEnd().split('\n').length, 1, bad.stderr);
    }
    assert.notEqual(node('k8s-node1').spec?.unschedulable, true);
  });
});
