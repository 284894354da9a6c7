// The plan of a drain: for each pod on the nodes to drain, what the drain does with it (kubectl's filters),
// whether a PodDisruptionBudget lets it go, where its replacement lands (the shared scheduler placement),
// and what can go wrong, before anything changes. A pure function of a snapshot: the same plan for a live
// cluster, a backup and the sandbox.
//
// The simulation is the end state of draining every target together, as cluster-autoscaler simulates a
// scale-down: all targets are cordoned first, every removed pod leaves at once, and the replacements are
// placed one after another (higher priority first), each seeing the ones placed before it. Budgets are
// spent across the whole plan: each eviction of a covered, healthy pod uses one disruption.

import type { KubeObject, OwnerReference } from '../object.ts';
import { ClusterState, asPending, compilePod, nodeMatchesPodNodeSelection, toleratesAny, type PlacementOptions } from '../placement.ts';
import { budgetSelector, controllerScale, evaluateBudget, isPodReady, lookupFromObjects, type BudgetEvaluation, type ControllerLookup } from '../disruption.ts';
import { matchesLabels, type LabelSelector } from '../selectors.ts';
import { controllerRef, filterPods, hasEmptyDir, isFinished, type DaemonSetExists, type DrainFilterOptions, type PodKind } from './filters.ts';

export interface ClusterSnapshot {
  nodes: readonly KubeObject[];
  pods: readonly KubeObject[];
  pdbs?: readonly KubeObject[];
  /** DaemonSets, ReplicaSets, Deployments, StatefulSets, ReplicationControllers, Jobs: budgets, templates, replica counts */
  workloads?: readonly KubeObject[];
  pvcs?: readonly KubeObject[];
  pvs?: readonly KubeObject[];
  /** for namespaceSelector in pod affinity terms */
  namespaces?: readonly KubeObject[];
}

export interface DrainPlanOptions extends DrainFilterOptions {
  /** --pod-selector, parsed: pods it does not select are not looked at (kubectl's list leaves them out) */
  podSelector?: LabelSelector;
  /** --disable-eviction: pods are DELETEd, so budgets do not hold anything up */
  disableEviction?: boolean;
  /**
   * Whether the pod's DaemonSet exists (kubectl's GET). Default: looked up in `workloads`; when the snapshot
   * has no workloads at all, every DaemonSet is taken to exist.
   */
  daemonSetExists?: DaemonSetExists;
  /** how many nodes the placement scores per pod; default 'adaptive', as kube-scheduler */
  nodesToScore?: PlacementOptions['nodesToScore'];
}

export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';
export const MULTIPLE_BUDGETS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
export const BUDGET_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

export type PlanAction = 'evict' | 'delete' | 'skip' | 'blocked';

export type RiskKind = 'emptydir-data-lost' | 'bare-pod-deleted' | 'pinned-to-node' | 'returns-to-node' | 'local-volume' | 'workload-down';

export interface Risk {
  kind: RiskKind;
  message: string;
}

export interface PlannedPod {
  namespace: string;
  name: string;
  /** ns/name */
  ref: string;
  /** the drained node it is on */
  node: string;
  action: PlanAction;
  kind: PodKind;
  /** why it stays (skip) or cannot go (blocked) */
  reason?: string;
  /** the warning kubectl prints for it */
  warning?: string;
  /**
   * What takes its place: 'placed' on `to`, 'pending' (stays Pending, `pending` says why), or 'none' (stays
   * put, is gone for good, finished, or is already being replaced)
   */
  replacement: 'placed' | 'pending' | 'none';
  to?: string;
  pending?: string;
  /** the budget covering it, namespace/name */
  budget?: string;
  /** evicted only once earlier evictions' replacements are Ready: the budget allows fewer at once */
  waitsForBudget?: boolean;
  risks: Risk[];
}

export interface NodePlan {
  name: string;
  found: boolean;
  /** cordoned before the plan */
  wasCordoned: boolean;
  /** kubectl's error for this node (filters), with which it evicts nothing there */
  error?: string;
  /** what kubectl prints after "Warning: " */
  warning?: string;
  /** pods --pod-selector leaves out */
  unselected: number;
}

export interface BudgetPlan {
  namespace: string;
  name: string;
  ref: string;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  /** evictions of covered pods in this plan that use a disruption */
  evictions: number;
  /** how many of them may go right away */
  allowedNow: number;
  /** ok: all at once; waits: the rest follow as replacements become Ready; blocks: some never go */
  verdict: 'ok' | 'waits' | 'blocks';
  reason?: string;
}

export interface DrainPlan {
  nodes: NodePlan[];
  pods: PlannedPod[];
  budgets: BudgetPlan[];
  verdict: 'safe' | 'unsafe';
  /** replacements that stay Pending, with the scheduler's message */
  pending: { ref: string; reason: string }[];
  /** what stops the drain: kubectl filter errors, missing nodes, and blocked pods with the budget's reason */
  blocking: { ref: string; reason: string }[];
  risks: (Risk & { ref: string })[];
}

const UNSCHEDULABLE_TAINT = { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' };

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * One namespace's pods, with an index by the value of a label built on first use for that label: a budget
 * selecting app=web then looks at the web pods, not at every pod of the namespace.
 */
class NamespacePods {
  readonly pods: KubeObject[] = [];
  private readonly byLabel = new Map<string, Map<string, KubeObject[]>>();

  /** The pods the selector matches, in list order. */
  matching(selector: LabelSelector): KubeObject[] {
    if (selector.kind === 'nothing') return [];
    const equality = selector.requirements.find((r) => (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1);
    const candidates = equality ? this.withLabel(equality.key, equality.values[0]) : this.pods;
    return candidates.filter((pod) => matchesLabels(selector, pod.metadata.labels));
  }

  private withLabel(key: string, value: string): KubeObject[] {
    let index = this.byLabel.get(key);
    if (!index) {
      index = new Map();
      for (const pod of this.pods) {
        const labels = pod.metadata.labels;
        if (!labels || !Object.hasOwn(labels, key)) continue;
        const list = index.get(labels[key]);
        if (list) list.push(pod);
        else index.set(labels[key], [pod]);
      }
      this.byLabel.set(key, index);
    }
    return index.get(value) ?? [];
  }
}

/** A budget's running account while the plan spends it. */
interface BudgetAccount {
  pdb: KubeObject;
  ref: string;
  evaluation: BudgetEvaluation;
  allowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  evictions: number;
  allowedNow: number;
  /** pods that used a disruption: their replacements bring the budget back */
  spentOn: PlannedPod[];
  waiting: PlannedPod[];
  blocked: PlannedPod[];
}

function budgetReason(account: BudgetAccount): string {
  return `The disruption budget ${account.pdb.metadata.name} needs ${account.desiredHealthy} healthy pods and has ${account.currentHealthy} currently`;
}

/** Pods the eviction API removes without asking any budget (upstream canIgnorePDB). */
function ignoresBudgets(pod: KubeObject): boolean {
  return isFinished(pod) || pod.status?.phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

function workloadName(ref: OwnerReference, namespace: string, lookup: ControllerLookup | undefined): string {
  if (lookup && ref.kind === 'ReplicaSet') {
    const rs = lookup.get(ref.apiVersion, ref.kind, namespace, ref.name);
    const owner = rs ? controllerRef(rs) : undefined;
    if (owner?.kind === 'Deployment') return `Deployment ${owner.name}`;
  }
  return `${ref.kind} ${ref.name}`;
}

/** The template's spec.nodeName: its pods bind there directly, past the scheduler and the cordon. */
function templateNodeName(ref: OwnerReference, namespace: string, lookup: ControllerLookup | undefined): string | undefined {
  const owner = lookup?.get(ref.apiVersion, ref.kind, namespace, ref.name);
  return owner?.spec?.template?.spec?.nodeName || undefined;
}

/** Terms ORed within, ANDed across: the cross product with each pair's expressions concatenated. */
function andTerms(a: any[] | undefined, b: any[]): any[] {
  if (!a || a.length === 0) return b;
  const terms: any[] = [];
  for (const x of a) {
    for (const y of b) {
      terms.push({
        matchExpressions: [...(x.matchExpressions ?? []), ...(y.matchExpressions ?? [])],
        matchFields: [...(x.matchFields ?? []), ...(y.matchFields ?? [])],
      });
    }
  }
  return terms;
}

interface VolumeFacts {
  /** the PV's required node terms, which the replacement must meet too */
  nodeTerms?: any[];
  risks: Risk[];
}

function volumeFacts(pod: KubeObject, nodeName: string, claims: Map<string, KubeObject>, volumes: Map<string, KubeObject>, nodeInfo: (name: string) => ReturnType<ClusterState['node']>): VolumeFacts {
  const facts: VolumeFacts = { risks: [] };
  const owner = controllerRef(pod);
  const who = owner?.kind === 'StatefulSet' ? 'StatefulSet pod' : 'pod';
  const namespace = pod.metadata.namespace ?? '';
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume?.hostPath) {
      facts.risks.push({ kind: 'local-volume', message: `${who} uses hostPath ${volume.hostPath.path ?? ''} (volume ${volume.name}): its data stays on ${nodeName}` });
      continue;
    }
    const claimName = volume?.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const claim = claims.get(key(namespace, claimName));
    const pv = claim?.spec?.volumeName ? volumes.get(claim.spec.volumeName) : undefined;
    if (!pv) continue;
    const required = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
    const kind = pv.spec?.local ? 'local' : pv.spec?.hostPath ? 'hostPath' : undefined;
    if (required && required.length > 0) {
      facts.nodeTerms = andTerms(facts.nodeTerms, required);
      const node = nodeInfo(nodeName);
      const bound = node && nodeMatchesPodNodeSelection(compilePod({ metadata: { name: 'pv' }, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: required } } } } }), node);
      if (bound || kind) {
        facts.risks.push({
          kind: 'local-volume',
          message: `${who} uses ${kind ?? 'node-bound'} PersistentVolume ${pv.metadata.name} (claim ${claimName}) on ${nodeName}: its replacement can only run where the volume is`,
        });
      }
    } else if (kind) {
      facts.risks.push({ kind: 'local-volume', message: `${who} uses ${kind} PersistentVolume ${pv.metadata.name} (claim ${claimName}): its data stays on ${nodeName}` });
    }
  }
  return facts;
}

/** The pod its controller will create instead, as the scheduler sees it. */
function replacementOf(pod: KubeObject, extraNodeTerms: any[] | undefined): KubeObject {
  const pending = asPending(pod);
  if (!extraNodeTerms) return pending;
  const affinity = pending.spec?.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  const own = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return {
    ...pending,
    spec: {
      ...pending.spec,
      affinity: { ...affinity, nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: andTerms(own, extraNodeTerms) } } },
    },
  };
}

/** Plans draining `targets` (node names) in `snapshot`. `now` dates budgets' disruptedPods and --skip-wait-for-delete-timeout. */
export function planDrain(snapshot: ClusterSnapshot, targets: readonly string[], options: DrainPlanOptions, now: Date): DrainPlan {
  const targetSet = new Set(targets);
  const lookup = snapshot.workloads ? lookupFromObjects(snapshot.workloads) : undefined;
  const daemonSetExists: DaemonSetExists =
    options.daemonSetExists ?? (lookup ? (namespace, name) => lookup.get('apps/v1', 'DaemonSet', namespace, name) !== undefined : () => true);

  // one pass over all pods: the targets' pods, pods per namespace (budgets), live pods per controller
  const podsOnTargets = new Map<string, KubeObject[]>();
  for (const name of targets) podsOnTargets.set(name, []);
  const podsByNamespace = new Map<string, NamespacePods>();
  const livePodsByController = new Map<string, number>();
  for (const pod of snapshot.pods) {
    const namespace = pod.metadata.namespace ?? '';
    let inNamespace = podsByNamespace.get(namespace);
    if (!inNamespace) podsByNamespace.set(namespace, (inNamespace = new NamespacePods()));
    inNamespace.pods.push(pod);
    const on = pod.spec?.nodeName;
    if (on && targetSet.has(on)) podsOnTargets.get(on)!.push(pod);
    const owner = controllerRef(pod);
    if (owner && !isFinished(pod) && !pod.metadata.deletionTimestamp) livePodsByController.set(owner.uid, (livePodsByController.get(owner.uid) ?? 0) + 1);
  }

  const nodeObjects = new Map<string, KubeObject>();
  for (const node of snapshot.nodes) nodeObjects.set(node.metadata.name ?? '', node);
  const nodes: NodePlan[] = [];
  for (const name of targets) {
    const node = nodeObjects.get(name);
    nodes.push({ name, found: !!node, wasCordoned: !!node?.spec?.unschedulable, unselected: 0 });
  }

  const pdbsByNamespace = new Map<string, { pdb: KubeObject; selector: LabelSelector }[]>();
  for (const pdb of snapshot.pdbs ?? []) {
    let selector: LabelSelector;
    try {
      selector = budgetSelector(pdb);
    } catch {
      continue;
    }
    const namespace = pdb.metadata.namespace ?? '';
    let list = pdbsByNamespace.get(namespace);
    if (!list) pdbsByNamespace.set(namespace, (list = []));
    list.push({ pdb, selector });
  }
  const accounts = new Map<string, BudgetAccount>();
  const accountFor = (pdb: KubeObject, selector: LabelSelector): BudgetAccount => {
    const ref = key(pdb.metadata.namespace ?? '', pdb.metadata.name ?? '');
    let account = accounts.get(ref);
    if (account) return account;
    const covered = podsByNamespace.get(pdb.metadata.namespace ?? '')?.matching(selector) ?? [];
    const evaluation = evaluateBudget(pdb, covered, lookup ?? lookupFromObjects([]), now);
    const status = evaluation.status;
    account = {
      pdb,
      ref,
      evaluation,
      allowed: status.disruptionsAllowed,
      currentHealthy: status.currentHealthy ?? 0,
      desiredHealthy: status.desiredHealthy ?? 0,
      evictions: 0,
      allowedNow: 0,
      spentOn: [],
      waiting: [],
      blocked: [],
    };
    accounts.set(ref, account);
    return account;
  };

  const planned: PlannedPod[] = [];
  const leaving: { plan: PlannedPod; pod: KubeObject }[] = [];
  const blocking: DrainPlan['blocking'] = [];
  for (const nodePlan of nodes) {
    if (!nodePlan.found) {
      blocking.push({ ref: `node/${nodePlan.name}`, reason: `nodes "${nodePlan.name}" not found` });
      continue;
    }
    let pods = podsOnTargets.get(nodePlan.name) ?? [];
    if (options.podSelector) {
      const selected = pods.filter((pod) => matchesLabels(options.podSelector!, pod.metadata.labels));
      nodePlan.unselected = pods.length - selected.length;
      pods = selected;
    }
    const filtered = filterPods(pods, options, daemonSetExists, now);
    if (filtered.error) {
      nodePlan.error = filtered.error;
      blocking.push({ ref: `node/${nodePlan.name}`, reason: filtered.error });
    }
    if (filtered.warningText) nodePlan.warning = filtered.warningText;
    for (const decision of filtered.pods) {
      const pod = decision.pod;
      const plan: PlannedPod = {
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        ref: decision.ref,
        node: nodePlan.name,
        action: decision.action === 'skip' ? 'skip' : options.disableEviction ? 'delete' : 'evict',
        kind: decision.kind,
        replacement: 'none',
        risks: [],
      };
      if (decision.warning) plan.warning = decision.warning;
      planned.push(plan);
      if (decision.error) {
        plan.action = 'blocked';
        plan.reason = decision.error;
        continue;
      }
      if (decision.action === 'skip') {
        plan.reason = decision.kind === 'daemonset' ? 'DaemonSet-managed' : decision.kind === 'mirror' ? 'mirror pod' : decision.kind === 'deleted-long-ago' ? `deleted more than ${options.skipWaitForDeleteTimeoutSeconds}s ago` : decision.kind;
        continue;
      }
      if (plan.action === 'evict' && !ignoresBudgets(pod)) {
        const matching = (pdbsByNamespace.get(plan.namespace) ?? []).filter((entry) => matchesLabels(entry.selector, pod.metadata.labels));
        if (matching.length > 1) {
          plan.action = 'blocked';
          plan.reason = MULTIPLE_BUDGETS;
          continue;
        }
        if (matching.length === 1) {
          const account = accountFor(matching[0].pdb, matching[0].selector);
          plan.budget = account.ref;
          const policy = account.pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
          const ready = isPodReady(pod);
          const unhealthyMayGo = !ready && (policy === 'AlwaysAllow' || (account.currentHealthy >= account.desiredHealthy && account.desiredHealthy > 0));
          if (!unhealthyMayGo) {
            account.evictions++;
            if (account.evaluation.error) {
              plan.action = 'blocked';
              plan.reason = `${BUDGET_VIOLATION} (${account.evaluation.error})`;
              account.blocked.push(plan);
              continue;
            }
            if (account.allowed <= 0) {
              if (account.spentOn.length === 0) {
                // nothing this drain does gives the budget a disruption back
                plan.action = 'blocked';
                plan.reason = budgetReason(account);
                account.blocked.push(plan);
                continue;
              }
              plan.waitsForBudget = true;
              account.waiting.push(plan);
            } else {
              account.allowed--;
              account.allowedNow++;
              if (ready) account.currentHealthy--;
              account.spentOn.push(plan);
            }
          }
        }
      }
      leaving.push({ plan, pod });
    }
  }

  // everything that leaves goes at once (the state is built without those pods: 10% of the cluster's pods when
  // 500 of 5,000 nodes are drained, not worth compiling only to take them out again); every target is cordoned
  // before anything moves, so nothing lands on a node about to be drained; then replacements are placed,
  // higher priority first
  const leavingPods = new Set(leaving.map(({ pod }) => pod));
  const state = ClusterState.from({ nodes: snapshot.nodes, pods: leavingPods.size > 0 ? snapshot.pods.filter((pod) => !leavingPods.has(pod)) : snapshot.pods, namespaces: snapshot.namespaces });
  for (const name of targets) {
    const info = state.node(name);
    if (info && !info.unschedulable) state.setNode({ ...info.object, spec: { ...info.object.spec, unschedulable: true } });
  }
  const claims = new Map<string, KubeObject>();
  for (const claim of snapshot.pvcs ?? []) claims.set(key(claim.metadata.namespace ?? '', claim.metadata.name ?? ''), claim);
  const volumes = new Map<string, KubeObject>();
  for (const pv of snapshot.pvs ?? []) volumes.set(pv.metadata.name ?? '', pv);

  const toPlace: { plan: PlannedPod; pod: KubeObject; replacement: KubeObject; volumeTerms: boolean; priority: number; order: number }[] = [];
  const evictedByController = new Map<string, { count: number; owner: OwnerReference; plans: PlannedPod[] }>();
  for (const { plan, pod } of leaving) {
    const owner = controllerRef(pod);
    if (hasEmptyDir(pod) && !isFinished(pod)) {
      plan.risks.push({ kind: 'emptydir-data-lost', message: 'emptyDir data is lost' });
    }
    if (plan.kind === 'bare') plan.risks.push({ kind: 'bare-pod-deleted', message: 'no controller: the pod is gone for good' });
    if (plan.kind === 'orphaned-daemonset') plan.risks.push({ kind: 'bare-pod-deleted', message: 'its DaemonSet is gone: the pod is not recreated' });
    if (plan.kind !== 'managed' && plan.kind !== 'emptydir') continue;
    if (!owner || owner.kind === 'DaemonSet') continue;
    if (pod.metadata.deletionTimestamp) continue; // already terminating: its controller has replaced it
    const entry = evictedByController.get(owner.uid);
    if (entry) {
      entry.count++;
      entry.plans.push(plan);
    } else {
      evictedByController.set(owner.uid, { count: 1, owner, plans: [plan] });
    }
    const volumeInfo = volumeFacts(pod, plan.node, claims, volumes, (name) => state.node(name));
    plan.risks.push(...volumeInfo.risks);
    toPlace.push({ plan, pod, replacement: replacementOf(pod, volumeInfo.nodeTerms), volumeTerms: !!volumeInfo.nodeTerms, priority: typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0, order: toPlace.length });
  }
  toPlace.sort((a, b) => b.priority - a.priority || a.order - b.order);

  const placementOptions: PlacementOptions = { nodesToScore: options.nodesToScore ?? 'adaptive' };
  for (const { plan, pod, replacement, volumeTerms } of toPlace) {
    const owner = controllerRef(replacement)!;
    const info = compilePod(replacement);
    const pinnedTo = templateNodeName(owner, plan.namespace, lookup);
    if (pinnedTo) {
      // bound by name: no scheduler, no cordon
      state.addPod(info, pinnedTo);
      plan.replacement = 'placed';
      plan.to = pinnedTo;
      plan.risks.push({
        kind: 'pinned-to-node',
        message: targetSet.has(pinnedTo) ? `its template sets spec.nodeName ${pinnedTo}: the replacement comes straight back to the drained node` : `its template sets spec.nodeName ${pinnedTo}`,
      });
      continue;
    }
    const result = state.placeAndAssume(info, placementOptions);
    if (result.fits) {
      plan.replacement = 'placed';
      plan.to = result.nodeName;
    } else {
      plan.replacement = 'pending';
      plan.pending = result.message;
    }
    const tolerates = toleratesAny(info.tolerations, UNSCHEDULABLE_TAINT);
    if (tolerates) {
      plan.risks.push({
        kind: 'returns-to-node',
        message: result.fits && targetSet.has(result.nodeName) ? `tolerates ${UNSCHEDULABLE_TAINT_KEY}: the replacement lands back on ${result.nodeName}` : `tolerates ${UNSCHEDULABLE_TAINT_KEY}: replacements may be scheduled onto the cordoned node`,
      });
    }
    if (!result.fits || targetSet.has(result.nodeName)) {
      // the pod's own selection, without the terms its volumes add (those are a local-volume risk)
      const own = volumeTerms ? compilePod(asPending(pod)) : info;
      const pinned = (own.nodeSelector || own.requiredNodeTerms) && !state.allNodes().some((node) => !targetSet.has(node.name) && nodeMatchesPodNodeSelection(own, node));
      if (pinned) plan.risks.push({ kind: 'pinned-to-node', message: 'its node selector/affinity matches only drained nodes' });
    }
  }

  for (const { count, owner, plans } of evictedByController.values()) {
    const live = livePodsByController.get(owner.uid) ?? count;
    if (count < live) continue;
    // a budget that holds some of them back lets them go a few at a time: the workload stays up
    if (plans.some((plan) => plan.waitsForBudget)) continue;
    const namespace = plans[0].namespace;
    const name = workloadName(owner, namespace, lookup);
    let replicas: number | undefined;
    try {
      replicas = lookup ? controllerScale(owner, namespace, lookup)?.replicas : undefined;
    } catch {
      replicas = undefined;
    }
    const message =
      live === 1 && (replicas === undefined || replicas <= 1)
        ? `${name} has a single replica: it is down until the replacement is Ready`
        : `all ${live} pods of ${name} are on drained nodes: it is down until replacements are Ready`;
    for (const plan of plans) plan.risks.push({ kind: 'workload-down', message });
  }

  // a budget spent on pods that never come back never allows the waiting ones
  for (const account of accounts.values()) {
    if (account.waiting.length === 0) continue;
    const recovers = account.spentOn.some((plan) => plan.replacement === 'placed');
    if (recovers) continue;
    for (const plan of account.waiting) {
      plan.action = 'blocked';
      plan.waitsForBudget = undefined;
      plan.reason = `${budgetReason(account)} (the evicted pods' replacements stay Pending)`;
      account.blocked.push(plan);
    }
    account.waiting = [];
  }

  const budgets: BudgetPlan[] = [...accounts.values()].map((account) => {
    const status = account.evaluation.status;
    const plan: BudgetPlan = {
      namespace: account.pdb.metadata.namespace ?? '',
      name: account.pdb.metadata.name ?? '',
      ref: account.ref,
      disruptionsAllowed: status.disruptionsAllowed,
      currentHealthy: status.currentHealthy ?? 0,
      desiredHealthy: status.desiredHealthy ?? 0,
      expectedPods: status.expectedPods ?? 0,
      evictions: account.evictions,
      allowedNow: account.allowedNow,
      verdict: account.blocked.length > 0 ? 'blocks' : account.waiting.length > 0 ? 'waits' : 'ok',
    };
    if (account.blocked.length > 0) plan.reason = account.blocked[0].reason;
    else if (account.waiting.length > 0) plan.reason = `allows ${account.allowedNow} eviction(s) at once; ${account.waiting.length} wait for replacements to be Ready`;
    return plan;
  });
  budgets.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));

  for (const plan of planned) {
    if (plan.action === 'blocked') blocking.push({ ref: plan.ref, reason: plan.reason ?? '' });
    // a blocked pod stays where it is
    if (plan.action === 'blocked') {
      plan.replacement = 'none';
      plan.to = undefined;
      plan.pending = undefined;
    }
  }
  const pending = planned.filter((plan) => plan.replacement === 'pending').map((plan) => ({ ref: plan.ref, reason: plan.pending ?? '' }));
  const risks = planned.flatMap((plan) => plan.risks.map((risk) => ({ ...risk, ref: plan.ref })));
  return { nodes, pods: planned, budgets, verdict: pending.length === 0 && blocking.length === 0 ? 'safe' : 'unsafe', pending, blocking, risks };
}
