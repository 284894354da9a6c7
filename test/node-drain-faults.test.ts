// kmaint node drain against an API server that fails about one request in ten (evictions, reads, lists, node
// patches and deletes answer 429, 500 or 409), adds latency and cuts watch streams: many randomized pool drains
// never violate a PodDisruptionBudget, as a watcher of every pod and budget write in the sandbox checks on its
// own, and each drain either converges or stops with one clear error line; a drain killed with SIGKILL midway
// completes when run again (the same command, or --resume) without evicting a pod twice; Ctrl-C stops with
// exit code 130 and a report of what remains.
//
// The cases are random but seeded: a failure prints the seed and the case, and
//   KMAINT_FAULTS_SEED=<seed> [KMAINT_FAULTS_ONLY=<case>] node --import tsx --test test/node-drain-faults.test.ts
// replays the same pools, workloads, budgets, targets and flags (the injected faults and the timing are dice
// of their own). KMAINT_FAULT_DRAINS sets how many randomized drains run (default 51).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/domain/object.ts';
import type { FaultInjector } from '../src/sandbox/apiserver/faults.ts';
import type { Run } from './support/kmaint.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { sharedBundle } from './support/cli-bundle.ts';
import { eventually, isRunningReady, podsOf } from './support/scenario-wait.ts';
import { STOP_SECONDS } from '../src/sandbox/kubelet/annotations.ts';

const TIME_SCALE = 20;
const NAMESPACE = 'pool';
const SETTLE_MS = 30_000;
/** a drain here takes seconds; one that runs this long hangs */
const HANG_MS = 120_000;
const DRAINS = Number(process.env.KMAINT_FAULT_DRAINS ?? 51);
const POOLS = 4;
const SEED = process.env.KMAINT_FAULTS_SEED ? Number(process.env.KMAINT_FAULTS_SEED) : Math.floor(Math.random() * 2 ** 32);
const ONLY = process.env.KMAINT_FAULTS_ONLY === undefined ? undefined : Number(process.env.KMAINT_FAULTS_ONLY);

/**
 * About 10% of each kind of request fails: evictions with 429 (throttled, not a budget), 500 and 409 (the
 * budget's update lost a race); reads and lists with 429 and 500 (a read never conflicts); node patches with
 * 409, 500 and 429; deletes with 500 and 409; watches are refused now and then and a quarter of them are cut
 * within 3 s; everything is 1-25 ms slower. The sandbox's own controllers and kubelets are not faulted.
 */
const FAULTS = [
  'pods/eviction:create=429@4%',
  'pods/eviction:create=500@3%',
  'pods/eviction:create=409@3%',
  '*:get=429@5%',
  '*:get=500@5%',
  '*:list=429@5%',
  '*:list=500@5%',
  '*:patch=409@4%',
  '*:patch=500@3%',
  '*:patch=429@3%',
  '*:delete=500@5%',
  '*:delete=409@5%',
  '*:watch=429@3%',
  '*:*=latency:1ms-25ms',
  '*:watch=drop:3s@25%',
].join(',');

// ---------------------------------------------------------------------------------------------------------
// seeded randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** an integer from lo to hi, both included */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** k distinct items, in their original order */
  subset<T>(items: readonly T[], k: number): T[] {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(this.int(0, items.length - 1));
    return items.filter((_, i) => chosen.has(i));
  }
}

// ---------------------------------------------------------------------------------------------------------
// the independent budget check

type IntOrPercent = number | string;
interface BudgetSpec {
  minAvailable?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
}

/** A number of pods from an int or a percentage of `total`, rounded up as the disruption controller does. */
function scaled(value: IntOrPercent, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new Error(`"${value}" is neither a number nor a percentage`);
  return Math.ceil((Number(match[1]) * total) / 100);
}

/** How many covered pods must stay healthy: minAvailable, or the workloads' replicas less maxUnavailable. */
function desiredHealthy(spec: BudgetSpec, replicas: number): number {
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) return scaled(spec.minAvailable, replicas);
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) return Math.max(0, replicas - scaled(spec.maxUnavailable, replicas));
  return 0;
}

function matchLabels(selector: any, labels: Record<string, string> | undefined): boolean {
  if (selector?.matchExpressions?.length) throw new Error('the checker reads matchLabels selectors only');
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels?.[key] === value);
}

interface PodState {
  uid: string;
  name: string;
  namespace: string;
  node?: string;
  labels: Record<string, string>;
  /** Ready and not being deleted */
  healthy: boolean;
  deleting: boolean;
}

/**
 * Sees every write of pods, budgets and Deployments in the sandbox as it is committed (in order, before any
 * client hears of it), and checks each disruption: when a covered pod starts going (deletionTimestamp set, or
 * deleted outright), the healthy pods its budget is left with must not fall below desiredHealthy, computed here
 * from the budget's spec and the Deployment's replicas. It also sees every eviction that reaches the server
 * (past the injected faults) and notes one sent for a pod already going: work done twice.
 */
class BudgetWatcher {
  /** disruptions are checked only while a drain runs (the test's own resets delete pods at will) */
  armed = false;
  /** the case, for messages */
  label = '';
  readonly violations: string[] = [];
  readonly repeatedEvictions: string[] = [];
  disruptions = 0;
  /** the pods every eviction that reached the server was for, in order */
  readonly evictionsReceived: string[] = [];
  /** told of each disruption, armed or not */
  onDisruption?: (pod: PodState) => void;
  /** workers that stopped being Ready (a sandbox starved of CPU misses heartbeats): explains odd failures */
  readonly nodeTrouble: string[] = [];
  private readonly notReady = new Set<string>();
  private readonly seenReady = new Set<string>();
  private readonly pods = new Map<string, PodState>();
  private readonly budgets = new Map<string, { namespace: string; name: string; spec: BudgetSpec & { selector?: unknown } }>();
  private readonly deployments = new Map<string, { namespace: string; replicas: number; labels: Record<string, string> }>();

  constructor(sandbox: TestSandbox) {
    const service = sandbox.service;
    service.onWrite('core/pods', (_type, pod, deleted) => this.pod(pod, deleted));
    service.onWrite('policy/poddisruptionbudgets', (_type, pdb, deleted) => {
      const key = `${pdb.metadata.namespace}/${pdb.metadata.name}`;
      if (deleted) this.budgets.delete(key);
      else this.budgets.set(key, { namespace: pdb.metadata.namespace as string, name: pdb.metadata.name as string, spec: pdb.spec ?? {} });
    });
    service.onWrite('core/nodes', (_type, node, deleted) => {
      const name = node.metadata.name as string;
      if (deleted || isNodeReady(node)) {
        this.notReady.delete(name);
        this.seenReady.add(name);
      } else if (this.seenReady.has(name) && !this.notReady.has(name)) {
        this.notReady.add(name);
        const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        this.nodeTrouble.push(`${new Date().toISOString()} node ${name} Ready=${ready?.status ?? '?'} (${ready?.reason ?? ''}) during ${this.label || 'setup'}`);
      }
    });
    service.onWrite('apps/deployments', (_type, deployment, deleted) => {
      const key = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
      if (deleted) this.deployments.delete(key);
      else this.deployments.set(key, { namespace: deployment.metadata.namespace as string, replicas: Number(deployment.spec?.replicas ?? 1), labels: deployment.spec?.template?.metadata?.labels ?? {} });
    });
    const types = sandbox.cluster!.types;
    for (const pdb of service.list(types.podDisruptionBudgets, '', {}).entries.map((e) => JSON.parse(e.json.toString('utf8')) as KubeObject)) {
      this.budgets.set(`${pdb.metadata.namespace}/${pdb.metadata.name}`, { namespace: pdb.metadata.namespace as string, name: pdb.metadata.name as string, spec: pdb.spec ?? {} });
    }
    for (const d of service.list(types.deployments, '', {}).entries.map((e) => JSON.parse(e.json.toString('utf8')) as KubeObject)) {
      this.deployments.set(`${d.metadata.namespace}/${d.metadata.name}`, { namespace: d.metadata.namespace as string, replicas: Number(d.spec?.replicas ?? 1), labels: d.spec?.template?.metadata?.labels ?? {} });
    }
    for (const pod of podsOf(sandbox)) this.pod(pod, false);
    this.watchEvictions(sandbox.faults);
  }

  /** Every request passes the fault injector first; an eviction it lets through reaches the handler. */
  private watchEvictions(faults: FaultInjector): void {
    const decide = faults.decide.bind(faults);
    faults.decide = (request, name) => {
      const decision = decide(request, name);
      if (request.verb === 'create' && request.resource === 'pods' && request.subresource === 'eviction' && !decision?.error && name) {
        this.evictionsReceived.push(name);
        const going = [...this.pods.values()].find((p) => p.name === name && p.deleting);
        if (going) this.repeatedEvictions.push(`${this.label}: pod ${going.namespace}/${name} (uid ${going.uid}) was sent another eviction while already going`);
      }
      return decision;
    };
  }

  private pod(pod: KubeObject, deleted: boolean): void {
    const uid = pod.metadata.uid as string;
    const previous = this.pods.get(uid);
    if (deleted) {
      this.pods.delete(uid);
      if (previous && !previous.deleting) this.disrupted({ ...previous, healthy: false, deleting: true });
      return;
    }
    const deleting = !!pod.metadata.deletionTimestamp;
    const ready = (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
    const state: PodState = { uid, name: pod.metadata.name as string, namespace: pod.metadata.namespace as string, node: pod.spec?.nodeName, labels: pod.metadata.labels ?? {}, healthy: ready && !deleting, deleting };
    this.pods.set(uid, state);
    if (deleting && !previous?.deleting) this.disrupted(state);
  }

  private disrupted(pod: PodState): void {
    this.onDisruption?.(pod);
    if (!this.armed) return;
    this.disruptions++;
    for (const budget of this.budgets.values()) {
      if (budget.namespace !== pod.namespace || !matchLabels(budget.spec.selector, pod.labels)) continue;
      let replicas = 0;
      for (const d of this.deployments.values()) if (d.namespace === budget.namespace && matchLabels(budget.spec.selector, d.labels)) replicas += d.replicas;
      const desired = desiredHealthy(budget.spec, replicas);
      let healthy = 0;
      for (const other of this.pods.values()) if (other.namespace === budget.namespace && other.healthy && matchLabels(budget.spec.selector, other.labels)) healthy++;
      if (healthy < desired) {
        this.violations.push(`${this.label}: pod ${pod.namespace}/${pod.name} on ${pod.node} started going and left PodDisruptionBudget ${budget.name} with ${healthy} healthy pod(s); it needs ${desired} (${JSON.stringify({ minAvailable: budget.spec.minAvailable, maxUnavailable: budget.spec.maxUnavailable })} of ${replicas} replicas)`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// pools, cases, resets

interface Pool {
  name: string;
  sandbox: TestSandbox;
  watcher: BudgetWatcher;
  workers: string[];
  deployments: string[];
}

async function startPool(name: string, workers: number, deployments: number): Promise<Pool> {
  const sandbox = await testSandbox({ scenario: 'pool', scenarioParams: { nodes: String(workers), podsPerNode: String(deployments) }, timeScale: TIME_SCALE, faults: FAULTS });
  const watcher = new BudgetWatcher(sandbox);
  const names = (width: number, prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
  return { name, sandbox, watcher, workers: names(2, 'worker-', workers), deployments: names(3, 'web-', deployments) };
}

interface Workloads {
  replicas: Record<string, number>;
  budgets: Record<string, BudgetSpec>;
  /** the pod template's stop-seconds annotation (containers that take this long to stop); 0: the kubelet's default */
  stopSeconds?: number;
}

interface DrainCase {
  index: number;
  workloads: Workloads;
  /** the nodes the drain must empty */
  targets: string[];
  /** the Deployments whose pods must leave (all, or those --pod-selector picks) */
  apps: string[];
  args: string[];
  json: boolean;
}

/** A budget that allows at least one disruption when every replica is healthy, so the drain can finish. */
function randomBudget(rng: Rng, replicas: number): BudgetSpec {
  const options: BudgetSpec[] = [{ maxUnavailable: 1 }, { maxUnavailable: 1 }, { maxUnavailable: '34%' }, { maxUnavailable: 2 }, { minAvailable: replicas - 1 }, { minAvailable: '50%' }, { minAvailable: 0 }];
  const spec = rng.pick(options);
  return desiredHealthy(spec, replicas) <= replicas - 1 ? spec : { maxUnavailable: 1 };
}

function randomCase(pool: Pool, index: number): DrainCase {
  const rng = new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const replicas: Record<string, number> = {};
  const budgets: Record<string, BudgetSpec> = {};
  for (const app of pool.deployments) {
    replicas[app] = rng.int(1, pool.workers.length + 2);
    budgets[app] = randomBudget(rng, replicas[app]);
  }
  // some node always stays to take the pods
  const count = rng.int(1, pool.workers.length - 1);
  let targets = rng.subset(pool.workers, count);
  const args = ['node', 'drain'];
  // the pool's workers are spread over three zones, worker-01 in zone-a: a zone is a subset when there are more than three
  const zone = rng.int(0, 2);
  const inZone = pool.workers.filter((_, i) => i % 3 === zone);
  if (pool.workers.length > 3 && inZone.length < pool.workers.length && rng.chance(0.2)) {
    targets = inZone;
    args.push('-l', `topology.kubernetes.io/zone=zone-${'abc'[zone]}`);
  } else {
    args.push(...targets);
  }
  args.push('--parallel', String(rng.int(1, targets.length + 1)));
  let apps = pool.deployments;
  if (pool.deployments.length > 1 && rng.chance(0.15)) {
    apps = rng.subset(pool.deployments, rng.int(1, pool.deployments.length - 1));
    args.push('--pod-selector', `app in (${apps.join(',')})`);
  }
  const grace = rng.pick([undefined, undefined, 0, 1, 2, 5]);
  if (grace !== undefined) args.push('--grace-period', String(grace));
  if (rng.chance(0.5)) args.push('--ignore-daemonsets');
  if (rng.chance(0.3)) args.push('--delete-emptydir-data');
  if (rng.chance(0.2)) args.push('--force');
  if (rng.chance(0.3)) args.push('--chunk-size', String(rng.pick([1, 2, 3, 50])));
  if (rng.chance(0.3)) args.push('--wait-for-replacements');
  if (rng.chance(0.3)) args.push('--no-preflight');
  if (rng.chance(0.2)) args.push('--timeout', '2m');
  if (rng.chance(0.15)) args.push('--skip-wait-for-delete-timeout', '60');
  if (rng.chance(0.15)) args.push('--force-terminating-after', '1m');
  // never --disable-eviction: it deletes pods without asking their budgets, by design
  const json = rng.chance(0.3);
  if (json) args.push('-o', 'json');
  return { index, workloads: { replicas, budgets }, targets, apps, args, json };
}

function describeCase(pool: Pool, c: DrainCase): string {
  const shape = pool.deployments.map((app) => `${app}=${c.workloads.replicas[app]}:${JSON.stringify(c.workloads.budgets[app])}`).join(' ');
  return `case #${c.index} (KMAINT_FAULTS_SEED=${SEED} KMAINT_FAULTS_ONLY=${c.index}) on ${pool.name} (${pool.workers.length} workers): ${shape}; kmaint ${c.args.join(' ')}`;
}

function objects(pool: Pool, type: 'pods' | 'nodes' | 'podDisruptionBudgets'): KubeObject[] {
  const types = pool.sandbox.cluster!.types;
  return pool.sandbox.service.list(types[type], type === 'nodes' ? '' : NAMESPACE, {}).entries.map((e) => JSON.parse(e.json.toString('utf8')) as KubeObject);
}

function isNodeReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** What keeps the pool from being settled, or '' once it is. */
function unsettled(pool: Pool, workloads: Workloads): string {
  const nodes = objects(pool, 'nodes').filter((n) => pool.workers.includes(n.metadata.name as string));
  const bad = nodes.filter((n) => n.spec?.unschedulable || !isNodeReady(n));
  if (bad.length > 0) return `workers not Ready and schedulable: ${bad.map((n) => n.metadata.name).join(', ')}`;
  const pods = objects(pool, 'pods');
  if (pods.some((p) => p.metadata.deletionTimestamp)) return 'pods still terminating';
  for (const app of pool.deployments) {
    const mine = pods.filter((p) => p.metadata.labels?.app === app);
    if (mine.length !== workloads.replicas[app] || !mine.every(isRunningReady)) return `${app}: ${mine.filter(isRunningReady).length} of ${workloads.replicas[app]} Running and Ready (${mine.length} pods)`;
  }
  for (const pdb of objects(pool, 'podDisruptionBudgets')) {
    const app = pdb.metadata.name as string;
    const replicas = workloads.replicas[app];
    const desired = desiredHealthy(workloads.budgets[app], replicas);
    const s = pdb.status ?? {};
    // the disruption controller's status must agree with the checker's own arithmetic
    if (s.observedGeneration !== pdb.metadata.generation || s.expectedPods !== replicas || s.currentHealthy !== replicas || s.desiredHealthy !== desired || s.disruptionsAllowed !== replicas - desired) {
      return `PDB ${app} status ${JSON.stringify(s)}, expected ${replicas} pods, ${desired} desired healthy`;
    }
  }
  return '';
}

/**
 * Sets the case's replicas and budgets, uncordons every worker, and spreads the pool again (every pod deleted
 * at once and recreated by its ReplicaSet, so that every node has pods to drain), then waits until all is Ready
 * and every budget's status agrees. The watcher is disarmed meanwhile.
 */
async function reset(pool: Pool, workloads: Workloads): Promise<void> {
  const { service, cluster } = pool.sandbox;
  const types = cluster!.types;
  pool.watcher.armed = false;
  for (const node of pool.workers) service.patch(types.nodes, '', node, 'merge', { spec: { unschedulable: null } });
  for (const app of pool.deployments) {
    const template = workloads.stopSeconds === undefined ? undefined : { metadata: { annotations: { [STOP_SECONDS]: String(workloads.stopSeconds) } } };
    service.patch(types.deployments, NAMESPACE, app, 'merge', { spec: { replicas: workloads.replicas[app], ...(template ? { template } : {}) } });
    const spec = workloads.budgets[app];
    service.patch(types.podDisruptionBudgets, NAMESPACE, app, 'merge', { spec: { minAvailable: spec.minAvailable ?? null, maxUnavailable: spec.maxUnavailable ?? null } });
  }
  for (const pod of objects(pool, 'pods')) {
    try {
      service.delete(types.pods, NAMESPACE, pod.metadata.name as string, { gracePeriodSeconds: 0 });
    } catch {
      // gone already
    }
  }
  await eventually(() => unsettled(pool, workloads) === '', SETTLE_MS, () => `${pool.name} to settle: ${unsettled(pool, workloads)}${troubles(pool)}`, 25);
}

/** Workers that went NotReady, and the pool's pods, for a failure message. */
function troubles(pool: Pool): string {
  const pods = objects(pool, 'pods').map((p) => `  ${p.metadata.name} node=${p.spec?.nodeName ?? '-'} phase=${p.status?.phase ?? '-'} ready=${isRunningReady(p)}${p.metadata.deletionTimestamp ? ' terminating' : ''}`);
  return `\nworkers that went NotReady: ${pool.watcher.nodeTrouble.join('; ') || 'none'}\npods:\n${pods.join('\n')}`;
}

/** Pods of these Deployments still bound to these nodes (terminating or not). */
function podsLeft(pool: Pool, nodes: readonly string[], apps: readonly string[]): KubeObject[] {
  return objects(pool, 'pods').filter((p) => nodes.includes(p.spec?.nodeName) && apps.includes(p.metadata.labels?.app as string));
}

function tail(run: Run): string {
  const cut = (text: string): string => (text.length > 4000 ? '...' + text.slice(-4000) : text);
  return `\n--- exit ${run.code}\n--- stdout\n${cut(run.stdout)}\n--- stderr\n${cut(run.stderr)}`;
}

const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m;

/** A stopped drain: exit 1, its last line the one `error: ...` line that names what failed, no stack trace. */
function assertClearStop(run: Run, where: string): void {
  const lines = run.stderr.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.equal(run.code, 1, `${where}: a stopped drain exits 1${tail(run)}`);
  assert.match(last, /^error: \S/, `${where}: the last line is the error${tail(run)}`);
  assert.match(last, /"[^"]+"|\b[a-z0-9-]+\/[a-z0-9.-]+\b/, `${where}: the error names what failed (a node, pod or request)${tail(run)}`);
  assert.doesNotMatch(run.stderr, STACK_FRAME, `${where}: no stack trace${tail(run)}`);
}

/** Every target cordoned and rid of the pods the drain was for; kmaint said so per node. */
function assertConverged(pool: Pool, c: DrainCase, run: Run, where: string): void {
  for (const node of c.targets) {
    const object = pool.sandbox.service.get(pool.sandbox.cluster!.types.nodes, '', node);
    assert.equal(object.spec?.unschedulable, true, `${where}: ${node} is cordoned${tail(run)}`);
    if (c.json) assert.ok(run.stdout.split('\n').some((line) => line.includes('"type":"node-drained"') && line.includes(`"node":"${node}"`)), `${where}: a node-drained event for ${node}${tail(run)}`);
    else assert.match(run.stdout, new RegExp(`^node/${node} drained$`, 'm'), `${where}: "node/${node} drained"${tail(run)}`);
  }
  const left = podsLeft(pool, c.targets, c.apps);
  assert.deepEqual(left.map((p) => `${p.metadata.name} on ${p.spec?.nodeName}`), [], `${where}: no pod left on the drained nodes${tail(run)}`);
}

interface Tally {
  converged: number;
  stopped: number;
  stops: string[];
  evicted: number;
  seconds: number;
  /** each drain's time and case, for the slowest */
  times: Array<[number, string]>;
}

async function runCases(pool: Pool, indexes: number[], tally: Tally): Promise<void> {
  for (const index of indexes) {
    const c = randomCase(pool, index);
    const where = describeCase(pool, c);
    await reset(pool, c.workloads);
    const before = podsLeft(pool, c.targets, c.apps).length;
    pool.watcher.label = where;
    pool.watcher.armed = true;
    const started = Date.now();
    const run = await kmaint(pool.sandbox, ...c.args);
    tally.seconds += (Date.now() - started) / 1000;
    tally.times.push([(Date.now() - started) / 1000, where]);
    if (run.code === 0) {
      assertConverged(pool, c, run, where);
      tally.converged++;
      tally.evicted += before;
    } else {
      assertClearStop(run, where);
      tally.stopped++;
      tally.stops.push(`${where}\n    ${run.stderr.trimEnd().split('\n').pop()}`);
    }
    // let evictions already accepted finish before the budgets are looked at and the pool reset
    await eventually(() => !objects(pool, 'pods').some((p) => p.metadata.deletionTimestamp), SETTLE_MS, () => `${where}: terminating pods to go`, 25);
    assert.deepEqual(pool.watcher.violations, [], `budgets violated${tail(run)}${troubles(pool)}`);
    assert.deepEqual(pool.watcher.repeatedEvictions, [], `evictions repeated${tail(run)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// kmaint as a child process, bundled as `npm run build` bundles it (it starts several times faster than under
// tsx, which matters over dozens of drains on a busy machine)

const root = fileURLToPath(new URL('..', import.meta.url));
let bundle = '';

/** kmaint started with these arguments; `onStderr` hears its error output so far, as it grows. */
function startKmaint(sandbox: TestSandbox, args: string[], onStderr?: (stderr: string) => void): { child: ChildProcess; done: Promise<Run & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [bundle, ...args, '--kubeconfig', sandbox.kubeconfig], {
    cwd: root,
    env: { ...process.env, HOME: sandbox.dir, KUBECONFIG: '', NO_COLOR: '1', FORCE_COLOR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr);
  });
  // a drain converges or stops; one still running after this long does neither
  const hang = setTimeout(() => {
    stderr += `\n[the test killed kmaint: still running after ${HANG_MS / 1000} s]\n`;
    child.kill('SIGKILL');
  }, HANG_MS);
  const done = new Promise<Run & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(hang);
      resolve({ code: code ?? 1, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** `kmaint ...args` against the sandbox, HOME in its directory (the drain journal goes there). */
function kmaint(sandbox: TestSandbox, ...args: string[]): Promise<Run> {
  return startKmaint(sandbox, args).done;
}

// ---------------------------------------------------------------------------------------------------------

// the randomized drains and the interrupted ones run at the same time, on sandboxes of their own: kmaint spends
// much of a drain waiting (Retry-After, backoff, budgets), and the machine has two cores
describe('kmaint node drain under API faults', { concurrency: true }, () => {
  const pools: Pool[] = [];
  let interruptPool: Pool | undefined;
  before(async () => {
    const rng = new Rng(SEED);
    const shapes = Array.from({ length: POOLS }, () => [rng.int(3, 5), rng.int(2, 5)]);
    const [started, interrupted] = await Promise.all([
      Promise.all(shapes.map(([workers, deployments], i) => startPool(`pool ${i + 1}`, workers, deployments))),
      ONLY === undefined ? startPool('the interrupted pool', 3, 3) : undefined,
      sharedBundle().then((path) => (bundle = path)),
    ]);
    pools.push(...started);
    interruptPool = interrupted;
  });
  after(async () => {
    await Promise.all([...pools, ...(interruptPool ? [interruptPool] : [])].map((p) => p.sandbox.cleanup()));
  });

  it(`${DRAINS} randomized pool drains never violate a PodDisruptionBudget and converge or stop clearly (seed ${SEED})`, async (t) => {
    const tallies = pools.map((): Tally => ({ converged: 0, stopped: 0, stops: [], evicted: 0, seconds: 0, times: [] }));
    const started = Date.now();
    const indexes = Array.from({ length: DRAINS }, (_, i) => i).filter((i) => ONLY === undefined || i === ONLY);
    const results = await Promise.allSettled(pools.map((pool, p) => runCases(pool, indexes.filter((i) => i % POOLS === p), tallies[p])));
    const sum = (key: 'converged' | 'stopped' | 'evicted'): number => tallies.reduce((n, tally) => n + tally[key], 0);
    const injected = pools.reduce((n, pool) => n + pool.sandbox.faults.report().injected, 0);
    t.diagnostic(`seed ${SEED}: ${sum('converged')} drain(s) converged, ${sum('stopped')} stopped, in ${((Date.now() - started) / 1000).toFixed(1)} s; ${sum('evicted')} pods drained, ${pools.reduce((n, p) => n + p.watcher.disruptions, 0)} disruptions checked, ${pools.reduce((n, p) => n + p.watcher.evictionsReceived.length, 0)} evictions reached the server, ${injected} faults injected`);
    for (const [p, pool] of pools.entries()) {
      t.diagnostic(`${pool.name}: ${pool.workers.length} workers x ${pool.deployments.length} Deployments: ${tallies[p].converged} converged, ${tallies[p].stopped} stopped, kmaint ran ${tallies[p].seconds.toFixed(1)} s`);
      for (const trouble of pool.watcher.nodeTrouble) t.diagnostic(`sandbox trouble: ${trouble}`);
      for (const stop of tallies[p].stops) t.diagnostic(`stopped: ${stop}`);
    }
    const times = tallies.flatMap((tally) => tally.times).sort((a, b) => b[0] - a[0]);
    if (times.length > 0) t.diagnostic(`drain time: median ${times[Math.floor(times.length / 2)][0].toFixed(1)} s, slowest ${times[0][0].toFixed(1)} s: ${times[0][1]}`);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    assert.equal(sum('converged') + sum('stopped'), indexes.length);
    // transient faults are kmaint's to ride out: a drain that stops is the exception
    if (ONLY === undefined) assert.ok(sum('converged') >= Math.ceil(indexes.length * 0.9), `only ${sum('converged')} of ${indexes.length} drains converged (seed ${SEED})`);
  });

  // one after another: they share a pool
  describe('interrupted midway', { skip: ONLY !== undefined, concurrency: 1 }, () => {
    let pool: Pool;
    const targets = ['worker-01', 'worker-02'];
    // containers that take 80 simulated seconds (4 s) to stop: pods evicted by a first run are still
    // terminating when the second run lists them
    const args = ['node', 'drain', ...targets, '--parallel', '2', '--ignore-daemonsets', '--grace-period', '120'];
    before(() => {
      pool = interruptPool as Pool;
    });

    interface Interrupted {
      first: Run & { signal: NodeJS.Signals | null };
      /** pods on the targets that started going during the first run */
      evicted: Set<string>;
      /** pods on the targets before the drain */
      total: number;
    }

    /**
     * A pool where every Deployment has about two pods on each target, so that the budgets let the drain go in
     * rounds, and `signal` is sent to kmaint midway: SIGKILL the moment the first pod on a target starts going
     * (seen by the server), SIGINT once kmaint has said that a pod is terminating.
     */
    async function interrupt(signal: 'SIGKILL' | 'SIGINT', label: string): Promise<Interrupted> {
      const workloads: Workloads = { replicas: {}, budgets: {}, stopSeconds: 80 };
      for (const app of pool.deployments) {
        workloads.replicas[app] = 2 * pool.workers.length;
        workloads.budgets[app] = { maxUnavailable: 1 };
      }
      await reset(pool, workloads);
      const total = podsLeft(pool, targets, pool.deployments).length;
      pool.watcher.label = label;
      pool.watcher.armed = true;
      const evicted = new Set<string>();
      let leftAtSignal = -1;
      const send = (run: ReturnType<typeof startKmaint>): void => {
        if (leftAtSignal >= 0) return;
        leftAtSignal = podsLeft(pool, targets, pool.deployments).filter((p) => !p.metadata.deletionTimestamp).length;
        run.child.kill(signal);
      };
      const run = startKmaint(pool.sandbox, args, (stderr) => {
        if (signal === 'SIGINT' && / terminating \(grace period/.test(stderr)) send(run);
      });
      pool.watcher.onDisruption = (pod) => {
        if (!targets.includes(pod.node ?? '')) return;
        evicted.add(pod.name);
        if (signal === 'SIGKILL') send(run);
      };
      const first = await run.done;
      // an eviction the server was answering when kmaint died still lands; none is sent after
      await new Promise((resolve) => setTimeout(resolve, 200));
      pool.watcher.onDisruption = undefined;
      assert.ok(evicted.size > 0 && leftAtSignal > 0, `${label}: stopped midway, some pods evicted (${evicted.size}) and some not (${leftAtSignal} of ${total})${tail(first)}`);
      return { first, evicted, total };
    }

    /** Run again, it drains both targets; nothing the first run evicted is evicted again; no budget broken. */
    async function completes(label: string, again: string[], firstEvicted: Set<string>): Promise<Run> {
      const received = pool.watcher.evictionsReceived.length;
      const stillGoing = objects(pool, 'pods').filter((p) => firstEvicted.has(p.metadata.name as string)).length;
      const second = await kmaint(pool.sandbox, ...again);
      assert.equal(second.code, 0, `${label}: the second run completes${tail(second)}`);
      for (const node of targets) assert.match(second.stdout, new RegExp(`^node/${node} drained$`, 'm'), `${label}${tail(second)}`);
      assert.deepEqual(podsLeft(pool, targets, pool.deployments).map((p) => p.metadata.name), [], `${label}: the targets are empty${tail(second)}`);
      const repeated = pool.watcher.evictionsReceived.slice(received).filter((name) => firstEvicted.has(name));
      assert.deepEqual(repeated, [], `${label}: the server got no eviction for a pod the first run evicted (${stillGoing} of them were still terminating when the second run started)${tail(second)}`);
      await eventually(() => !objects(pool, 'pods').some((p) => p.metadata.deletionTimestamp), SETTLE_MS, () => `${label}: terminating pods to go`, 25);
      assert.deepEqual(pool.watcher.violations, [], `${label}: budgets violated${tail(second)}`);
      assert.deepEqual(pool.watcher.repeatedEvictions, [], `${label}: evictions repeated${tail(second)}`);
      return second;
    }

    it('a drain killed with SIGKILL completes when the same command runs again, evicting nothing twice', async () => {
      const label = 'SIGKILL, then the same command';
      const { first, evicted } = await interrupt('SIGKILL', label);
      assert.equal(first.signal, 'SIGKILL', `${label}: kmaint was killed${tail(first)}`);
      await completes(label, args, evicted);
    });

    it('a drain killed with SIGKILL completes with kmaint node drain --resume, evicting nothing twice', async () => {
      const label = 'SIGKILL, then --resume';
      const { first, evicted } = await interrupt('SIGKILL', label);
      assert.equal(first.signal, 'SIGKILL', `${label}: kmaint was killed${tail(first)}`);
      const drains = join(pool.sandbox.dir, '.kmaint', 'drains');
      const journals = readdirSync(drains).filter((f) => f.endsWith('.json'));
      assert.equal(journals.length, 1, `one journal per cluster and context: ${journals.join(', ')}`);
      const journal = JSON.parse(readFileSync(join(drains, journals[0]), 'utf8'));
      assert.equal(journal.status, 'running', 'a killed drain leaves its journal as it was: running');
      assert.deepEqual(journal.names, targets);
      const second = await completes(label, ['node', 'drain', '--resume'], evicted);
      assert.match(second.stderr, /^resuming the drain of worker-01, worker-02 started \S+ \(running\)$/m, tail(second));
    });

    it('Ctrl-C stops with exit code 130, says what was done, what remains and how to continue; running again completes', async () => {
      const label = 'SIGINT, then the same command';
      const { first, evicted, total } = await interrupt('SIGINT', label);
      assert.equal(first.code, 130, `${label}: exit code 130${tail(first)}`);
      assert.match(first.stderr, /^interrupted: stopping the drain; no new evictions are sent/m, tail(first));
      // what remains: kubectl's list of pending nodes, then the summary table: removed and left per node
      assert.match(first.stderr, /^There are pending nodes to be drained:\n worker-01\n worker-02$/m, tail(first));
      assert.match(first.stderr, /^NODE\s+RESULT\s+REMOVED\s+STAYED\s+LEFT\s+TIME$/m, tail(first));
      const rows = [...first.stderr.matchAll(/^(worker-0[12])\s+interrupted\s+(\d+)\s+\d+\s+(\d+)\s+\d+s\s*$/gm)];
      assert.deepEqual(rows.map((row) => row[1]), targets, `${label}: a summary row per node${tail(first)}`);
      const removed = rows.reduce((n, row) => n + Number(row[2]), 0);
      const left = rows.reduce((n, row) => n + Number(row[3]), 0);
      assert.equal(removed + left, total, `${label}: every pod of the targets is either removed or left${tail(first)}`);
      // the last line: what was done, what remains (evicted pods still terminating among it), how to continue
      const last = first.stderr.trimEnd().split('\n').pop() ?? '';
      const line = /^error: drain interrupted: 0 of 2 node\(s\) drained, (\d+) pod\(s\) not yet removed(?: \((\d+) of them evicted and still terminating\))?; continue with: kmaint node drain --resume \(nodes not drained yet: worker-01, worker-02\)$/.exec(last);
      assert.ok(line, `${label}: the last line says what remains and how to continue: ${last}${tail(first)}`);
      const terminating = Number(line[2] ?? 0);
      assert.equal(Number(line[1]), left, `${label}: the error line and the table agree${tail(first)}`);
      assert.ok(removed + terminating >= 1, `${label}: the report shows the evictions done${tail(first)}`);
      assert.ok(left - terminating >= 1, `${label}: and pods not evicted yet${tail(first)}`);
      assert.doesNotMatch(first.stderr, STACK_FRAME, tail(first));
      await completes(label, args, evicted);
    });
  });
});
