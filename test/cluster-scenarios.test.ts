// Scenarios end to end with the real kubectl: the pool with its budgets, a user's own scenario file through
// `kmaint sandbox up --scenario ./file.yaml`, kube-public/cluster-info, and the CLI's usage errors.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kubectlFor } from './support/kubectl.ts';
import { testSandbox } from './support/sandbox.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import { sharedBundle } from './support/cli-bundle.ts';


describe('scenario pool', () => {
  it('runs N workers x M pods, each Deployment with a maxUnavailable-1 budget', async () => {
    const sandbox = await testSandbox({ scenario: 'pool', scenarioParams: { nodes: '3', podsPerNode: '4' }, timeScale: 10 });
    try {
      const k = kubectlFor(sandbox.kubeconfig);
      await eventually(() => {
        const pods = podsOf(sandbox, 'pool');
        return pods.length === 12 && pods.every(isRunningReady);
      }, 60_000, () => `12 pool pods Running${describePods(sandbox)}`);
      const nodes = (await k.ok(['get', 'nodes', '-o', 'name'])).trim().split('\n');
      assert.deepEqual(nodes, ['node/control-plane', 'node/worker-01', 'node/worker-02', 'node/worker-03']);
      // nothing on the tainted control plane; every worker busy
      const perNode = new Map<string, number>();
      for (const pod of podsOf(sandbox, 'pool')) perNode.set(pod.spec.nodeName, (perNode.get(pod.spec.nodeName) ?? 0) + 1);
      assert.deepEqual([...perNode.keys()].sort(), ['worker-01', 'worker-02', 'worker-03']);
      const deadline = Date.now() + 30_000;
      while (true) {
        const budgets = JSON.parse(await k.ok(['get', 'pdb', '-n', 'pool', '-o', 'json'])).items;
        if (budgets.length === 4 && budgets.every((b: any) => b.status?.disruptionsAllowed === 1 && b.status?.currentHealthy === 3)) break;
        assert.ok(Date.now() < deadline, `budgets: ${JSON.stringify(budgets.map((b: any) => [b.metadata.name, b.status]))}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await sandbox.cleanup();
    }
  });
});

describe('kmaint sandbox up --scenario FILE', () => {
  it("starts a user's scenario; kubectl sees its nodes, pods and cluster-info", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmaint-scenario-'));
    const file = join(dir, 'mine.yaml');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(file, `
name: mine
description: one node, one Deployment
clusterInfo: true
nodes:
  - {name: box, roles: [worker], kubeletVersion: v1.30.2}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx:1.25}]}
`);
    const child = spawn(process.execPath, [await sharedBundle(), 'sandbox', 'up', '--scenario', file, '--time-scale', '10', '--write-kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      await eventually(() => output.includes('stop with Ctrl-C'), 30_000, () => `the sandbox starting:\n${output}`);
      assert.match(output, /\(scenario mine: one node, one Deployment\)/);
      assert.match(output, /time runs 10x faster than real time/);
      const k = kubectlFor(kubeconfig);
      assert.match(await k.ok(['get', 'nodes']), /^box\s+\S+\s+worker\s+\S+\s+v1\.30\.2$/m);
      const deadline = Date.now() + 60_000;
      while (true) {
        const pods = JSON.parse(await k.ok(['get', 'pods', '-n', 'shop', '-o', 'json'])).items;
        if (pods.length === 2 && pods.every((p: any) => p.status?.phase === 'Running' && p.spec.nodeName === 'box')) break;
        assert.ok(Date.now() < deadline, `pods: ${JSON.stringify(pods.map((p: any) => [p.metadata.name, p.spec.nodeName, p.status?.phase]))}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const info = parse(await k.ok(['get', 'configmap', 'cluster-info', '-n', 'kube-public', '-o', 'jsonpath={.data.kubeconfig}']));
      const ours = parse((await import('node:fs')).readFileSync(kubeconfig, 'utf8'));
      assert.equal(info.clusters[0].cluster.server, ours.clusters[0].cluster.server);
      assert.equal(info.clusters[0].cluster['certificate-authority-data'], ours.clusters[0].cluster['certificate-authority-data']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects unknown scenarios, bad files and misplaced flags with one line and exit code 2', async () => {
    const cli = await sharedBundle();
    const cases: Array<[string[], RegExp]> = [
      [['--scenario', 'nope'], /unknown scenario "nope"; built in: empty, seed, pool, large, or give a path to a YAML file/],
      [['--scenario', './missing.yaml'], /cannot read scenario file \.\/missing\.yaml: ENOENT/],
      [['--scenario', 'seed', '--pool-nodes', '3'], /--pool-nodes and --pool-pods-per-node apply to --scenario pool, not "seed"/],
      [['--scenario', 'pool', '--pool-nodes', 'lots'], /parameter "nodes" must be a number, got "lots"/],
      [['--time-scale', '0'], /--time-scale must be a positive number, got "0"/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [cli, 'sandbox', 'up', ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
    }
  });
});
