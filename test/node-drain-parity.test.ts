// Parity of `kmaint node drain` with the real `kubectl drain` v1.35 (issue 4): for each pod kind x flag case,
// kubectl drains a node of one sandbox cluster and kmaint the same node of an identical one (both started from
// the same scenario file), and the outcomes must be equal: fatal or not, which pods are removed (gone from the
// cluster, and the `pod/NAME evicted|deleted` lines), the `Warning:` groups, the error of each node and the final
// error, the 429 retry lines, the pending pods and nodes, and whether the node is left cordoned.
//
// Every case has nodes of its own, so all cases share two pairs of clusters and run several at a time; each
// invocation drains several nodes, as kubectl does one after another (going on past a node it cannot drain).
// Besides parity, kubectl's own outcome is checked against the expected matrix, so that a case cannot pass by
// both tools doing nothing, and every line kubectl prints must be one the comparison reads.
//
// - API-only clusters at real time (no scheduler, controllers, garbage collector or kubelets; pods written as
//   their controllers write them): the pod kind x --ignore-daemonsets/--force/--delete-emptydir-data matrix, with
//   grace period 0 so that evicted pods go at once. Only here does an orphaned DaemonSet pod (controller: an
//   apps/v1 DaemonSet that does not exist) stay until the drain: a garbage collector, upstream's as the
//   sandbox's, deletes it at once. Also --skip-wait-for-delete-timeout, which compares a pod's deletionTimestamp
//   (server time) with kubectl's local clock, which a sandbox at --time-scale 10 runs ahead of; and pods that
//   never go once deleted (no kubelet), as on an unreachable node.
// - clusters with controllers and kubelets at --time-scale 10: every kind run for real (evicted, terminating
//   gracefully, replaced), and the other flags: --pod-selector, --disable-eviction, --dry-run=client|server,
//   --grace-period, --chunk-size, --timeout with a PodDisruptionBudget that allows no eviction.
//
// kmaint takes seconds to start where kubectl takes milliseconds, so the two list a node's pods at different
// moments: no case depends on that moment (a pod's deletion is either long past or far off for both).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubectl } from './support/kubectl.ts';
import { kmaint, type Run } from './support/kmaint.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import {
  API_ONLY_KINDS,
  KUBELET_KINDS,
  canonicalName,
  CANONICAL_LABEL,
  NAMESPACE,
  parityScenario,
  parseRun,
  podsOnNodes,
  settledPhase,
  summarize,
  type NodeLayout,
  type PodKind,
  type PodState,
  type PodSpecOnNode,
} from './support/drain-parity.ts';

const TIME_SCALE = 10;
const SETTLE_MS = 60_000;
const RUN_TIMEOUT_MS = 60_000;
/** cases run this many at a time (each runs kubectl and kmaint at once) */
const CONCURRENCY = 3;

interface NodeExpectation {
  drained: boolean;
  /** each pod's state afterwards, by kind */
  pods: Partial<Record<PodKind, PodState>>;
}

interface Case {
  title: string;
  /** which pair of clusters: with controllers and kubelets at --time-scale 10, or API-only at real time */
  clusters: 'kubelets' | 'api-only';
  flags: string[];
  nodes: Array<NodeLayout & { expect: NodeExpectation }>;
  /** kubectl retries 429s every 5 s and kmaint when the budget may allow it: compare which lines, not how many */
  retries?: boolean;
  /** run on both clusters once they have started */
  setup?: (sandbox: TestSandbox) => void;
  /** run on both clusters just before the drains */
  prepare?: (sandbox: TestSandbox) => Promise<void> | void;
}

// ---- the pod kind x --ignore-daemonsets/--force/--delete-emptydir-data matrix

interface Flags {
  ignoreDaemonSets: boolean;
  force: boolean;
  deleteEmptyDir: boolean;
}

type Verdict = 'removed' | 'stays' | 'fatal';

/** kubectl's filters (reference/node-maintenance.md, section 1): what a drain does with one pod of this kind. */
function verdictOf(kind: PodKind, flags: Flags): Verdict {
  switch (kind) {
    case 'ds':
      return flags.ignoreDaemonSets ? 'stays' : 'fatal';
    case 'orphan':
      return flags.force ? 'removed' : 'fatal';
    case 'orphan-emptydir':
      return flags.force && flags.deleteEmptyDir ? 'removed' : 'fatal';
    case 'mirror':
      return 'stays';
    case 'bare':
      return flags.force ? 'removed' : 'fatal';
    case 'emptydir':
      return flags.deleteEmptyDir ? 'removed' : 'fatal';
    case 'bare-emptydir':
      return flags.deleteEmptyDir && flags.force ? 'removed' : 'fatal';
    default:
      return 'removed'; // managed by RC/RS/Deployment/StatefulSet/Job (or a DaemonSet not of apps/v1), or finished
  }
}

function expectNode(kinds: readonly PodKind[], flags: Flags): NodeExpectation {
  const verdicts = kinds.map((kind) => verdictOf(kind, flags));
  const drained = !verdicts.includes('fatal');
  return { drained, pods: Object.fromEntries(kinds.map((kind, i) => [kind, drained && verdicts[i] === 'removed' ? 'gone' : 'present'])) };
}

/** Pods whose outcome depends on the flags get a node each; the rest share one; one node has every kind. */
const FLAG_SENSITIVE: PodKind[] = ['ds', 'orphan', 'orphan-emptydir', 'bare', 'emptydir', 'bare-emptydir'];
const ALWAYS_THE_SAME: PodKind[] = API_ONLY_KINDS.filter((kind) => !FLAG_SENSITIVE.includes(kind));

function matrixCase(flags: Flags): Case {
  const code = `${flags.ignoreDaemonSets ? 'i' : ''}${flags.force ? 'f' : ''}${flags.deleteEmptyDir ? 'e' : ''}` || 'none';
  const args = [flags.ignoreDaemonSets && '--ignore-daemonsets', flags.force && '--force', flags.deleteEmptyDir && '--delete-emptydir-data'].filter((f): f is string => !!f);
  const node = (group: string, kinds: readonly PodKind[]): Case['nodes'][number] => ({ node: `m-${code}-${group}`, pods: kinds.map((kind) => ({ kind })), expect: expectNode(kinds, flags) });
  return {
    title: `kubectl drain ${args.join(' ') || '(no flags)'}: every pod kind`,
    clusters: 'api-only',
    // grace period 0: without kubelets an evicted pod goes only so
    flags: [...args, '--grace-period=0'],
    nodes: [...FLAG_SENSITIVE.map((kind) => node(kind, [kind])), node('managed', ALWAYS_THE_SAME), node('all', API_ONLY_KINDS)],
  };
}

const MATRIX: Case[] = [false, true].flatMap((ignoreDaemonSets) =>
  [false, true].flatMap((force) => [false, true].map((deleteEmptyDir) => matrixCase({ ignoreDaemonSets, force, deleteEmptyDir }))),
);

// ---- the other flags

const on = (node: string, pods: PodSpecOnNode[], expect: NodeExpectation): Case['nodes'][number] => ({ node, pods, expect });
const kinds = (...list: PodKind[]): PodSpecOnNode[] => list.map((kind) => ({ kind }));
const untouched = (...list: PodKind[]): NodeExpectation['pods'] => Object.fromEntries(list.map((kind) => [kind, 'present']));

const OTHER_FLAGS: Case[] = [
  {
    // the pods as real controllers and kubelets run them: evicted, terminating gracefully, replaced (Pending here)
    clusters: 'kubelets',
    title: 'kubectl drain --ignore-daemonsets --force --delete-emptydir-data: every pod kind, run by controllers and kubelets',
    flags: ['--ignore-daemonsets', '--force', '--delete-emptydir-data', '--grace-period=1'],
    nodes: [on('k-all', kinds(...KUBELET_KINDS), expectNode(KUBELET_KINDS, { ignoreDaemonSets: true, force: true, deleteEmptyDir: true }))],
  },
  {
    clusters: 'kubelets',
    title: '--pod-selector: only the matching pods are filtered and removed',
    flags: ['--pod-selector=sel!=keep', '--grace-period=1'],
    nodes: [
      // the DaemonSet and bare pods are not selected, so they neither stop the drain nor go
      on('sel-skips', [{ kind: 'ds', shape: { labels: { sel: 'keep' } } }, { kind: 'bare', shape: { labels: { sel: 'keep' } } }, { kind: 'rs' }, { kind: 'deploy', shape: { labels: { sel: 'go' } } }], {
        drained: true,
        pods: { ds: 'present', bare: 'present', rs: 'gone', deploy: 'gone' },
      }),
      // selected: a DaemonSet pod without --ignore-daemonsets and a bare pod without --force (two errors)
      on('sel-refuses', [{ kind: 'ds' }, { kind: 'bare' }, { kind: 'rs', shape: { labels: { sel: 'keep' } } }, { kind: 'job' }], { drained: false, pods: untouched('ds', 'bare', 'rs', 'job') }),
    ],
  },
  {
    clusters: 'kubelets',
    title: '--disable-eviction: pods are deleted, bypassing a PodDisruptionBudget that allows no eviction',
    flags: ['--disable-eviction', '--force', '--ignore-daemonsets', '--grace-period=1'],
    nodes: [
      on('noevict', [{ kind: 'deploy', shape: { blockingBudget: true } }, { kind: 'rs' }, { kind: 'bare' }, { kind: 'ds' }, { kind: 'succeeded' }], {
        drained: true,
        pods: { deploy: 'gone', rs: 'gone', bare: 'gone', ds: 'present', succeeded: 'gone' },
      }),
    ],
  },
  {
    clusters: 'kubelets',
    title: '--dry-run=client: what would be evicted, nothing changed, not even the cordon',
    flags: ['--dry-run=client', '--ignore-daemonsets', '--force'],
    nodes: [
      on('dryc-ok', kinds('ds', 'rs', 'bare', 'sts', 'failed'), { drained: true, pods: untouched('ds', 'rs', 'bare', 'sts', 'failed') }),
      on('dryc-refuses', kinds('emptydir', 'rc'), { drained: false, pods: untouched('emptydir', 'rc') }),
    ],
  },
  {
    clusters: 'kubelets',
    title: '--dry-run=server: the API server checks every change without making it',
    flags: ['--dry-run=server', '--ignore-daemonsets', '--force'],
    nodes: [
      on('drys-ok', kinds('ds', 'rs', 'bare', 'job', 'succeeded'), { drained: true, pods: untouched('ds', 'rs', 'bare', 'job', 'succeeded') }),
      on('drys-refuses', kinds('bare-emptydir', 'deploy'), { drained: false, pods: untouched('bare-emptydir', 'deploy') }),
    ],
  },
  {
    // without the override the pods would take their own 600 s (60 s of real time) and both would time out
    clusters: 'kubelets',
    title: '--grace-period overrides the pods\' own terminationGracePeriodSeconds',
    flags: ['--grace-period=1', '--timeout=30s'],
    nodes: [
      on('grace', [{ kind: 'rs', shape: { grace: 600, stopSeconds: 100_000 } }, { kind: 'sts', shape: { grace: 600, stopSeconds: 100_000 } }, { kind: 'mirror' }], {
        drained: true,
        pods: { rs: 'gone', sts: 'gone', mirror: 'present' },
      }),
    ],
  },
  {
    clusters: 'kubelets',
    title: '--chunk-size=1: the node\'s pods listed one per page',
    flags: ['--chunk-size=1', '--ignore-daemonsets', '--grace-period=1'],
    nodes: [
      on('chunk-a', kinds('ds', 'rc', 'rs', 'deploy', 'sts', 'job', 'mirror'), { drained: true, pods: { ds: 'present', rc: 'gone', rs: 'gone', deploy: 'gone', sts: 'gone', job: 'gone', mirror: 'present' } }),
      on('chunk-b', kinds('rs', 'bare', 'emptydir'), { drained: false, pods: untouched('rs', 'bare', 'emptydir') }),
    ],
  },
  {
    clusters: 'kubelets',
    title: '--timeout with a PodDisruptionBudget that allows no eviction: the 429 retry line, then the global timeout',
    // kubectl prints the timeout as Go formats a duration: 2.5s
    flags: ['--timeout=2500ms', '--ignore-daemonsets', '--grace-period=1'],
    retries: true,
    nodes: [
      on('pdb-timeout', [{ kind: 'deploy', shape: { blockingBudget: true } }, { kind: 'rs' }, { kind: 'ds' }], { drained: false, pods: { deploy: 'present', rs: 'gone', ds: 'present' } }),
    ],
  },
  {
    // skip-old was deleted long ago: filtered out, never evicted; skip-wait's pod is evicted, then not waited for
    // once its deletionTimestamp is more than a second old. Without kubelets both stay Terminating.
    clusters: 'api-only',
    title: '--skip-wait-for-delete-timeout: pods deleted more than N seconds ago are not waited for',
    flags: ['--skip-wait-for-delete-timeout=1'],
    nodes: [
      on('skip-old', kinds('rs'), { drained: true, pods: { rs: 'terminating' } }),
      on('skip-wait', kinds('rs'), { drained: true, pods: { rs: 'terminating' } }),
    ],
    setup: (sandbox) => deletePod(sandbox, canonicalName('skip-old', 'rs'), 1),
    async prepare(sandbox) {
      // deleted with a 1 s grace period: its deletionTimestamp is more than one whole second old 2 s after that
      const deletedAt = Date.parse(podsOf(sandbox, NAMESPACE).find((p) => p.metadata.name === canonicalName('skip-old', 'rs'))?.metadata.deletionTimestamp ?? '');
      assert.ok(Number.isFinite(deletedAt), 'skip-old is Terminating');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deletedAt + 3_000 - Date.now())));
    },
  },
  {
    // the rs pod was deleted just before the drain with a long grace period: kubectl evicts it again; without a
    // kubelet neither it nor the bare pod ever goes, and the wait gives up at --timeout
    clusters: 'api-only',
    title: 'a pod already Terminating is evicted again and waited for until --timeout',
    flags: ['--timeout=3s', '--force'],
    nodes: [on('terminating', kinds('rs', 'bare'), { drained: false, pods: { rs: 'terminating', bare: 'terminating' } })],
    prepare: (sandbox) => deletePod(sandbox, canonicalName('terminating', 'rs'), 600),
  },
  {
    // kubectl deletes the pods one after another, then waits for all of them at once: one error, not one per pod
    clusters: 'api-only',
    title: '--disable-eviction with --timeout: pods that never go end the wait with one error',
    flags: ['--disable-eviction', '--timeout=2s', '--force'],
    nodes: [on('noevict-timeout', kinds('rs', 'bare', 'succeeded'), { drained: false, pods: { rs: 'terminating', bare: 'terminating', succeeded: 'gone' } })],
  },
];

function deletePod(sandbox: TestSandbox, name: string, gracePeriodSeconds: number): void {
  sandbox.service.delete(sandbox.service.registry.get('', 'v1', 'pods')!, NAMESPACE, name, { gracePeriodSeconds });
}

const CASES: Case[] = [...MATRIX, ...OTHER_FLAGS];

// ---- running a case

interface Pair {
  kubectlSide: TestSandbox;
  kmaintSide: TestSandbox;
}

function show(label: string, run: Run): string {
  return `--- ${label} exited ${run.code}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

async function runCase(pair: Pair, c: Case): Promise<void> {
  const nodes = c.nodes.map((n) => n.node);
  await Promise.all([c.prepare?.(pair.kubectlSide), c.prepare?.(pair.kmaintSide)]);
  const beforeKubectl = podsOnNodes(pair.kubectlSide, nodes);
  const beforeKmaint = podsOnNodes(pair.kmaintSide, nodes);
  assert.deepEqual(beforeKmaint.map((p) => `${p.node}/${p.canonical}`).sort(), beforeKubectl.map((p) => `${p.node}/${p.canonical}`).sort(), 'both clusters start alike');

  const [byKubectl, byKmaint] = await Promise.all([
    kubectl(pair.kubectlSide.kubeconfig, ['drain', ...nodes, ...c.flags], { timeoutMs: RUN_TIMEOUT_MS }),
    kmaint(pair.kmaintSide, 'node', 'drain', ...nodes, ...c.flags),
  ]);
  const both = `${show('kubectl', byKubectl)}\n${show('kmaint', byKmaint)}`;
  const k = parseRun('kubectl', byKubectl, pair.kubectlSide, nodes, beforeKubectl);
  const m = parseRun('kmaint', byKmaint, pair.kmaintSide, nodes, beforeKmaint);

  // every line kubectl printed is one the comparison reads; kmaint prints nothing else on stdout
  assert.deepEqual(k.otherStdout, [], `kubectl printed lines this test does not read\n${both}`);
  assert.deepEqual(k.otherStderr, [], `kubectl printed lines this test does not read\n${both}`);
  assert.deepEqual(m.otherStdout, [], `kmaint printed lines on stdout that kubectl does not\n${both}`);
  assert.ok([0, 1].includes(byKubectl.code) && [0, 1].includes(byKmaint.code), `exit codes 0 or 1\n${both}`);

  // kubectl did what the case is about
  for (const { node, expect } of c.nodes) {
    const got = k.outcome.nodes[node];
    assert.equal(got.drained.length === 1, expect.drained, `kubectl drained ${node}: ${expect.drained}\n${both}`);
    assert.equal(got.error !== null, !expect.drained, `kubectl's error for ${node}\n${both}`);
    const expected = Object.fromEntries(Object.entries(expect.pods).map(([kind, state]) => [canonicalName(node, kind as PodKind), state]));
    assert.deepEqual(got.pods, expected, `pods of ${node} after kubectl drain\n${summarize(k.outcome)}\n${both}`);
  }
  assert.equal(k.outcome.fatal, c.nodes.some((n) => !n.expect.drained), `kubectl's exit status\n${both}`);
  if (c.retries) {
    for (const { node } of c.nodes) assert.ok(k.outcome.nodes[node].retries.length > 0 || k.outcome.nodes[node].error === null, `kubectl printed the 429 retry line for ${node}\n${both}`);
  }

  // and kmaint did the same
  assert.deepEqual(m.outcome, k.outcome, `kmaint's outcome differs from kubectl's\nkubectl:\n${summarize(k.outcome)}\nkmaint:\n${summarize(m.outcome)}\n${both}`);
}

// ---- the clusters

function podOf(pods: ReturnType<typeof podsOf>, node: string, kind: PodKind): ReturnType<typeof podsOf>[number] | undefined {
  const canonical = canonicalName(node, kind);
  return pods.find((p) => p.metadata.labels?.[CANONICAL_LABEL] === canonical && p.spec?.nodeName === node);
}

/** What is not yet as the cases expect: a pod missing or not in its phase, a budget that has not seen its pod. */
function unsettled(sandbox: TestSandbox, layouts: readonly NodeLayout[]): string[] {
  const pods = podsOf(sandbox, NAMESPACE);
  const problems: string[] = [];
  for (const { node, pods: specs } of layouts) {
    for (const { kind } of specs) {
      const pod = podOf(pods, node, kind);
      const phase = settledPhase(kind);
      if (!pod) problems.push(`${canonicalName(node, kind)}: no pod on ${node}`);
      else if (phase === 'Running' ? !isRunningReady(pod) : pod.status?.phase !== phase) problems.push(`${canonicalName(node, kind)}: ${pod.status?.phase}`);
    }
  }
  for (const entry of sandbox.service.store.list('policy/poddisruptionbudgets', { namespace: NAMESPACE }).entries) {
    const status = JSON.parse(entry.json.toString('utf8')).status ?? {};
    if (status.currentHealthy !== 1 || status.disruptionsAllowed !== 0) problems.push(`PodDisruptionBudget ${entry.name}: ${JSON.stringify(status)}`);
  }
  return problems;
}

async function startPair(dir: string, cases: readonly Case[], apiOnly: boolean): Promise<Pair> {
  const layouts: NodeLayout[] = cases.flatMap((c) => c.nodes.map(({ node, pods }) => ({ node, pods })));
  const file = join(dir, apiOnly ? 'drain-parity-api-only.yaml' : 'drain-parity.yaml');
  writeFileSync(file, stringify(parityScenario(layouts, apiOnly), { aliasDuplicateObjects: false }));
  const options = apiOnly ? { scenario: file, apiOnly: true } : { scenario: file, timeScale: TIME_SCALE };
  const [kubectlSide, kmaintSide] = await Promise.all([testSandbox(options), testSandbox(options)]);
  const pair = { kubectlSide, kmaintSide };
  for (const sandbox of [kubectlSide, kmaintSide]) {
    if (!apiOnly) await eventually(() => unsettled(sandbox, layouts).length === 0, SETTLE_MS, () => `the parity scenario settled:\n${unsettled(sandbox, layouts).slice(0, 20).join('\n')}`);
    for (const c of cases) c.setup?.(sandbox);
  }
  return pair;
}

describe('kubectl drain and kmaint node drain agree on identical clusters', { concurrency: CONCURRENCY }, () => {
  const pairs: Partial<Record<Case['clusters'], Pair>> = {};
  let dir: string | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kmaint-parity-'));
    const [kubelets, apiOnly] = await Promise.all([
      startPair(dir, CASES.filter((c) => c.clusters === 'kubelets'), false),
      startPair(dir, CASES.filter((c) => c.clusters === 'api-only'), true),
    ]);
    pairs.kubelets = kubelets;
    pairs['api-only'] = apiOnly;
  });
  after(async () => {
    await Promise.all(Object.values(pairs).flatMap((pair) => [pair.kubectlSide.cleanup(), pair.kmaintSide.cleanup()]));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) it(c.title, () => runCase(pairs[c.clusters]!, c));
});
