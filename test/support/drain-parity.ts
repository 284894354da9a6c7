// kubectl drain against kmaint node drain on two identical sandbox clusters: the pods of each kind a drain
// meets, built as scenario objects (workloads for clusters with controllers and kubelets, pods as their
// controllers write them for API-only clusters), one group of pods per node so that many cases share one pair
// of clusters; and what a run did to each node, read back from kubectl's lines and from the cluster, in a form
// where the two tools can be compared with deepEqual.
//
// Generated pod names (ReplicaSet, Job, DaemonSet pods) differ between the two clusters, so every pod carries
// the label `parity-pod` naming it the same way in both, and run output is rewritten with those names before
// it is compared. kubectl prints its warning and error groups in Go map order (random), so groups are sorted.

import type { KubeObject } from '../../src/domain/object.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import { EXIT_CODE, RUN_SECONDS, STOP_SECONDS } from '../../src/sandbox/kubelet/annotations.ts';
import { podsOf } from './scenario-wait.ts';

export const NAMESPACE = 'parity';
export const CANONICAL_LABEL = 'parity-pod';

/** The pods a drain sorts, one of each. */
export type PodKind =
  | 'ds' // managed by a DaemonSet that exists
  | 'orphan' // controller reference to an apps/v1 DaemonSet that does not exist (API-only clusters: no GC)
  | 'orphan-emptydir' // the same, with an emptyDir volume
  | 'old-ds' // controller: a DaemonSet of extensions/v1beta1, which kubectl takes for an ordinary controller
  | 'mirror' // kubernetes.io/config.mirror
  | 'rc'
  | 'rs'
  | 'deploy'
  | 'sts'
  | 'job'
  | 'bare' // no controller
  | 'emptydir' // managed (ReplicaSet), with an emptyDir volume
  | 'bare-emptydir' // no controller and an emptyDir volume
  | 'succeeded' // finished, no controller
  | 'failed'; // finished, no controller, with an emptyDir volume

/** The kinds of a cluster with controllers and kubelets (an orphaned DaemonSet pod there is garbage-collected). */
export const KUBELET_KINDS: readonly PodKind[] = ['ds', 'old-ds', 'mirror', 'rc', 'rs', 'deploy', 'sts', 'job', 'bare', 'emptydir', 'bare-emptydir', 'succeeded', 'failed'];

export interface PodShape {
  /** extra pod labels (for --pod-selector) */
  labels?: Record<string, string>;
  /** terminationGracePeriodSeconds (default 5 simulated seconds) */
  grace?: number;
  /** seconds the containers take to stop after SIGTERM (a container that ignores it: a large value) */
  stopSeconds?: number;
  /** a PodDisruptionBudget with minAvailable 1 over this pod's workload (replicas 1): no eviction allowed */
  blockingBudget?: boolean;
}

export interface PodSpecOnNode {
  kind: PodKind;
  shape?: PodShape;
}

/** `<node>-<kind>`: the pod's name in both clusters (its workload's name when a controller names it). */
export function canonicalName(node: string, kind: PodKind): string {
  return `${node}-${kind}`;
}

const CONTAINERS = [{ name: 'app', image: 'nginx:1.25' }];

function podTemplate(node: string, canonical: string, shape: PodShape = {}, extra: Record<string, any> = {}): Record<string, any> {
  const annotations: Record<string, string> = { ...(extra.annotations ?? {}) };
  if (shape.stopSeconds !== undefined) annotations[STOP_SECONDS] = String(shape.stopSeconds);
  const { annotations: _ignored, spec: extraSpec, ...extraMeta } = extra;
  return {
    metadata: { labels: { [CANONICAL_LABEL]: canonical, ...shape.labels }, ...(Object.keys(annotations).length ? { annotations } : {}), ...extraMeta },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      terminationGracePeriodSeconds: shape.grace ?? 5,
      containers: CONTAINERS,
      ...extraSpec,
    },
  };
}

function workload(apiVersion: string, kind: string, name: string, template: Record<string, any>, spec: Record<string, any> = {}): Record<string, any> {
  const selector = { [CANONICAL_LABEL]: name };
  return {
    apiVersion,
    kind,
    metadata: { name, namespace: NAMESPACE },
    spec: { replicas: 1, selector: kind === 'ReplicationController' ? selector : { matchLabels: selector }, template, ...spec },
  };
}

function pod(name: string, template: Record<string, any>, metadata: Record<string, any> = {}): Record<string, any> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE, ...template.metadata, ...metadata }, spec: template.spec };
}

const EMPTY_DIR = { volumes: [{ name: 'scratch', emptyDir: {} }] };

/** The scenario objects that put one pod of this kind on the node. */
export function kindObjects(node: string, { kind, shape = {} }: PodSpecOnNode): Array<Record<string, any>> {
  const name = canonicalName(node, kind);
  const template = (extra?: Record<string, any>): Record<string, any> => podTemplate(node, name, shape, extra);
  const objects: Array<Record<string, any>> = [];
  switch (kind) {
    case 'ds': {
      const ds = workload('apps/v1', 'DaemonSet', name, template());
      delete ds.spec.replicas;
      objects.push(ds);
      break;
    }
    case 'old-ds':
      // the API version is no longer served: the garbage collector cannot resolve the owner and keeps the pod (as
      // upstream's does), and kubectl v1.35 treats only apps/v1 DaemonSets as DaemonSets
      objects.push(pod(name, template(), { ownerReferences: [{ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', name: `${name}-gone`, uid: '6f1c7d1e-0000-4000-8000-00000000dead', controller: true }] }));
      break;
    case 'orphan':
    case 'orphan-emptydir':
      throw new Error(`${kind}: the garbage collector removes such a pod at once; it exists only on API-only clusters (apiOnlyObjects)`);
    case 'mirror': {
      const spec = template({ annotations: { 'kubernetes.io/config.mirror': 'parity', 'kubernetes.io/config.source': 'file' } });
      delete spec.spec.nodeSelector;
      spec.spec.nodeName = node;
      objects.push(pod(name, spec));
      break;
    }
    case 'rc':
      objects.push(workload('v1', 'ReplicationController', name, template()));
      break;
    case 'rs':
      objects.push(workload('apps/v1', 'ReplicaSet', name, template()));
      break;
    case 'deploy':
      objects.push(workload('apps/v1', 'Deployment', name, template()));
      break;
    case 'sts':
      objects.push(workload('apps/v1', 'StatefulSet', name, template(), { serviceName: name }));
      break;
    case 'job': {
      const job = workload('batch/v1', 'Job', name, template({ spec: { restartPolicy: 'Never' } }), { parallelism: 1, completions: 1, backoffLimit: 0 });
      delete job.spec.replicas;
      delete job.spec.selector;
      objects.push(job);
      break;
    }
    case 'bare':
      objects.push(pod(name, template()));
      break;
    case 'emptydir':
      objects.push(workload('apps/v1', 'ReplicaSet', name, template({ spec: EMPTY_DIR })));
      break;
    case 'bare-emptydir':
      objects.push(pod(name, template({ spec: EMPTY_DIR })));
      break;
    case 'succeeded':
      objects.push(pod(name, template({ annotations: { [RUN_SECONDS]: '0', [EXIT_CODE]: '0' }, spec: { restartPolicy: 'Never' } })));
      break;
    case 'failed':
      objects.push(pod(name, template({ annotations: { [RUN_SECONDS]: '0', [EXIT_CODE]: '1' }, spec: { restartPolicy: 'Never', ...EMPTY_DIR } })));
      break;
  }
  if (shape.blockingBudget) {
    objects.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NAMESPACE }, spec: { minAvailable: 1, selector: { matchLabels: { [CANONICAL_LABEL]: name } } } });
  }
  return objects;
}

/** Where a pod of this kind ends up once the cluster has settled. */
export function settledPhase(kind: PodKind): 'Running' | 'Succeeded' | 'Failed' {
  return kind === 'succeeded' ? 'Succeeded' : kind === 'failed' ? 'Failed' : 'Running';
}

export interface NodeLayout {
  node: string;
  pods: PodSpecOnNode[];
}

/** Every kind, as pods written straight into an API-only cluster. */
export const API_ONLY_KINDS: readonly PodKind[] = ['ds', 'orphan', 'orphan-emptydir', 'old-ds', 'mirror', 'rc', 'rs', 'deploy', 'sts', 'job', 'bare', 'emptydir', 'bare-emptydir', 'succeeded', 'failed'];

/** The controller reference a real controller writes for a pod of this kind (none for bare and mirror pods). */
function controllerOf(name: string, kind: PodKind): Record<string, any> | undefined {
  const ref = (apiVersion: string, ownerKind: string, ownerName = name): Record<string, any> => ({ apiVersion, kind: ownerKind, name: ownerName, uid: `00000000-0000-4000-8000-${(hash(name + ownerKind) + '000000000000').slice(0, 12)}`, controller: true, blockOwnerDeletion: true });
  switch (kind) {
    case 'ds':
    case 'orphan':
    case 'orphan-emptydir':
      return ref('apps/v1', 'DaemonSet');
    case 'old-ds':
      return ref('extensions/v1beta1', 'DaemonSet');
    case 'rc':
      return ref('v1', 'ReplicationController');
    case 'rs':
    case 'emptydir':
      return ref('apps/v1', 'ReplicaSet');
    case 'deploy':
      return ref('apps/v1', 'ReplicaSet', `${name}-6b4b5654f8`);
    case 'sts':
      return ref('apps/v1', 'StatefulSet');
    case 'job':
      return ref('batch/v1', 'Job');
    default:
      return undefined;
  }
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/**
 * A pod as an API-only cluster (no scheduler, controllers, garbage collector or kubelets) keeps it: bound to its
 * node, in the phase written, with the controller reference a real controller gives it, looked at by nothing but
 * the drain (so an orphaned DaemonSet pod stays). Evicted or deleted it goes at once with grace period 0, and
 * otherwise stays Terminating for ever, as on an unreachable node. A `ds` pod comes with its DaemonSet.
 */
export function apiOnlyObjects(node: string, { kind, shape }: PodSpecOnNode): Array<Record<string, any>> {
  if (shape) throw new Error(`${node}: pod shapes are for clusters with controllers and kubelets`);
  const name = canonicalName(node, kind);
  const controller = controllerOf(name, kind);
  const finished = kind === 'succeeded' || kind === 'failed';
  const annotations = kind === 'mirror' ? { 'kubernetes.io/config.mirror': 'parity', 'kubernetes.io/config.source': 'file' } : undefined;
  const emptyDir = kind === 'emptydir' || kind === 'bare-emptydir' || kind === 'orphan-emptydir' || kind === 'failed';
  const objects: Array<Record<string, any>> = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NAMESPACE, labels: { [CANONICAL_LABEL]: name }, ...(annotations ? { annotations } : {}), ...(controller ? { ownerReferences: [controller] } : {}) },
      spec: { nodeName: node, terminationGracePeriodSeconds: 2, containers: CONTAINERS, ...(finished ? { restartPolicy: 'Never' } : {}), ...(emptyDir ? EMPTY_DIR : {}) },
      status: finished ? { phase: kind === 'succeeded' ? 'Succeeded' : 'Failed' } : { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    },
  ];
  if (kind === 'ds') {
    const labels = { [CANONICAL_LABEL]: name };
    objects.push({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: NAMESPACE }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: CONTAINERS } } } });
  }
  return objects;
}

/** A scenario with one simulated node per layout and its pods pinned there (replacements stay Pending). */
export function parityScenario(layouts: readonly NodeLayout[], apiOnly = false): Record<string, any> {
  return {
    name: apiOnly ? 'drain-parity-api-only' : 'drain-parity',
    description: 'one node per kubectl drain parity case, each running the pods of its case',
    nodeDefaults: { kubeletVersion: 'v1.35.0', capacity: { cpu: '16', memory: '32Gi', pods: '110' } },
    nodes: layouts.map(({ node }) => ({ name: node })),
    objects: layouts.flatMap(({ node, pods }) => pods.flatMap((spec) => (apiOnly ? apiOnlyObjects(node, spec) : kindObjects(node, spec)))),
  };
}

// ---- the cluster before and after a run

export interface PodRecord {
  canonical: string;
  name: string;
  uid: string;
  node: string;
}

/** The pods on these nodes, named canonically. */
export function podsOnNodes(sandbox: Sandbox, nodes: readonly string[]): PodRecord[] {
  const wanted = new Set(nodes);
  return podsOf(sandbox, NAMESPACE)
    .filter((p) => wanted.has(p.spec?.nodeName))
    .map((p) => ({ canonical: p.metadata.labels?.[CANONICAL_LABEL] ?? (p.metadata.name as string), name: p.metadata.name as string, uid: p.metadata.uid as string, node: p.spec?.nodeName as string }));
}

export type PodState = 'present' | 'terminating' | 'gone';

export function podStates(sandbox: Sandbox, before: readonly PodRecord[]): Record<string, PodState> {
  const byUid = new Map<string, KubeObject>(podsOf(sandbox, NAMESPACE).map((p) => [p.metadata.uid as string, p]));
  const states: Record<string, PodState> = {};
  for (const pod of before) {
    const now = byUid.get(pod.uid);
    states[pod.canonical] = !now ? 'gone' : now.metadata.deletionTimestamp ? 'terminating' : 'present';
  }
  return states;
}

export function isUnschedulable(sandbox: Sandbox, node: string): boolean {
  const object = sandbox.service.store.getObject('core/nodes', '', node) as KubeObject | undefined;
  return object?.spec?.unschedulable === true;
}

// ---- what a run printed, node by node

export interface NodeOutcome {
  /** "cordoned", "already cordoned", with kubectl's dry-run suffix */
  cordon: string[];
  /** "drained" (with suffix) when the node was drained */
  drained: string[];
  /** the groups of `error: unable to drain node "X" due to error: ...` */
  error: string[] | null;
  /** the groups of the `Warning: ...` lines about this node's pods */
  warnings: string[];
  /** `evicting pod ns/name` lines, each once (kubectl repeats them on every retry) */
  evicting: string[];
  /** `pod/name evicted|deleted` lines, as many as printed */
  removed: string[];
  /** `pod "name" has DeletionTimestamp older than N seconds, skipping` */
  skipping: string[];
  /** `There are pending pods in node "X" when an error occurred: ...` and the `pod/name` lines after it */
  pending: string[];
  /** `error when evicting pods/"name" -n "ns" (will retry after 5s): ...`, each once */
  retries: string[];
  /** what each pod became, from the cluster */
  pods: Record<string, PodState>;
  unschedulable: boolean;
}

export interface RunOutcome {
  fatal: boolean;
  nodes: Record<string, NodeOutcome>;
  /** kubectl's `There are pending nodes to be drained:` list */
  pendingNodes: string[];
  /** the errors of the final error (every failed node's), flattened, "error: " removed */
  finalError: string[] | null;
}

export interface RunParse {
  outcome: RunOutcome;
  /** stderr lines that are none of kubectl's (kmaint's plan and progress lines, kubectl's nothing) */
  otherStderr: string[];
  /** stdout lines that are none of kubectl's */
  otherStdout: string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites every pod name of `pods` in `text` to its canonical name. */
export function canonicalize(text: string, pods: readonly PodRecord[]): string {
  const renamed = pods.filter((p) => p.name !== p.canonical).sort((a, b) => b.name.length - a.name.length);
  if (renamed.length === 0) return text;
  const to = new Map(renamed.map((p) => [p.name, p.canonical]));
  const pattern = new RegExp(`(?<![\\w.-])(${renamed.map((p) => escapeRegExp(p.name)).join('|')})(?![\\w.-])`, 'g');
  return text.replace(pattern, (name) => to.get(name) ?? name);
}

/** `msg: ns/b, ns/a` -> `msg: ns/a, ns/b` (kubectl lists a group's pods in the order it listed them). */
function sortedGroup(group: string): string {
  const listed = /^(.*): ([\w.-]+\/[\w.-]+(?:, [\w.-]+\/[\w.-]+)*)$/.exec(group);
  return listed ? `${listed[1]}: ${listed[2].split(', ').sort().join(', ')}` : group;
}

/** The groups of a warning text (`a; b`), sorted. */
export function warningGroups(text: string): string[] {
  return text.split('; ').map(sortedGroup).sort();
}

const ERROR_START = /^(?:cannot delete |error when |daemonsets\.apps |\[)/;

/**
 * The errors inside an error text, flattened and sorted: utilerrors' aggregate prints several errors as
 * `[a, b]` (in Go map order), and an aggregate of aggregates nests the brackets.
 */
export function errorGroups(text: string): string[] {
  if (!text.startsWith('[') || !text.endsWith(']')) return [sortedGroup(text)];
  const inner = text.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '[') depth++;
    else if (inner[i] === ']') depth--;
    else if (depth === 0 && inner.startsWith(', ', i) && ERROR_START.test(inner.slice(i + 2))) {
      parts.push(inner.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(inner.slice(start));
  return parts.flatMap(errorGroups).sort();
}

function emptyNode(): Omit<NodeOutcome, 'pods' | 'unschedulable'> {
  return { cordon: [], drained: [], error: null, warnings: [], evicting: [], removed: [], skipping: [], pending: [], retries: [] };
}

/**
 * Reads one run of `kubectl drain` or `kmaint node drain` on `nodes`: its lines node by node, and the state of
 * the nodes' pods (`before`, read before the run) and of the nodes afterwards.
 */
export function parseRun(tool: 'kubectl' | 'kmaint', run: { code: number; stdout: string; stderr: string }, sandbox: Sandbox, nodes: readonly string[], before: readonly PodRecord[]): RunParse {
  const nodeOfPod = new Map(before.map((p) => [p.canonical, p.node]));
  const outcome: RunOutcome = { fatal: run.code !== 0, nodes: {}, pendingNodes: [], finalError: null };
  for (const node of nodes) outcome.nodes[node] = { ...emptyNode(), pods: {}, unschedulable: isUnschedulable(sandbox, node) };
  const states = podStates(sandbox, before);
  for (const pod of before) outcome.nodes[pod.node].pods[pod.canonical] = states[pod.canonical];
  const otherStdout: string[] = [];
  const otherStderr: string[] = [];
  const forNode = (node: string | undefined, line: string, other: string[]): Omit<NodeOutcome, 'pods' | 'unschedulable'> | undefined => {
    if (node !== undefined && outcome.nodes[node]) return outcome.nodes[node];
    other.push(line);
    return undefined;
  };
  const podNode = (ref: string): string | undefined => nodeOfPod.get(ref.slice(ref.indexOf('/') + 1));

  const stdout = canonicalize(run.stdout, before).split('\n').filter((l) => l !== '');
  for (const line of stdout) {
    let m: RegExpExecArray | null;
    if ((m = /^node\/(\S+) ((?:already )?cordoned(?: \((?:server )?dry run\))?)$/.exec(line))) forNode(m[1], line, otherStdout)?.cordon.push(m[2]);
    else if ((m = /^node\/(\S+) (drained(?: \((?:server )?dry run\))?)$/.exec(line))) forNode(m[1], line, otherStdout)?.drained.push(m[2]);
    else if ((m = /^evicting pod (\S+)( \((?:server )?dry run\))?$/.exec(line))) {
      const entry = forNode(podNode(m[1]), line, otherStdout);
      if (entry && !entry.evicting.includes(line)) entry.evicting.push(line);
    } else if ((m = /^pod\/(\S+) (?:evicted|deleted)(?: \((?:server )?dry run\))?$/.exec(line))) forNode(nodeOfPod.get(m[1]), line, otherStdout)?.removed.push(line);
    else if ((m = /^pod "(\S+)" has DeletionTimestamp older than \d+ seconds, skipping$/.exec(line))) forNode(nodeOfPod.get(m[1]), line, otherStdout)?.skipping.push(line);
    else otherStdout.push(line);
  }

  // kubectl ends with its aggregate error, one line per failed node after the pending nodes; kmaint with one
  // `error: ...` line after its summary table. client-go's klog lines (client-side throttling) are noise.
  const stderr = canonicalize(run.stderr, before)
    .split('\n')
    .filter((l) => l !== '' && !/^[IWE]\d{4} \d\d:\d\d:\d\d\.\d+ /.test(l));
  let afterPendingNodes = false;
  for (let i = 0; i < stderr.length; i++) {
    const line = stderr[i];
    let m: RegExpExecArray | null;
    if ((m = /^Warning: (.*)$/.exec(line))) {
      for (const group of warningGroups(m[1])) {
        const ref = /: ([\w.-]+\/[\w.-]+)/.exec(group)?.[1];
        forNode(ref ? podNode(ref) : undefined, line, otherStderr)?.warnings.push(group);
      }
    } else if ((m = /^error: unable to drain node "(\S+)" due to error: ?(.*), continuing command\.\.\.$/.exec(line))) {
      const entry = forNode(m[1], line, otherStderr);
      if (entry) entry.error = errorGroups(m[2]);
    } else if ((m = /^There are pending pods in node "(\S+)" when an error occurred: (.*)$/.exec(line))) {
      const entry = forNode(m[1], line, otherStderr);
      const pods: string[] = [];
      while (i + 1 < stderr.length && /^pod\/\S+$/.test(stderr[i + 1])) pods.push(stderr[++i]);
      entry?.pending.push(`error: ${errorGroups(m[2]).join(' | ')}`, ...pods.sort());
    } else if (line === 'There are pending nodes to be drained:') {
      while (i + 1 < stderr.length && /^ \S+$/.test(stderr[i + 1])) outcome.pendingNodes.push(stderr[++i].trim());
      outcome.pendingNodes.sort();
      afterPendingNodes = true;
    } else if ((m = /^error when evicting pods\/"(\S+)" -n "(\S+)" \(will retry after [^)]*\): (.*)$/.exec(line))) {
      const entry = forNode(nodeOfPod.get(m[1]), line, otherStderr);
      if (entry && !entry.retries.includes(line)) entry.retries.push(line);
    } else if (run.code !== 0 && (tool === 'kubectl' ? afterPendingNodes : i === stderr.length - 1)) {
      outcome.finalError = [...(outcome.finalError ?? []), ...errorGroups(line.replace(/^error: /, ''))].sort();
    } else {
      otherStderr.push(line);
    }
  }
  for (const entry of Object.values(outcome.nodes)) {
    for (const list of [entry.cordon, entry.drained, entry.warnings, entry.evicting, entry.removed, entry.skipping, entry.retries]) list.sort();
  }
  return { outcome, otherStderr, otherStdout };
}

/** One line per node: drained or failed, and each pod's state, for reading a case at a glance. */
export function summarize(outcome: RunOutcome): string {
  return Object.entries(outcome.nodes)
    .map(([node, n]) => `${node}: ${n.drained.length ? n.drained.join() : n.error ? 'failed' : 'no result'} | ${Object.entries(n.pods).map(([pod, state]) => `${pod.slice(node.length + 1)}=${state}`).join(' ')}`)
    .join('\n');
}
