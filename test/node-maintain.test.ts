// `kmaint node maintain|rollout|remove` end to end on the sandbox, run as an operator runs them: the seed
// runbooks' k8s-node1 maintained with a rehearsed reboot, the cluster-wide lock refusing a second maintenance
// and taken over with --break-lock, a failing command leaving its node cordoned, remove with and without --yes;
// and on a pool, a rollout in batches that waits for its window and one that stops at a failing node.
// Simulated time runs fast (seed 10x, pool 20x): grace periods, heartbeats, reboots and windows pass quickly.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../src/domain/object.ts';
import { kubectlFor } from './support/kubectl.ts';
import { kmaint } from './support/kmaint.ts';
import { startKmaint } from './support/kmaint-process.ts';
import { sharedBundle } from './support/cli-bundle.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { describePods, eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';

const SETTLE_MS = 60_000;

function nodeOf(sandbox: TestSandbox, name: string): KubeObject | undefined {
  return sandbox.service.find(sandbox.cluster!.types.nodes, '', name);
}

function lockLease(sandbox: TestSandbox): KubeObject | undefined {
  return sandbox.service.find(sandbox.cluster!.types.leases, 'kube-system', 'kmaint-maintenance');
}

function jsonLines(stdout: string): any[] {
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('seed: node maintain, the maintenance lock, node remove', () => {
  let sandbox: TestSandbox;
  let k: ReturnType<typeof kubectlFor>;
  before(async () => {
    sandbox = await testSandbox({ scenario: 'seed', timeScale: 10 });
    k = kubectlFor(sandbox.kubeconfig);
    await eventually(() => {
      const pods = podsOf(sandbox);
      return pods.length === 16 && pods.every(isRunningReady);
    }, SETTLE_MS, () => `the seed's pods Running and Ready${describePods(sandbox)}`);
  });
  after(async () => sandbox?.cleanup());

  it('maintain k8s-node1 with a rehearsed reboot: drained, rebooted, back with a fresh heartbeat, uncordoned, lock given back', async () => {
    const bootBefore = nodeOf(sandbox, 'k8s-node1')!.status.nodeInfo.bootID;
    const reboot = `${process.execPath} ${await sharedBundle()} sandbox node reboot "$KMAINT_NODE" --kubeconfig ${sandbox.kubeconfig}`;
    const run = await kmaint(sandbox, 'node', 'maintain', 'k8s-node1', '--ignore-daemonsets', '--force', '--expect-reboot', '--exec', reboot);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // kubectl's own lines on stdout, in order, with the command's output tagged with its node
    const out = run.stdout.split('\n');
    const at = (line: string): number => out.indexOf(line);
    assert.ok(at('node/k8s-node1 cordoned') >= 0 && at('node/k8s-node1 cordoned') < at('node/k8s-node1 drained'), run.stdout);
    assert.ok(at('[k8s-node1] node/k8s-node1 rebooting: NotReady for a short while, then Ready with a new boot id; its containers restart') > at('node/k8s-node1 drained'), run.stdout);
    assert.ok(at('node/k8s-node1 uncordoned') > at('node/k8s-node1 drained'), run.stdout);
    assert.match(run.stdout, /^pod\/go-http evicted$/m);
    // each step announced, the node seen going down and coming back
    const steps = run.stderr.split('\n').filter((l) => l.startsWith('==> '));
    assert.deepEqual(steps, [
      '==> cordon and drain k8s-node1',
      '==> run the command for k8s-node1',
      '==> wait until k8s-node1 is back: Ready, with a Lease heartbeat after the command finished',
      '==> uncordon k8s-node1',
      '==> verify k8s-node1: Ready and schedulable',
    ]);
    assert.match(run.stderr, /^lock kube-system\/kmaint-maintenance taken by ".+@.+ pid \d+: kmaint node maintain k8s-node1 /m);
    assert.match(run.stderr, /^k8s-node1: waiting for Ready: the node is NotReady/m);
    assert.match(run.stderr, /^k8s-node1: back: Ready, Lease renewed at \S+, rebooted \(new boot id\)$/m);
    assert.match(run.stderr, /^lock kube-system\/kmaint-maintenance released$/m);
    assert.match(run.stderr, /^k8s-node1\s+done\s+-\s+rebooted; /m);

    const node = nodeOf(sandbox, 'k8s-node1')!;
    assert.notEqual(node.status.nodeInfo.bootID, bootBefore, 'the node rebooted');
    assert.equal(node.spec.unschedulable, undefined, 'uncordoned as kubectl uncordon leaves it');
    assert.match(await k.ok(['get', 'node', 'k8s-node1']), /k8s-node1\s+Ready\s+<none>/);
    const lease = JSON.parse(await k.ok(['get', 'lease', 'kmaint-maintenance', '-n', 'kube-system', '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, undefined, 'the lock is free again');
    assert.equal(lease.spec.leaseDurationSeconds, 300);
    // the evicted pods' replacements run on k8s-master; the bare pod is gone for good
    await eventually(() => {
      const pods = podsOf(sandbox);
      return pods.length === 15 && pods.every(isRunningReady) && !pods.some((p) => p.metadata.name === 'go-http');
    }, SETTLE_MS, () => `replacements Running${describePods(sandbox)}`);
  });

  it('the lock: a second maintenance is refused at once naming the holder and the expiry; --break-lock takes it over and the first one stops', async () => {
    const go = join(sandbox.dir, 'go');
    const first = await startKmaint(sandbox, 'node', 'maintain', 'k8s-node1', '--ignore-daemonsets', '--lock-duration', '30s', '--exec', `while [ ! -e ${go} ]; do sleep 0.1; done; echo finished`);
    try {
      await first.waitFor(/^==> run the command for k8s-node1$/m);
      const held = lockLease(sandbox)!;
      assert.match(held.spec.holderIdentity, new RegExp(`^.+@.+ pid ${first.pid}: kmaint node maintain k8s-node1 --ignore-daemonsets --lock-duration 30s --exec 'while `));
      assert.equal(held.metadata.annotations!['maintenance.kmaint.io/pid'], String(first.pid));
      assert.equal(held.spec.leaseDurationSeconds, 30);
      // renewed every third of its duration (10 s simulated, 1 s real) while the maintenance runs
      const renewed = held.spec.renewTime;
      await eventually(() => lockLease(sandbox)!.spec.renewTime !== renewed, 10_000, () => `the lock renewed after ${renewed}`);

      const started = Date.now();
      const second = await kmaint(sandbox, 'node', 'maintain', 'k8s-master', '--exec', 'true');
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`^error: the maintenance lock kube-system/kmaint-maintenance is held by ".+ pid ${first.pid}: kmaint node maintain k8s-node1 [^"]+" since \\S+Z \\(last renewed \\d+s ago\\); it expires at \\S+Z \\(in \\d+s\\) unless renewed\\. Wait for that maintenance to end, or take the lock over with --break-lock if it is gone\\n$`));
      assert.ok(Date.now() - started < 15_000, 'refused at once, without waiting');
      assert.equal(nodeOf(sandbox, 'k8s-master')!.spec.unschedulable, undefined, 'the refused run changed nothing');

      const breaker = await kmaint(sandbox, 'node', 'maintain', 'k8s-node1', '--ignore-daemonsets', '--break-lock', '--exec', 'echo taken over on $NODE_NAME', '-o', 'json');
      assert.equal(breaker.code, 0, breaker.stderr);
      const events = jsonLines(breaker.stdout);
      const acquired = events.find((e) => e.type === 'lock-acquired');
      assert.equal(acquired.previous, 'held');
      assert.match(acquired.tookOverFrom, new RegExp(` pid ${first.pid}: kmaint node maintain k8s-node1 `));
      assert.deepEqual(events.filter((e) => e.type === 'exec-output').map((e) => [e.node, e.stream, e.line]), [['k8s-node1', 'out', 'taken over on k8s-node1']]);
      assert.ok(events.some((e) => e.type === 'drain' && e.event.type === 'cordon' && e.event.result === 'unchanged'), 'the node was already cordoned by the first run');
      assert.deepEqual(events.filter((e) => e.type === 'step').map((e) => e.stage), ['drain', 'exec', 'ready', 'uncordon', 'verify']);
      assert.deepEqual(events.at(-1).report.nodes, [{ node: 'k8s-node1', outcome: 'done', rebooted: false, seconds: events.at(-1).report.nodes[0].seconds }]);
      assert.ok(events.every((e) => typeof e.time === 'string'));

      // the first run finds the lock gone and stops before touching the node again
      writeFileSync(go, '');
      const ended = await first.exited;
      assert.equal(ended.code, 3, ended.stderr);
      assert.match(ended.stderr, /kmaint-maintenance (was taken over by ".+ --break-lock|is no longer this run's: another run took it over \(--break-lock\))/);
      assert.doesNotMatch(ended.stdout, /node\/k8s-node1 uncordoned/);
      assert.doesNotMatch(ended.stderr, /^lock kube-system\/kmaint-maintenance released$/m, 'it does not give back a lock it no longer holds');
      assert.equal(lockLease(sandbox)!.spec.holderIdentity, undefined, 'the breaker gave it back');
      assert.equal(nodeOf(sandbox, 'k8s-node1')!.spec.unschedulable, undefined);
    } finally {
      writeFileSync(go, '');
      await first.exited;
    }
  });

  it('a failing command leaves the node drained and cordoned, and says what was done and how to go on', async () => {
    const run = await kmaint(sandbox, 'node', 'maintain', 'k8s-node1', '--ignore-daemonsets', '--exec', 'echo disk full >&2; exit 4');
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /^\[k8s-node1\] disk full$/m);
    assert.match(run.stderr, /^done: cordon and drain$/m);
    assert.match(run.stderr, /^not done: run the command, wait for the node to be back, uncordon, verify$/m);
    assert.match(run.stderr, /^to continue: k8s-node1 stays cordoned \(its pods were moved away\); once it is healthy \(kmaint node health k8s-node1\), uncordon it: kmaint node uncordon k8s-node1 - or run its maintenance again: kmaint node maintain k8s-node1 --exec 'echo disk full >&2; exit 4' --kubeconfig \S+ --ignore-daemonsets$/m);
    assert.match(run.stderr, /error: maintenance of k8s-node1 failed at exec: the command exited with code 4 on k8s-node1\n$/);
    assert.equal(nodeOf(sandbox, 'k8s-node1')!.spec.unschedulable, true);
    assert.equal(lockLease(sandbox)!.spec.holderIdentity, undefined, 'the lock is given back on failure too');
    assert.equal(await k.ok(['uncordon', 'k8s-node1']), 'node/k8s-node1 uncordoned\n');
  });

  it('remove without --yes and without a terminal refuses (exit 2) and changes nothing', async () => {
    const leaseBefore = lockLease(sandbox)!.metadata.resourceVersion;
    const nodeBefore = nodeOf(sandbox, 'k8s-node1')!.metadata.resourceVersion;
    const run = await kmaint(sandbox, 'node', 'remove', 'k8s-node1', '--ignore-daemonsets');
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'error: refusing to remove node "k8s-node1" without confirmation: standard input is not a terminal to ask on; add --yes to confirm (nothing was changed)\n');
    assert.equal(nodeOf(sandbox, 'k8s-node1')!.metadata.resourceVersion, nodeBefore);
    assert.equal(lockLease(sandbox)!.metadata.resourceVersion, leaseBefore, 'not even the lock was taken');
    const master = await kmaint(sandbox, 'node', 'remove', 'k8s-master', '--yes');
    assert.equal(master.code, 1);
    assert.match(master.stderr, /node "k8s-master" is a control-plane node .* add --control-plane/);
  });

  it('remove --yes drains k8s-node1, deletes its Node and prints the runbooks\' host clean-up', async () => {
    const run = await kmaint(sandbox, 'node', 'remove', 'k8s-node1', '--yes', '--ignore-daemonsets');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^node\/k8s-node1 cordoned\nnode\/k8s-node1 drained\nnode "k8s-node1" deleted\n/);
    const cleanup = run.stdout.split('\n');
    for (const command of ['kubeadm reset -f', 'systemctl stop kubelet', 'rm -rf /var/lib/kubelet/*', 'rm -rf /etc/kubernetes/*', 'rm -rf /etc/cni/net.d/*', 'rm -rf /var/log/pods /var/log/containers', 'iptables -F', 'iptables -t nat -F', 'iptables -t mangle -F', 'iptables -t raw -F', 'ipvsadm --clear']) {
      assert.ok(cleanup.includes(command), `${command} in\n${run.stdout}`);
    }
    assert.match(run.stdout, /Now clean up its host \(192\.168\.31\.3\): run these there, as root:/);
    assert.equal(nodeOf(sandbox, 'k8s-node1'), undefined);
    const gone = await k.fails(['get', 'node', 'k8s-node1']);
    assert.match(gone.stderr, /nodes "k8s-node1" not found/);
    assert.equal(lockLease(sandbox)!.spec.holderIdentity, undefined);
  });
});

describe('pool: node rollout', () => {
  let sandbox: TestSandbox;
  const workers = ['worker-01', 'worker-02', 'worker-03'];
  before(async () => {
    sandbox = await testSandbox({ scenario: 'pool', scenarioParams: { nodes: '3', podsPerNode: '2' }, timeScale: 20 });
    await eventually(() => {
      const pods = podsOf(sandbox, 'pool');
      return pods.length === 6 && pods.every(isRunningReady);
    }, SETTLE_MS, () => `the pool's pods Running and Ready${describePods(sandbox)}`);
  });
  after(async () => sandbox?.cleanup());

  const hhmm = (d: Date): string => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

  it('outside its window it waits and says when the window opens; Ctrl-C then stops it with nothing touched', async () => {
    // written in local time as the operator would; the sandbox's clock (20x) is the API server's
    const opens = new Date(Math.floor(sandbox.clock.nowMs() / 60_000) * 60_000 + 3 * 3_600_000);
    const window = `${hhmm(opens)}-${hhmm(new Date(opens.getTime() + 3_600_000))}`;
    const rollout = await startKmaint(sandbox, 'node', 'rollout', ...workers, '--window', window, '--exec', 'true');
    await rollout.waitFor(new RegExp(`^outside the maintenance window ${window} \\(it is \\d\\d:\\d\\d\\): waiting until it opens at ${hhmm(opens)} \\(in 2h5\\dm\\)$`, 'm'));
    assert.equal(lockLease(sandbox)?.spec?.holderIdentity, undefined, 'a rollout waiting for its window does not block other maintenances');
    process.kill(rollout.pid, 'SIGINT');
    const ended = await rollout.exited;
    assert.equal(ended.code, 130, ended.stderr);
    assert.doesNotMatch(ended.stderr, /^lock /m);
    assert.match(ended.stderr, /error: rollout interrupted between batches; 0 of 3 node\(s\) done, 3 not touched\n$/);
    assert.equal(ended.stdout, '', 'no node was cordoned');
    for (const worker of workers) assert.equal(nodeOf(sandbox, worker)!.spec.unschedulable, undefined);
  });

  it('inside its window it goes in batches of --max-unavailable, without ever breaking a PodDisruptionBudget', async () => {
    const now = sandbox.clock.nowMs();
    const window = `${hhmm(new Date(now - 5 * 60_000))}-${hhmm(new Date(now + 3_600_000))}`;

    // each Deployment (3 replicas, maxUnavailable 1) keeps at least 2 Ready pods throughout
    let fewestReady = Infinity;
    const watch = setInterval(() => {
      const pods = podsOf(sandbox, 'pool');
      for (const app of ['web-001', 'web-002']) fewestReady = Math.min(fewestReady, pods.filter((p) => p.metadata.labels?.app === app && isRunningReady(p)).length);
    }, 20);
    let run;
    try {
      run = await kmaint(sandbox, 'node', 'rollout', '-l', '!node-role.kubernetes.io/control-plane', '--max-unavailable', '2', '--window', window, '--exec', 'echo "upgrading $NODE_NAME ($KMAINT_NODE_IP)"', '-o', 'json');
    } finally {
      clearInterval(watch);
    }
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fewestReady, 2, 'one pod of each Deployment down at a time, never more');
    const events = jsonLines(run.stdout);
    assert.equal(events.filter((e) => e.type === 'window-wait').length, 0);
    assert.deepEqual(events.filter((e) => e.type === 'window-open').map((e) => e.window), [window, window], 'checked before each batch');
    assert.deepEqual(events.filter((e) => e.type === 'batch-start').map((e) => e.nodes), [['worker-01', 'worker-02'], ['worker-03']]);
    assert.deepEqual(events.filter((e) => e.type === 'exec-output').map((e) => e.line).sort(), ['upgrading worker-01 (10.0.0.10)', 'upgrading worker-02 (10.0.0.11)', 'upgrading worker-03 (10.0.0.12)']);
    // the second batch was drained only after the first was back in service
    const index = (predicate: (e: any) => boolean): number => events.findIndex(predicate);
    assert.ok(index((e) => e.type === 'node-done' && e.node === 'worker-02') < index((e) => e.type === 'drain' && e.event.type === 'cordon' && e.event.node === 'worker-03'));
    assert.deepEqual(events.at(-1).report.nodes.map((n: any) => [n.node, n.outcome]), workers.map((w) => [w, 'done']));
    for (const worker of workers) assert.equal(nodeOf(sandbox, worker)!.spec.unschedulable, undefined);
  });

  it('a failing command stops the rollout: the report says which nodes are done, which failed (left cordoned), which were not touched', async () => {
    const podsOn = (node: string): string[] => podsOf(sandbox, 'pool').filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp).map((p) => p.metadata.uid as string);
    // in the order named: worker-03 (emptied last time) done, then the command fails on one worker, and the
    // one with the most pods is never touched (so it shows that none of its pods was evicted)
    const [untouched, failing] = ['worker-01', 'worker-02'].sort((a, b) => podsOn(b).length - podsOn(a).length);
    const before = podsOn(untouched);
    assert.ok(before.length > 0, describePods(sandbox));
    const exec = `test "$KMAINT_NODE" != ${failing}`;
    const run = await kmaint(sandbox, 'node', 'rollout', 'worker-03', failing, untouched, '--exec', exec, '--no-preflight');
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /^done \(1\): worker-03$/m);
    assert.match(run.stderr, new RegExp(`^failed at exec: ${failing}: the command exited with code 1 on ${failing} \\(stays cordoned\\)$`, 'm'));
    assert.match(run.stderr, new RegExp(`^not touched \\(1\\): ${untouched}$`, 'm'));
    assert.match(run.stderr, new RegExp(`^ {2}${failing} stays cordoned .* kmaint node uncordon ${failing} `, 'm'));
    assert.ok(run.stderr.includes(`\n  the nodes not touched: kmaint node rollout ${untouched} --exec '${exec}' --max-unavailable 1 --kubeconfig ${sandbox.kubeconfig} --no-preflight\n`), run.stderr);
    assert.ok(run.stderr.endsWith(`error: rollout stopped: ${failing} failed at exec: the command exited with code 1 on ${failing}; 1 of 3 node(s) done, 1 not touched\n`), run.stderr);
    assert.equal(nodeOf(sandbox, 'worker-03')!.spec.unschedulable, undefined);
    assert.equal(nodeOf(sandbox, failing)!.spec.unschedulable, true);
    assert.equal(nodeOf(sandbox, untouched)!.spec.unschedulable, undefined, 'never cordoned');
    const after = podsOn(untouched);
    assert.ok(before.every((uid) => after.includes(uid)), `no pod of ${untouched} was evicted`);
  });
});
