// Where pods fit: kube-scheduler's filters and scores over plain Kubernetes JSON, shared by the sandbox's
// scheduler and kmaint's drain planner. A ClusterState holds the nodes and the pods bound to them, with what
// each node has allocated kept up to date incrementally, so that placing a pod costs time in the number of
// nodes looked at, not in the number of pods in the cluster.
//
// Filters run in upstream's plugin order and a node fails at the first filter that rejects it, so the
// reasons in the failure message are the ones kube-scheduler would give, with its wording.

import type { KubeObject } from './object.ts';
import {
  NOTHING,
  labelSelectorFromSpec,
  matchesLabels,
  requirementMatches,
  selectorToString,
  type LabelRequirement,
  type LabelSelector,
  type LabelSelectorSpec,
} from './selectors.ts';
import { addAmounts, amountsOf, emptyAmounts, podRequests, requestsNothing, subtractAmounts, type ResourceAmounts } from './requests.ts';
import { NodeTable } from './node-table.ts';
import { BestRowTree, type RowSearch } from './best-row-tree.ts';

// ---------------------------------------------------------------------------------------------
// Upstream's reasons, word for word

export const REASONS = {
  nodeName: "node(s) didn't match the requested node name",
  unschedulable: 'node(s) were unschedulable',
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  hostPorts: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  podAffinity: "node(s) didn't match pod affinity rules",
  podAntiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
  spread: "node(s) didn't match pod topology spread constraints",
  spreadMissingLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
  noNodes: 'no nodes available to schedule pods',
  preemptionNotHelpful: 'Preemption is not helpful for scheduling',
  noVictims: 'No preemption victims found for incoming pod',
} as const;

export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

export function untoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

// ---------------------------------------------------------------------------------------------
// Compiled views of pods and nodes

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  /** set on NoExecute taints: when it was added, for tolerationSeconds */
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** Which namespaces a pod affinity term looks at, resolved against the namespace of the pod that has it. */
interface NamespaceMatcher {
  /** explicit names (or the owning pod's namespace) */
  names: ReadonlySet<string>;
  /** namespaceSelector; EVERYTHING for `{}` */
  selector?: LabelSelector;
}

export interface AffinityTerm {
  topologyKey: string;
  selector: LabelSelector;
  namespaces: NamespaceMatcher;
  /** identifies equal terms, so pods sharing a term share its counts */
  signature: string;
}

export interface SpreadConstraint {
  topologyKey: string;
  maxSkew: number;
  minDomains?: number;
  selector: LabelSelector;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
  signature: string;
}

interface NodeSelectorTerm {
  labels: LabelRequirement[];
  fields: LabelRequirement[];
}

/** A pod compiled for placement: everything the filters and scores look at, parsed once. */
export interface PodInfo {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** spec.nodeName when the pod asks for a node */
  nodeName?: string;
  requests: ResourceAmounts;
  requestsNothing: boolean;
  /** cpu and memory with upstream's defaults for containers that set none: what scoring uses */
  nonZero: { cpu: number; memory: number };
  tolerations: Toleration[];
  nodeSelector?: Record<string, string>;
  /** required node affinity terms (ORed); undefined when there is none */
  requiredNodeTerms?: NodeSelectorTerm[];
  preferredNodeTerms: { weight: number; term: NodeSelectorTerm }[];
  hostPorts: HostPort[];
  affinityTerms: AffinityTerm[];
  antiAffinityTerms: AffinityTerm[];
  spreadConstraints: SpreadConstraint[];
  priority: number;
  preemptionNever: boolean;
  /** being deleted: still holds resources, but topology spread does not count it */
  terminating: boolean;
}

export interface NodeInfo {
  name: string;
  object: KubeObject;
  labels: Record<string, string>;
  unschedulable: boolean;
  /** NoSchedule and NoExecute taints: the ones that filter */
  taints: Taint[];
  preferNoScheduleTaints: Taint[];
  allocatable: ResourceAmounts;
  allowedPods: number;
  requested: ResourceAmounts;
  nonZeroRequested: { cpu: number; memory: number };
  pods: Set<PodInfo>;
  usedPorts: HostPort[];
}

export interface PodRef {
  namespace: string;
  name: string;
}

const PRIORITY_DEFAULT = 0;

export function compilePod(pod: KubeObject): PodInfo {
  const spec = pod.spec ?? {};
  const namespace = pod.metadata.namespace || 'default';
  const name = pod.metadata.name ?? '';
  const labels = pod.metadata.labels ?? {};
  const requests = podRequests(pod);
  const nonZero = setsCpuAndMemory(spec) ? requests : podRequests(pod, { nonZero: true });
  const affinity = spec.affinity;
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const ports: HostPort[] = [];
  addHostPorts(ports, spec.containers, false);
  addHostPorts(ports, spec.initContainers, true);
  return {
    namespace,
    name,
    labels,
    nodeName: spec.nodeName || undefined,
    requests,
    requestsNothing: requestsNothing(requests),
    nonZero,
    tolerations: spec.tolerations ?? NONE,
    nodeSelector: spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0 ? spec.nodeSelector : undefined,
    requiredNodeTerms: required ? (required.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm) : undefined,
    preferredNodeTerms: compileEach(affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, (p: any) => ({
      weight: p.weight ?? 0,
      term: compileNodeSelectorTerm(p.preference ?? {}),
    })),
    hostPorts: shared(ports),
    affinityTerms: compileEach(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, (t: any) => compileAffinityTerm(t, namespace, labels)),
    antiAffinityTerms: compileEach(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, (t: any) => compileAffinityTerm(t, namespace, labels)),
    spreadConstraints: compileEach(
      spec.topologySpreadConstraints?.filter((c: any) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule'),
      (c: any) => compileSpreadConstraint(c, namespace, labels),
    ),
    priority: typeof spec.priority === 'number' ? spec.priority : PRIORITY_DEFAULT,
    preemptionNever: spec.preemptionPolicy === 'Never',
    terminating: !!pod.metadata.deletionTimestamp,
  };
}

// a ClusterState keeps one PodInfo per pod in the cluster: empty lists are shared rather than one each
const NONE: never[] = Object.freeze([]) as unknown as never[];

function shared<T>(list: T[]): T[] {
  return list.length === 0 ? NONE : list;
}

/**
 * True when every container names cpu and memory and nothing else adds to them: the pod's scoring requests
 * (with upstream's defaults for what a container leaves out) are then its requests, with no second pass.
 */
function setsCpuAndMemory(spec: any): boolean {
  if (spec.initContainers?.length || spec.resources || spec.overhead) return false;
  for (const container of spec.containers ?? NONE) {
    const requests = container?.resources?.requests;
    const limits = container?.resources?.limits;
    if ((requests?.cpu ?? limits?.cpu) === undefined || (requests?.memory ?? limits?.memory) === undefined) return false;
  }
  return true;
}

function compileEach<T>(list: any[] | undefined, compile: (item: any) => T): T[] {
  return list?.length ? list.map(compile) : NONE;
}

/** Host ports of the app containers, and of the init containers that keep running (sidecars). */
function addHostPorts(ports: HostPort[], containers: any[] | undefined, sidecarsOnly: boolean): void {
  for (const container of containers ?? NONE) {
    if (sidecarsOnly && container?.restartPolicy !== 'Always') continue;
    for (const port of container.ports ?? NONE) {
      if (port.hostPort > 0) ports.push({ ip: port.hostIP || '0.0.0.0', protocol: port.protocol || 'TCP', port: port.hostPort });
    }
  }
}

function isPodInfo(pod: KubeObject | PodInfo): pod is PodInfo {
  return 'requests' in pod && 'nonZero' in pod;
}

const NODE_OPERATORS: Record<string, LabelRequirement['operator']> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

function compileNodeRequirement(expression: any): LabelRequirement {
  const operator = NODE_OPERATORS[expression?.operator];
  // an unknown operator can never match, as upstream's conversion error excludes the term
  return { key: expression?.key ?? '', operator: operator ?? ('never' as LabelRequirement['operator']), values: expression?.values ?? [] };
}

function compileNodeSelectorTerm(term: any): NodeSelectorTerm {
  return { labels: (term?.matchExpressions ?? []).map(compileNodeRequirement), fields: (term?.matchFields ?? []).map(compileNodeRequirement) };
}

/** A term matches when all its requirements do; a term with none matches no node, as upstream. */
function nodeTermMatches(term: NodeSelectorTerm, node: NodeInfo): boolean {
  if (term.labels.length === 0 && term.fields.length === 0) return false;
  for (const requirement of term.labels) if (!requirementMatches(requirement, node.labels)) return false;
  for (const requirement of term.fields) {
    if (requirement.key !== 'metadata.name' || !requirementMatches(requirement, { 'metadata.name': node.name })) return false;
  }
  return true;
}

/** matchLabelKeys / mismatchLabelKeys merge the pod's own label values into the selector. */
function selectorWithPodLabels(selector: LabelSelectorSpec | null | undefined, labels: Record<string, string>, matchKeys: string[] = [], mismatchKeys: string[] = []): LabelSelector {
  if (!selector) return NOTHING;
  const extra: { key: string; operator: string; values: string[] }[] = [];
  for (const key of matchKeys) if (Object.hasOwn(labels, key)) extra.push({ key, operator: 'In', values: [labels[key]] });
  for (const key of mismatchKeys) if (Object.hasOwn(labels, key)) extra.push({ key, operator: 'NotIn', values: [labels[key]] });
  const spec = extra.length === 0 ? selector : { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
  try {
    return labelSelectorFromSpec(spec);
  } catch {
    return NOTHING;
  }
}

function compileAffinityTerm(term: any, namespace: string, labels: Record<string, string>): AffinityTerm {
  const selector = selectorWithPodLabels(term?.labelSelector, labels, term?.matchLabelKeys, term?.mismatchLabelKeys);
  const names = new Set<string>(term?.namespaces ?? []);
  let namespaceSelector: LabelSelector | undefined;
  if (term?.namespaceSelector) {
    try {
      namespaceSelector = labelSelectorFromSpec(term.namespaceSelector);
    } catch {
      namespaceSelector = NOTHING;
    }
  }
  if (names.size === 0 && !namespaceSelector) names.add(namespace);
  const topologyKey = term?.topologyKey ?? '';
  const nsText = `${[...names].sort().join(',')}|${namespaceSelector ? `sel:${selectorToString(namespaceSelector)}:${namespaceSelector.kind}` : ''}`;
  return {
    topologyKey,
    selector,
    namespaces: { names, selector: namespaceSelector },
    signature: `${topologyKey}|${nsText}|${selectorToString(selector)}:${selector.kind}`,
  };
}

function compileSpreadConstraint(constraint: any, namespace: string, labels: Record<string, string>): SpreadConstraint {
  const selector = selectorWithPodLabels(constraint.labelSelector, labels, constraint.matchLabelKeys);
  return {
    topologyKey: constraint.topologyKey ?? '',
    maxSkew: constraint.maxSkew ?? 1,
    minDomains: constraint.minDomains ?? undefined,
    selector,
    honorNodeAffinity: (constraint.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: (constraint.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    signature: `spread|${namespace}|${selectorToString(selector)}:${selector.kind}`,
  };
}

export function compileNode(node: KubeObject): NodeInfo {
  const taints: Taint[] = [];
  const preferNoScheduleTaints: Taint[] = [];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') taints.push(taint);
    else if (taint.effect === 'PreferNoSchedule') preferNoScheduleTaints.push(taint);
  }
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const { pods: podSlots, ...resources } = list;
  const allocatable = amountsOf(resources);
  return {
    name: node.metadata.name ?? '',
    object: node,
    labels: node.metadata.labels ?? {},
    unschedulable: !!node.spec?.unschedulable,
    taints,
    preferNoScheduleTaints,
    allocatable,
    allowedPods: podSlots === undefined ? 0 : Number(amountsOf({ pods: podSlots }).scalar.pods ?? 0),
    requested: emptyAmounts(),
    nonZeroRequested: { cpu: 0, memory: 0 },
    pods: new Set(),
    usedPorts: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Tolerations

/** v1.Toleration.ToleratesTaint. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function toleratesAny(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const toleration of tolerations) if (toleratesTaint(toleration, taint)) return true;
  return false;
}

/** The first taint no toleration tolerates, if any. */
export function toleratesAll(tolerations: readonly Toleration[], taints: readonly Taint[]): Taint | undefined {
  for (const taint of taints) if (!toleratesAny(tolerations, taint)) return taint;
  return undefined;
}

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

// ---------------------------------------------------------------------------------------------
// Filters: each looks at one pod and one node (and what the pre-filter step computed for the pod) and
// returns why the node does not fit, or undefined. `unresolvable` means evicting pods would not help.

export interface NodeFailure {
  plugin: string;
  reasons: readonly string[];
  unresolvable: boolean;
}

/** What is computed once per pod before its nodes are filtered (upstream's PreFilter and CycleState). */
export interface CycleState {
  /** per affinity term, the topology values (per key) that hold pods matching all the pod's affinity terms */
  affinityDomains?: Map<string, Set<string>>;
  /** no pod in the cluster matches the affinity terms, and the pod matches them itself: it may go first */
  affinitySelfStart?: boolean;
  /** topology key -> values holding pods that match one of the pod's anti-affinity terms */
  antiAffinityDomains?: Map<string, Set<string>>;
  /** topology key -> values where an existing pod's anti-affinity term rejects this pod */
  existingAntiAffinityDomains?: Map<string, Set<string>>;
  spread?: SpreadState[];
}

interface SpreadState {
  constraint: SpreadConstraint;
  /** topology value -> matching pods, over the nodes the constraint counts */
  counts: Map<string, number>;
  /** the smallest count over those domains (Infinity when there is none) */
  minimum: number;
  selfMatch: number;
}

export type Filter = (pod: PodInfo, node: NodeInfo, cycle: CycleState) => NodeFailure | undefined;

function failure(plugin: string, reason: string, unresolvable: boolean): NodeFailure {
  return { plugin, reasons: [reason], unresolvable };
}

const FAIL_NODE_NAME = failure('NodeName', REASONS.nodeName, true);
const FAIL_UNSCHEDULABLE = failure('NodeUnschedulable', REASONS.unschedulable, true);
const FAIL_NODE_AFFINITY = failure('NodeAffinity', REASONS.nodeAffinity, true);
const FAIL_PORTS = failure('NodePorts', REASONS.hostPorts, false);
const FAIL_TOO_MANY_PODS = failure('NodeResourcesFit', REASONS.tooManyPods, false);
const FAIL_SPREAD = failure('PodTopologySpread', REASONS.spread, false);
const FAIL_SPREAD_LABEL = failure('PodTopologySpread', REASONS.spreadMissingLabel, true);
const FAIL_AFFINITY = failure('InterPodAffinity', REASONS.podAffinity, true);
const FAIL_ANTI_AFFINITY = failure('InterPodAffinity', REASONS.podAntiAffinity, false);
const FAIL_EXISTING_ANTI_AFFINITY = failure('InterPodAffinity', REASONS.existingAntiAffinity, false);

export const filterNodeUnschedulable: Filter = (pod, node) => {
  if (!node.unschedulable) return undefined;
  return toleratesAny(pod.tolerations, UNSCHEDULABLE_TAINT) ? undefined : FAIL_UNSCHEDULABLE;
};

export const filterNodeName: Filter = (pod, node) => (pod.nodeName !== undefined && pod.nodeName !== node.name ? FAIL_NODE_NAME : undefined);

export const filterTaintToleration: Filter = (pod, node) => {
  if (node.taints.length === 0) return undefined;
  const taint = toleratesAll(pod.tolerations, node.taints);
  return taint ? failure('TaintToleration', untoleratedTaint(taint), true) : undefined;
};

/** nodeSelector and required node affinity together, as upstream's NodeAffinity plugin. */
export function nodeMatchesPodNodeSelection(pod: PodInfo, node: NodeInfo): boolean {
  if (pod.nodeSelector) {
    for (const key in pod.nodeSelector) if (node.labels[key] !== pod.nodeSelector[key]) return false;
  }
  if (!pod.requiredNodeTerms) return true;
  for (const term of pod.requiredNodeTerms) if (nodeTermMatches(term, node)) return true;
  return false;
}

export const filterNodeAffinity: Filter = (pod, node) => (nodeMatchesPodNodeSelection(pod, node) ? undefined : FAIL_NODE_AFFINITY);

function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

export const filterNodePorts: Filter = (pod, node) => {
  if (pod.hostPorts.length === 0 || node.usedPorts.length === 0) return undefined;
  for (const wanted of pod.hostPorts) for (const used of node.usedPorts) if (portsConflict(wanted, used)) return FAIL_PORTS;
  return undefined;
};

/** NodeResourcesFit: a pod slot, then each requested resource against what is left of allocatable. */
export const filterNodeResourcesFit: Filter = (pod, node) => {
  const tooMany = node.pods.size + 1 > node.allowedPods;
  if (pod.requestsNothing) return tooMany ? FAIL_TOO_MANY_PODS : undefined;
  const want = pod.requests;
  const has = node.allocatable;
  const used = node.requested;
  const cpuShort = want.cpu > 0 && want.cpu > has.cpu - used.cpu;
  const memoryShort = want.memory > 0 && want.memory > has.memory - used.memory;
  const storageShort = want.ephemeralStorage > 0 && want.ephemeralStorage > has.ephemeralStorage - used.ephemeralStorage;
  let scalarShort = false;
  for (const name in want.scalar) {
    const amount = want.scalar[name];
    if (amount > 0 && amount > (has.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) scalarShort = true;
  }
  if (!cpuShort && !memoryShort && !storageShort && !scalarShort) return tooMany ? FAIL_TOO_MANY_PODS : undefined;
  // the rare path: name every shortage; more than the node has at all cannot be fixed by evicting
  // anything (upstream's InsufficientResource.Unresolvable)
  const reasons: string[] = tooMany ? [REASONS.tooManyPods] : [];
  let unresolvable = false;
  if (cpuShort) {
    reasons.push(insufficient('cpu'));
    unresolvable ||= want.cpu > has.cpu;
  }
  if (memoryShort) {
    reasons.push(insufficient('memory'));
    unresolvable ||= want.memory > has.memory;
  }
  if (storageShort) {
    reasons.push(insufficient('ephemeral-storage'));
    unresolvable ||= want.ephemeralStorage > has.ephemeralStorage;
  }
  for (const name in want.scalar) {
    const amount = want.scalar[name];
    const allocatable = has.scalar[name] ?? 0;
    if (amount > 0 && amount > allocatable - (used.scalar[name] ?? 0)) {
      reasons.push(insufficient(name));
      unresolvable ||= amount > allocatable;
    }
  }
  return { plugin: 'NodeResourcesFit', reasons, unresolvable };
};

export const filterPodTopologySpread: Filter = (_pod, node, cycle) => {
  if (!cycle.spread) return undefined;
  for (const state of cycle.spread) {
    const value = node.labels[state.constraint.topologyKey];
    if (value === undefined) return FAIL_SPREAD_LABEL;
    if (state.minimum === Infinity) continue;
    const minimum = state.constraint.minDomains !== undefined && state.counts.size < state.constraint.minDomains ? 0 : state.minimum;
    const skew = (state.counts.get(value) ?? 0) + state.selfMatch - minimum;
    if (skew > state.constraint.maxSkew) return FAIL_SPREAD;
  }
  return undefined;
};

export const filterInterPodAffinity: Filter = (pod, node, cycle) => {
  if (cycle.affinityDomains) {
    let podsExist = true;
    for (const term of pod.affinityTerms) {
      const value = node.labels[term.topologyKey];
      if (value === undefined) return FAIL_AFFINITY;
      if (!cycle.affinityDomains.get(term.topologyKey)?.has(value)) podsExist = false;
    }
    if (!podsExist && !cycle.affinitySelfStart) return FAIL_AFFINITY;
  }
  if (cycle.antiAffinityDomains && inDomains(cycle.antiAffinityDomains, node)) return FAIL_ANTI_AFFINITY;
  if (cycle.existingAntiAffinityDomains && inDomains(cycle.existingAntiAffinityDomains, node)) return FAIL_EXISTING_ANTI_AFFINITY;
  return undefined;
};

function inDomains(domains: Map<string, Set<string>>, node: NodeInfo): boolean {
  for (const [key, values] of domains) {
    const value = node.labels[key];
    if (value !== undefined && values.has(value)) return true;
  }
  return false;
}

/** The default profile's filters, in upstream's order; a node fails at the first that rejects it. */
export const FILTERS: readonly { name: string; filter: Filter }[] = [
  { name: 'NodeUnschedulable', filter: filterNodeUnschedulable },
  { name: 'NodeName', filter: filterNodeName },
  { name: 'TaintToleration', filter: filterTaintToleration },
  { name: 'NodeAffinity', filter: filterNodeAffinity },
  { name: 'NodePorts', filter: filterNodePorts },
  { name: 'NodeResourcesFit', filter: filterNodeResourcesFit },
  { name: 'PodTopologySpread', filter: filterPodTopologySpread },
  { name: 'InterPodAffinity', filter: filterInterPodAffinity },
];

export function runFilters(pod: PodInfo, node: NodeInfo, cycle: CycleState, filters: readonly Filter[] = ALL_FILTERS): NodeFailure | undefined {
  for (let i = 0; i < filters.length; i++) {
    const failed = filters[i](pod, node, cycle);
    if (failed) return failed;
  }
  return undefined;
}

const ALL_FILTERS: readonly Filter[] = FILTERS.map((f) => f.filter);

/** The filters that can reject anything for this pod, in order: most pods skip half of them. */
export function filtersFor(pod: PodInfo, cycle: CycleState): Filter[] {
  const filters: Filter[] = [filterNodeUnschedulable];
  if (pod.nodeName !== undefined) filters.push(filterNodeName);
  filters.push(filterTaintToleration);
  if (pod.nodeSelector || pod.requiredNodeTerms) filters.push(filterNodeAffinity);
  if (pod.hostPorts.length > 0) filters.push(filterNodePorts);
  filters.push(filterNodeResourcesFit);
  if (cycle.spread) filters.push(filterPodTopologySpread);
  if (cycle.affinityDomains || cycle.antiAffinityDomains || cycle.existingAntiAffinityDomains) filters.push(filterInterPodAffinity);
  return filters;
}

/**
 * For a pod only the three filters every pod runs can reject (no node name, node selection, host ports, spread
 * or pod affinity: most pods), a test that a node passes them all, without calls per filter: a large cluster's
 * scheduler looks at hundreds of nodes per pod. It only ever says yes when the filters would; a node it turns
 * down goes through the filters, which say why.
 */
function plainFitFor(pod: PodInfo, filters: readonly Filter[]): ((node: NodeInfo) => boolean) | undefined {
  if (filters.length !== 3 || filters[0] !== filterNodeUnschedulable || filters[1] !== filterTaintToleration || filters[2] !== filterNodeResourcesFit) return undefined;
  const want = pod.requests;
  const scalars = Object.keys(want.scalar).filter((name) => want.scalar[name] > 0);
  return (node) => {
    if (node.unschedulable || node.taints.length > 0 || node.pods.size + 1 > node.allowedPods) return false;
    if (pod.requestsNothing) return true;
    const has = node.allocatable;
    const used = node.requested;
    if (want.cpu > 0 && want.cpu > has.cpu - used.cpu) return false;
    if (want.memory > 0 && want.memory > has.memory - used.memory) return false;
    if (want.ephemeralStorage > 0 && want.ephemeralStorage > has.ephemeralStorage - used.ephemeralStorage) return false;
    for (const name of scalars) if (want.scalar[name] > (has.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) return false;
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Scores: 0..100 per plugin, weighted as the default profile weighs them

export const MAX_NODE_SCORE = 100;

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function usedFraction(requested: number, capacity: number): number {
  return capacity === 0 ? 0 : Math.min(1, requested / capacity);
}

/** NodeResourcesFit's LeastAllocated strategy over cpu and memory (weights 1 and 1). */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  return leastAllocated(node.nonZeroRequested.cpu + pod.nonZero.cpu, node.allocatable.cpu, node.nonZeroRequested.memory + pod.nonZero.memory, node.allocatable.memory);
}

function leastAllocated(cpuRequested: number, cpuAllocatable: number, memoryRequested: number, memoryAllocatable: number): number {
  return Math.floor((leastRequested(cpuRequested, cpuAllocatable) + leastRequested(memoryRequested, memoryAllocatable)) / 2);
}

/** NodeResourcesBalancedAllocation over cpu and memory: nodes whose cpu and memory fill evenly score higher. */
export function balancedAllocationScore(pod: PodInfo, node: NodeInfo): number {
  return balancedAllocation(node.requested.cpu + pod.requests.cpu, node.allocatable.cpu, node.requested.memory + pod.requests.memory, node.allocatable.memory);
}

function balancedAllocation(cpuRequested: number, cpuAllocatable: number, memoryRequested: number, memoryAllocatable: number): number {
  const std = Math.abs(usedFraction(cpuRequested, cpuAllocatable) - usedFraction(memoryRequested, memoryAllocatable)) / 2;
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

/** PreferNoSchedule taints the pod does not tolerate (lower is better; normalized across nodes). */
export function intolerablePreferNoScheduleTaints(pod: PodInfo, node: NodeInfo): number {
  let count = 0;
  for (const taint of node.preferNoScheduleTaints) {
    let tolerated = false;
    for (const t of pod.tolerations) if ((!t.effect || t.effect === 'PreferNoSchedule') && toleratesTaint(t, taint)) tolerated = true;
    if (!tolerated) count++;
  }
  return count;
}

/** Sum of the weights of the preferred node affinity terms the node matches (normalized across nodes). */
export function preferredNodeAffinityWeight(pod: PodInfo, node: NodeInfo): number {
  let sum = 0;
  for (const { weight, term } of pod.preferredNodeTerms) if (nodeTermMatches(term, node)) sum += weight;
  return sum;
}

export const SCORE_WEIGHTS = { leastAllocated: 1, balancedAllocation: 1, taintToleration: 3, nodeAffinity: 2 } as const;

/** Total scores of feasible nodes, in their order. */
export function scoreNodes(pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
  // plain loops: this runs over hundreds of feasible nodes for every pod a large cluster schedules
  const count = nodes.length;
  let taintCounts: number[] | undefined;
  let maxTaints = 0;
  for (let i = 0; i < count; i++) {
    if (nodes[i].preferNoScheduleTaints.length === 0) continue;
    taintCounts ??= new Array<number>(count).fill(0);
    taintCounts[i] = intolerablePreferNoScheduleTaints(pod, nodes[i]);
    if (taintCounts[i] > maxTaints) maxTaints = taintCounts[i];
  }
  let affinity: number[] | undefined;
  let maxAffinity = 0;
  if (pod.preferredNodeTerms.length > 0) {
    affinity = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      affinity[i] = preferredNodeAffinityWeight(pod, nodes[i]);
      if (affinity[i] > maxAffinity) maxAffinity = affinity[i];
    }
  }
  const scores = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const node = nodes[i];
    const taintScore = maxTaints === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - Math.floor((taintCounts![i] * MAX_NODE_SCORE) / maxTaints);
    const affinityScore = affinity && maxAffinity > 0 ? Math.floor((affinity[i] * MAX_NODE_SCORE) / maxAffinity) : 0;
    scores[i] =
      SCORE_WEIGHTS.leastAllocated * leastAllocatedScore(pod, node) +
      SCORE_WEIGHTS.balancedAllocation * balancedAllocationScore(pod, node) +
      SCORE_WEIGHTS.taintToleration * taintScore +
      SCORE_WEIGHTS.nodeAffinity * affinityScore;
  }
  return scores;
}

// ---------------------------------------------------------------------------------------------
// Results and the failure message

export type PlacementResult =
  | { pod: PodRef; fits: true; nodeName: string; score: number; feasibleNodes: number; evaluatedNodes: number }
  | {
      pod: PodRef;
      fits: false;
      /** upstream's FailedScheduling / PodScheduled message */
      message: string;
      /** node name -> why it does not fit */
      reasons: Record<string, readonly string[]>;
    };

/**
 * "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are
 * available: 3 Preemption is not helpful for scheduling." Reasons are counted per node, and sorted as text.
 */
export function failureMessage(pod: PodInfo, nodeCount: number, failures: ReadonlyMap<string, NodeFailure>, state?: ClusterState): string {
  if (nodeCount === 0) return REASONS.noNodes;
  const histogram = (counts: Map<string, number>): string =>
    [...counts].map(([reason, count]) => `${count} ${reason}`).sort().join(', ');
  const filterCounts = new Map<string, number>();
  const preemptionCounts = new Map<string, number>();
  for (const [nodeName, failed] of failures) {
    for (const reason of failed.reasons) filterCounts.set(reason, (filterCounts.get(reason) ?? 0) + 1);
    let preemption: string;
    if (failed.unresolvable) preemption = REASONS.preemptionNotHelpful;
    else if (!hasLowerPriorityPods(state?.node(nodeName), pod.priority)) preemption = REASONS.noVictims;
    // lower-priority pods could make room; this scheduler does not preempt them, so the reason stands
    else preemption = failed.reasons[0];
    preemptionCounts.set(preemption, (preemptionCounts.get(preemption) ?? 0) + 1);
  }
  let message = `0/${nodeCount} nodes are available: ${histogram(filterCounts)}.`;
  if (pod.preemptionNever) message += ' not eligible due to preemptionPolicy=Never.';
  else message += ` preemption: 0/${nodeCount} nodes are available: ${histogram(preemptionCounts)}.`;
  return message;
}

function hasLowerPriorityPods(node: NodeInfo | undefined, priority: number): boolean {
  if (!node) return false;
  for (const pod of node.pods) if (pod.priority < priority) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// The cluster: nodes, bound pods, and incremental counts of pods matching the selectors in use

/** Pods on each node that match a set of (namespace, selector) terms; kept current as pods come and go. */
class MatchCounter {
  readonly perNode = new Map<string, number>();
  constructor(
    readonly terms: readonly { namespaces: NamespaceMatcher; selector: LabelSelector }[],
    readonly skipTerminating: boolean,
    private readonly namespaceLabels: (namespace: string) => Record<string, string> | undefined,
  ) {}

  matches(pod: PodInfo): boolean {
    if (this.skipTerminating && pod.terminating) return false;
    for (const term of this.terms) {
      if (!namespaceMatches(term.namespaces, pod.namespace, this.namespaceLabels)) return false;
      if (!selectorMatches(term.selector, pod.labels)) return false;
    }
    return true;
  }

  change(nodeName: string, delta: number): void {
    const next = (this.perNode.get(nodeName) ?? 0) + delta;
    if (next <= 0) this.perNode.delete(nodeName);
    else this.perNode.set(nodeName, next);
  }
}

/** matchesLabels without a closure per call: this runs for every counter on every pod added. */
function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  if (selector.kind === 'nothing') return false;
  for (const requirement of selector.requirements) if (!requirementMatches(requirement, labels)) return false;
  return true;
}

function namespaceMatches(matcher: NamespaceMatcher, namespace: string, labelsOf: (namespace: string) => Record<string, string> | undefined): boolean {
  if (matcher.names.has(namespace)) return true;
  if (!matcher.selector) return false;
  if (matcher.selector.kind === 'requirements' && matcher.selector.requirements.length === 0) return true;
  return matchesLabels(matcher.selector, labelsOf(namespace) ?? { 'kubernetes.io/metadata.name': namespace });
}

/** Existing pods' required anti-affinity terms, grouped by equal term, with where those pods run. */
interface AntiAffinityGroup {
  term: AffinityTerm;
  perNode: Map<string, number>;
}

export interface ClusterInput {
  nodes: readonly KubeObject[];
  /** pods already on nodes (spec.nodeName set); others, and finished pods, are ignored */
  pods?: readonly KubeObject[];
  /** for namespaceSelector in pod affinity terms */
  namespaces?: readonly KubeObject[];
}

export interface PlacementOptions {
  /**
   * How many feasible nodes to find before scoring: 'all' (default; the best node in the whole cluster), or
   * 'adaptive' as kube-scheduler does by default (50% of nodes, falling with cluster size to 5%, at least 100),
   * starting each search where the last one stopped.
   */
  nodesToScore?: 'all' | 'adaptive';
}

const MAX_COUNTERS = 4096;

export class ClusterState {
  private readonly nodes = new Map<string, NodeInfo>();
  /** nodes that pods are bound to but that are not (or no longer) in the cluster: never offered to pods */
  private readonly absentNodes = new Map<string, NodeInfo>();
  /** bound pods by namespace, then name: no joined key to build and hash for each of 150,000 pods */
  private readonly pods = new Map<string, Map<string, { info: PodInfo; nodeName: string }>>();
  private boundPods = 0;
  private readonly namespaceLabelsByName = new Map<string, Record<string, string>>();
  private readonly counters = new Map<string, MatchCounter>();
  private readonly antiAffinityGroups = new Map<string, AntiAffinityGroup>();
  private nodeList: NodeInfo[] | undefined;
  /** rows of nodeList's nodes; dropped with it */
  private table: NodeTable | undefined;
  /** plain pods' shapes (what the three common filters and the scores read), with a tree once placed twice */
  private readonly shapes = new Map<string, { info: PodInfo; tree?: BestRowTree }>();
  private nextStartIndex = 0;

  static from(input: ClusterInput): ClusterState {
    const state = new ClusterState();
    for (const ns of input.namespaces ?? []) state.setNamespace(ns);
    for (const node of input.nodes) state.setNode(node);
    for (const pod of input.pods ?? []) {
      if (pod.spec?.nodeName && !isFinished(pod)) state.addPod(pod);
    }
    return state;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get podCount(): number {
    return this.boundPods;
  }

  node(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Nodes in name order: the order filters visit them and ties are broken in. */
  allNodes(): readonly NodeInfo[] {
    if (!this.nodeList) this.nodeList = [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.nodeList;
  }

  nodeOf(namespace: string, name: string): string | undefined {
    return this.pods.get(namespace)?.get(name)?.nodeName;
  }

  setNamespace(namespace: KubeObject): void {
    this.namespaceLabelsByName.set(namespace.metadata.name ?? '', namespace.metadata.labels ?? {});
    // counters that select by namespace labels may now be wrong; they are rebuilt on demand
    this.counters.clear();
  }

  /** Adds or replaces a node; its pods stay. */
  setNode(node: KubeObject): NodeInfo {
    const info = compileNode(node);
    const previous = this.nodes.get(info.name) ?? this.absentNodes.get(info.name);
    this.absentNodes.delete(info.name);
    if (previous) {
      info.pods = previous.pods;
      info.requested = previous.requested;
      info.nonZeroRequested = previous.nonZeroRequested;
      info.usedPorts = previous.usedPorts;
    }
    const listed = this.nodeList?.indexOf(previous as NodeInfo) ?? -1;
    this.nodes.set(info.name, info);
    if (listed >= 0) {
      this.nodeList![listed] = info;
      this.nodeChanged(info);
    } else {
      this.dropTable();
    }
    return info;
  }

  /** The node order changed: rows are numbered anew. */
  private dropTable(): void {
    this.nodeList = undefined;
    this.table = undefined;
    this.shapes.clear();
  }

  /** Removes a node. Pods bound to it stay accounted to it until they are removed themselves. */
  removeNode(name: string): void {
    const node = this.nodes.get(name);
    if (!node) return;
    this.nodes.delete(name);
    this.dropTable();
    if (node.pods.size > 0) this.absentNodes.set(name, node);
  }

  /** Accounts a pod to a node: its spec.nodeName, or `nodeName` for a pod being assumed there. */
  addPod(pod: KubeObject | PodInfo, nodeName?: string): void {
    const info = isPodInfo(pod) ? pod : compilePod(pod);
    const target = nodeName ?? info.nodeName;
    if (!target) throw new Error(`pod ${info.namespace}/${info.name} has no node to be accounted to`);
    let inNamespace = this.pods.get(info.namespace);
    if (!inNamespace) this.pods.set(info.namespace, (inNamespace = new Map()));
    if (inNamespace.has(info.name)) this.removePod(info.namespace, info.name);
    inNamespace.set(info.name, { info, nodeName: target });
    this.boundPods++;
    const node = this.nodes.get(target) ?? this.absentNode(target);
    node.pods.add(info);
    addAmounts(node.requested, info.requests);
    node.nonZeroRequested.cpu += info.nonZero.cpu;
    node.nonZeroRequested.memory += info.nonZero.memory;
    for (const port of info.hostPorts) node.usedPorts.push(port);
    this.nodeChanged(node);
    for (const counter of this.counters.values()) if (counter.matches(info)) counter.change(target, 1);
    for (const term of info.antiAffinityTerms) {
      let group = this.antiAffinityGroups.get(term.signature);
      if (!group) this.antiAffinityGroups.set(term.signature, (group = { term, perNode: new Map() }));
      group.perNode.set(target, (group.perNode.get(target) ?? 0) + 1);
    }
  }

  removePod(namespace: string, name: string): boolean {
    const inNamespace = this.pods.get(namespace);
    const entry = inNamespace?.get(name);
    if (!entry) return false;
    inNamespace!.delete(name);
    this.boundPods--;
    const { info, nodeName } = entry;
    const node = this.nodes.get(nodeName) ?? this.absentNodes.get(nodeName);
    if (node) {
      node.pods.delete(info);
      if (node.pods.size === 0) this.absentNodes.delete(nodeName);
      subtractAmounts(node.requested, info.requests);
      node.nonZeroRequested.cpu -= info.nonZero.cpu;
      node.nonZeroRequested.memory -= info.nonZero.memory;
      if (info.hostPorts.length > 0) node.usedPorts = node.usedPorts.filter((port) => !info.hostPorts.includes(port));
      this.nodeChanged(node);
    }
    for (const counter of this.counters.values()) if (counter.matches(info)) counter.change(nodeName, -1);
    for (const term of info.antiAffinityTerms) {
      const group = this.antiAffinityGroups.get(term.signature);
      if (!group) continue;
      const left = (group.perNode.get(nodeName) ?? 0) - 1;
      if (left > 0) group.perNode.set(nodeName, left);
      else group.perNode.delete(nodeName);
      if (group.perNode.size === 0) this.antiAffinityGroups.delete(term.signature);
    }
    return true;
  }

  /** A node this state does not know (yet) that a pod is bound to. */
  private absentNode(name: string): NodeInfo {
    let node = this.absentNodes.get(name);
    if (!node) this.absentNodes.set(name, (node = compileNode({ metadata: { name } })));
    return node;
  }

  private counter(signature: string, terms: MatchCounter['terms'], skipTerminating: boolean): MatchCounter {
    let counter = this.counters.get(signature);
    if (counter) return counter;
    if (this.counters.size >= MAX_COUNTERS) this.counters.clear();
    counter = new MatchCounter(terms, skipTerminating, (ns) => this.namespaceLabelsByName.get(ns));
    for (const inNamespace of this.pods.values()) for (const { info, nodeName } of inNamespace.values()) if (counter.matches(info)) counter.change(nodeName, 1);
    this.counters.set(signature, counter);
    return counter;
  }

  /** Topology key -> values of the nodes in `perNode`. */
  private domainsOf(perNode: ReadonlyMap<string, number>, topologyKey: string, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
    for (const nodeName of perNode.keys()) {
      const value = this.nodes.get(nodeName)?.labels[topologyKey];
      if (value === undefined) continue;
      let values = into.get(topologyKey);
      if (!values) into.set(topologyKey, (values = new Set()));
      values.add(value);
    }
    return into;
  }

  /** Upstream's PreFilter: what the filters need to know about the rest of the cluster for this pod. */
  prepare(pod: PodInfo): CycleState {
    const cycle: CycleState = {};
    const labelsOf = (ns: string) => this.namespaceLabelsByName.get(ns);
    if (pod.affinityTerms.length > 0) {
      const signature = `affinity|${pod.affinityTerms.map((t) => t.signature).join('&')}`;
      const counter = this.counter(signature, pod.affinityTerms, false);
      const domains = new Map<string, Set<string>>();
      for (const term of pod.affinityTerms) this.domainsOf(counter.perNode, term.topologyKey, domains);
      cycle.affinityDomains = domains;
      cycle.affinitySelfStart =
        counter.perNode.size === 0 && pod.affinityTerms.every((t) => namespaceMatches(t.namespaces, pod.namespace, labelsOf) && matchesLabels(t.selector, pod.labels));
    }
    if (pod.antiAffinityTerms.length > 0) {
      const domains = new Map<string, Set<string>>();
      for (const term of pod.antiAffinityTerms) {
        const counter = this.counter(`anti|${term.signature}`, [term], false);
        this.domainsOf(counter.perNode, term.topologyKey, domains);
      }
      if (domains.size > 0) cycle.antiAffinityDomains = domains;
    }
    if (this.antiAffinityGroups.size > 0) {
      const domains = new Map<string, Set<string>>();
      for (const group of this.antiAffinityGroups.values()) {
        const { term } = group;
        if (!namespaceMatches(term.namespaces, pod.namespace, labelsOf) || !matchesLabels(term.selector, pod.labels)) continue;
        this.domainsOf(group.perNode, term.topologyKey, domains);
      }
      if (domains.size > 0) cycle.existingAntiAffinityDomains = domains;
    }
    if (pod.spreadConstraints.length > 0) cycle.spread = this.prepareSpread(pod);
    return cycle;
  }

  private prepareSpread(pod: PodInfo): SpreadState[] {
    const states: SpreadState[] = pod.spreadConstraints.map((constraint) => ({
      constraint,
      counts: new Map<string, number>(),
      minimum: Infinity,
      selfMatch: matchesLabels(constraint.selector, pod.labels) ? 1 : 0,
    }));
    const counters = pod.spreadConstraints.map((c) => this.counter(c.signature, [{ namespaces: { names: new Set([pod.namespace]) }, selector: c.selector }], true));
    for (const node of this.allNodes()) {
      // a node counts only when it carries every constraint's topology key
      let hasKeys = true;
      for (const c of pod.spreadConstraints) if (node.labels[c.topologyKey] === undefined) hasKeys = false;
      if (!hasKeys) continue;
      for (let i = 0; i < states.length; i++) {
        const { constraint } = states[i];
        if (constraint.honorNodeAffinity && !nodeMatchesPodNodeSelection(pod, node)) continue;
        if (constraint.honorNodeTaints && toleratesAll(pod.tolerations, node.taints)) continue;
        const value = node.labels[constraint.topologyKey];
        states[i].counts.set(value, (states[i].counts.get(value) ?? 0) + (counters[i].perNode.get(node.name) ?? 0));
      }
    }
    for (const state of states) for (const count of state.counts.values()) state.minimum = Math.min(state.minimum, count);
    return states;
  }

  /** Finds the node for one pod without changing anything. */
  place(pod: KubeObject | PodInfo, options: PlacementOptions = {}): PlacementResult {
    const info = isPodInfo(pod) ? pod : compilePod(pod);
    const ref = { namespace: info.namespace, name: info.name };
    const nodes = this.allNodes();
    const total = nodes.length;
    if (total === 0) return { pod: ref, fits: false, message: REASONS.noNodes, reasons: {} };
    const cycle = this.prepare(info);
    const wanted = options.nodesToScore === 'adaptive' ? feasibleNodesToFind(total) : total;
    const start = options.nodesToScore === 'adaptive' ? this.nextStartIndex % total : 0;
    const filters = filtersFor(info, cycle);
    const plainlyFits = plainFitFor(info, filters);
    if (plainlyFits && info.preferredNodeTerms.length === 0 && !hasScalarRequests(info)) {
      const placed = this.placePlain(info, wanted, start, options);
      if (placed) return placed;
    }
    const feasible: NodeInfo[] = [];
    const failures = new Map<string, NodeFailure>();
    let evaluated = 0;
    for (; evaluated < total && feasible.length < wanted; evaluated++) {
      const node = nodes[(start + evaluated) % total];
      if (plainlyFits?.(node)) {
        feasible.push(node);
        continue;
      }
      const failed = runFilters(info, node, cycle, filters);
      if (failed) failures.set(node.name, failed);
      else feasible.push(node);
    }
    if (options.nodesToScore === 'adaptive') this.nextStartIndex = (start + evaluated) % total;
    if (feasible.length === 0) {
      const reasons: Record<string, readonly string[]> = {};
      for (const [name, failed] of failures) reasons[name] = failed.reasons;
      return { pod: ref, fits: false, message: failureMessage(info, total, failures, this), reasons };
    }
    const scores = scoreNodes(info, feasible);
    let best = 0;
    for (let i = 1; i < feasible.length; i++) {
      if (scores[i] > scores[best] || (scores[i] === scores[best] && feasible[i].name < feasible[best].name)) best = i;
    }
    return { pod: ref, fits: true, nodeName: feasible[best].name, score: scores[best], feasibleNodes: feasible.length, evaluatedNodes: evaluated };
  }

  /**
   * place() for a pod that only the three filters every pod runs can turn away, over the node table: the same
   * nodes visited, the same scores, the same choice. Pods of a shape placed before are found through that
   * shape's tree instead of a scan. Undefined when no node fits (place() then finds out why) or when
   * PreferNoSchedule taints make scores depend on each other.
   */
  private placePlain(info: PodInfo, wanted: number, start: number, options: PlacementOptions): PlacementResult | undefined {
    const nodes = this.allNodes();
    const table = (this.table ??= new NodeTable(nodes));
    if (table.anyPreferNoSchedule) return undefined;
    const tree = this.shapeTree(info, table, nodes);
    const found = tree ? tree.search(start, wanted) : scanRows(info, table, nodes, start, wanted);
    if (found.feasible === 0) return undefined;
    if (options.nodesToScore === 'adaptive') this.nextStartIndex = (start + found.evaluated) % nodes.length;
    const score = tree ? tree.score(found.best) : plainRowScore(info, table, nodes, found.best)!;
    return { pod: { namespace: info.namespace, name: info.name }, fits: true, nodeName: nodes[found.best].name, score, feasibleNodes: found.feasible, evaluatedNodes: found.evaluated };
  }

  /** The tree of the pod's shape: made the second time the shape is placed, kept for the last few shapes. */
  private shapeTree(info: PodInfo, table: NodeTable, nodes: readonly NodeInfo[]): BestRowTree | undefined {
    const shape = shapeOf(info);
    const known = this.shapes.get(shape);
    if (!known) {
      if (this.shapes.size >= MAX_SHAPES) this.shapes.delete(this.shapes.keys().next().value!);
      this.shapes.set(shape, { info });
      return undefined;
    }
    if (!known.tree) {
      known.tree = new BestRowTree(nodes.length);
      for (let row = 0; row < nodes.length; row++) known.tree.set(row, plainRowScore(known.info, table, nodes, row));
    }
    return known.tree;
  }

  /** A node's amounts or taints changed: its table row, and its row in every shape's tree. */
  private nodeChanged(node: NodeInfo): void {
    const row = this.table?.refresh(node);
    if (row === undefined) return;
    const nodes = this.allNodes();
    for (const { info, tree } of this.shapes.values()) tree?.set(row, plainRowScore(info, this.table!, nodes, row));
  }

  /** Places a pod and, when it fits, accounts it to its node so that later pods see it. */
  placeAndAssume(pod: KubeObject | PodInfo, options: PlacementOptions = {}): PlacementResult {
    const info = isPodInfo(pod) ? pod : compilePod(pod);
    const result = this.place(info, options);
    if (result.fits) this.addPod(info, result.nodeName);
    return result;
  }
}

const MAX_SHAPES = 8;
const PLAIN_FILTERS: readonly Filter[] = [filterNodeUnschedulable, filterTaintToleration, filterNodeResourcesFit];
const NO_CYCLE: CycleState = {};

/** What the three common filters and the scores read of a plain pod: pods of one shape fit and score alike. */
function shapeOf(pod: PodInfo): string {
  const { requests, nonZero } = pod;
  return `${requests.cpu}/${requests.memory}/${requests.ephemeralStorage}/${nonZero.cpu}/${nonZero.memory}/${pod.tolerations.length > 0 ? JSON.stringify(pod.tolerations) : ''}`;
}

/**
 * A plain pod's score on a node of the table, or undefined when the node turns it away. Nodes open to every
 * pod are judged from their row; cordoned and tainted ones go through the filters.
 */
function plainRowScore(pod: PodInfo, table: NodeTable, nodes: readonly NodeInfo[], row: number): number | undefined {
  const { cpu, memory, ephemeralStorage } = pod.requests;
  const fits =
    table.open[row] === 1 && table.freeSlots[row] >= 1
      ? pod.requestsNothing || !((cpu > 0 && cpu > table.freeCpu[row]) || (memory > 0 && memory > table.freeMemory[row]) || (ephemeralStorage > 0 && ephemeralStorage > table.freeStorage[row]))
      : !runFilters(pod, nodes[row], NO_CYCLE, PLAIN_FILTERS);
  if (!fits) return undefined;
  const allocatableCpu = table.allocatableCpu[row];
  const allocatableMemory = table.allocatableMemory[row];
  // no PreferNoSchedule taints and no preferred node affinity: those two scores are the same on every node
  return (
    SCORE_WEIGHTS.leastAllocated * leastAllocated(table.nonZeroCpu[row] + pod.nonZero.cpu, allocatableCpu, table.nonZeroMemory[row] + pod.nonZero.memory, allocatableMemory) +
    SCORE_WEIGHTS.balancedAllocation * balancedAllocation(table.requestedCpu[row] + cpu, allocatableCpu, table.requestedMemory[row] + memory, allocatableMemory) +
    SCORE_WEIGHTS.taintToleration * MAX_NODE_SCORE
  );
}

/** The search a shape without a tree makes: rows from `start`, wrapping, until `wanted` fit. */
function scanRows(pod: PodInfo, table: NodeTable, nodes: readonly NodeInfo[], start: number, wanted: number): RowSearch {
  const total = nodes.length;
  let feasible = 0;
  let evaluated = 0;
  let best = -1;
  let bestScore = -1;
  for (; evaluated < total && feasible < wanted; evaluated++) {
    const row = (start + evaluated) % total;
    const score = plainRowScore(pod, table, nodes, row);
    if (score === undefined) continue;
    feasible++;
    // rows are in name order: on a tie the earlier name wins, also when the visit wrapped around
    if (score > bestScore || (score === bestScore && row < best)) {
      best = row;
      bestScore = score;
    }
  }
  return { best, feasible, evaluated };
}

function hasScalarRequests(pod: PodInfo): boolean {
  for (const name in pod.requests.scalar) if (pod.requests.scalar[name] > 0) return true;
  return false;
}

function isFinished(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** kube-scheduler's numFeasibleNodesToFind with the default percentageOfNodesToScore. */
export function feasibleNodesToFind(total: number): number {
  const minimum = 100;
  if (total < minimum) return total;
  const percentage = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(minimum, Math.floor((total * percentage) / 100));
}

/**
 * The pod as its replacement would ask to be placed: not bound, not being deleted. A drain plan places the
 * pods of the drained node this way (after removing them from the state, and cordoning the node).
 */
export function asPending(pod: KubeObject): KubeObject {
  const { deletionTimestamp: _deleted, deletionGracePeriodSeconds: _grace, ...metadata } = pod.metadata;
  const { nodeName: _node, ...spec } = pod.spec ?? {};
  return { ...pod, metadata, spec };
}

/**
 * Places pods one after another, each seeing the ones placed before it: which node each pod of a drained
 * node would move to. Given a ClusterState, it is updated in place; given plain objects, a state is built.
 */
export function placeAll(pods: readonly KubeObject[], cluster: ClusterState | ClusterInput, options: PlacementOptions = {}): PlacementResult[] {
  const state = cluster instanceof ClusterState ? cluster : ClusterState.from(cluster);
  return pods.map((pod) => state.placeAndAssume(pod, options));
}

/** Places one pod against a snapshot without changing it. */
export function placePod(pod: KubeObject, cluster: ClusterState | ClusterInput, options: PlacementOptions = {}): PlacementResult {
  const state = cluster instanceof ClusterState ? cluster : ClusterState.from(cluster);
  return state.place(pod, options);
}

