// The sandbox's node lifecycle controller, with upstream's timings: a node whose Lease has not been renewed for
// 40 s goes Unknown ("Kubelet stopped posting node status."), its pods stop being Ready, it gets the
// unreachable taints (not-ready ones when the kubelet reports NotReady), and pods that do not tolerate a
// NoExecute taint are evicted — at once, or after their tolerationSeconds (300 s from DefaultTolerationSeconds).
// The taints go once the node is Ready again.
//
// Monitored nodes are those with a kubelet: simulated ones and any whose Lease was seen. Nodes written as
// plain fixtures (no kubelet at all) are left as they are, so tests that only need a Ready node keep it.

import type { KubeObject } from '../../domain/object.ts';
import { toleratesTaint, type Taint, type Toleration } from '../../domain/placement.ts';
import { ApiError } from '../apiserver/status.ts';
import type { StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { onChange, PodsByNode, splitKey, WorkQueue } from './runtime.ts';

export interface NodeLifecycleOptions {
  /** simulated ms without a Lease renewal before a node is Unknown (--node-monitor-grace-period, 40 s) */
  gracePeriodMs?: number;
  /** how often nodes are checked (--node-monitor-period, 5 s) */
  monitorPeriodMs?: number;
}

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
/** a cordoned node carries this taint, as upstream's TaintNodeByCondition adds it */
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const LEASE_NAMESPACE = 'kube-node-lease';
const SIMULATED = 'sandbox.kmaint.io/simulated';
const CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
const SOURCE = { component: 'node-controller' };



interface NodeHealth {
  /** simulated ms of the last observed Lease renewal (or of first sight) */
  lastRenew: number;
  monitored: boolean;
  ready?: string;
  /** NoExecute taints in force, for pods that arrive later */
  noExecute: Taint[];
}


/**
 * When a pod on a node with these NoExecute taints goes: 0 = now, -1 = never, else after that many ms
 * (upstream's getMinTolerationTime over the tolerations used).
 */
export function evictionDelayMs(tolerations: Toleration[], taints: Taint[]): number {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return 0;
    used.push(...matching);
  }
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/** The lifecycle taints a node's Ready condition calls for. */
export function taintsForReady(ready: string | undefined): Array<{ key: string; effect: string }> {
  if (ready === 'Unknown') return [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' }];
  if (ready === 'False') return [{ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' }];
  return [];
}

function lifecycleTaints(ready: string | undefined, unschedulable: boolean): Array<{ key: string; effect: string }> {
  const taints = taintsForReady(ready);
  if (unschedulable) taints.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

class NodeLifecycle {
  private readonly health = new Map<string, NodeHealth>();
  private readonly podsByNode = new PodsByNode();
  /** scheduled evictions: pod key -> due time and cancel */
  private readonly evictions = new Map<string, { at: number; node: string; cancel: () => void }>();
  private readonly queue: WorkQueue;
  private readonly stops: Array<() => void> = [];
  private readonly grace: number;
  private readonly period: number;

  constructor(
    private readonly ctx: ClusterContext,
    options: NodeLifecycleOptions,
  ) {
    this.grace = options.gracePeriodMs ?? 40_000;
    this.period = options.monitorPeriodMs ?? 5_000;
    this.queue = new WorkQueue(ctx, 'node-lifecycle', (name) => this.reconcile(name));
  }

  start(): Stop {
    const { types, service } = this.ctx;
    this.stops.push(onChange(this.ctx, types.leases, (event) => this.onLease(event)));
    this.stops.push(
      onChange(this.ctx, types.nodes, (event) => {
        const name = event.entry.name;
        if (event.type === 'DELETED') {
          this.health.delete(name);
          for (const key of this.podsByNode.get(name) ?? []) this.cancelEviction(key);
          return;
        }
        this.healthOf(name);
        this.queue.add(name);
      }),
    );
    this.stops.push(onChange(this.ctx, types.pods, (event) => this.onPod(event)));
    for (const entry of service.store.list('core/pods').entries) this.podsByNode.move(`${entry.namespace}/${entry.name}`, '', entry.fields['spec.nodeName'] ?? '');
    for (const entry of service.store.list('core/nodes').entries) {
      this.healthOf(entry.name);
      this.queue.add(entry.name);
    }
    for (const entry of service.store.list(`coordination.k8s.io/leases`, { namespace: LEASE_NAMESPACE }).entries) this.healthOf(entry.name).monitored = true;
    this.stops.push(this.ctx.clock.every(this.period, () => this.monitor()));
    return () => {
      for (const stop of this.stops) stop();
      this.queue.stop();
      for (const eviction of this.evictions.values()) eviction.cancel();
      this.evictions.clear();
    };
  }

  private healthOf(name: string): NodeHealth {
    let health = this.health.get(name);
    if (!health) this.health.set(name, (health = { lastRenew: this.ctx.clock.nowMs(), monitored: false, noExecute: [] }));
    return health;
  }

  private onLease(event: StoreEvent): void {
    if (event.entry.namespace !== LEASE_NAMESPACE || event.type === 'DELETED') return;
    // as upstream, the time the renewal was observed counts, not the time the kubelet wrote into it
    const health = this.healthOf(event.entry.name);
    health.lastRenew = this.ctx.clock.nowMs();
    if (!health.monitored || health.ready === 'Unknown') {
      health.monitored = true;
      this.queue.add(event.entry.name);
    }
  }

  private onPod(event: StoreEvent): void {
    const key = `${event.entry.namespace}/${event.entry.name}`;
    const node = event.type === 'DELETED' ? '' : (event.entry.fields['spec.nodeName'] ?? '');
    this.podsByNode.move(key, event.previous?.fields['spec.nodeName'] ?? '', node);
    if (event.type === 'DELETED') {
      this.cancelEviction(key);
      return;
    }
    // a pod arriving on (or changing on) a node with NoExecute taints is judged against them
    if (node && (this.health.get(node)?.noExecute.length ?? 0) > 0) this.queue.add(node);
  }

  private monitor(): void {
    const now = this.ctx.clock.nowMs();
    for (const [name, health] of this.health) {
      if (health.monitored && health.ready !== 'Unknown' && now - health.lastRenew > this.grace) this.queue.add(name);
    }
  }

  private reconcile(name: string): void {
    const { service, types } = this.ctx;
    let node = service.find(types.nodes, '', name);
    if (!node) return;
    const health = this.healthOf(name);
    if (node.metadata.annotations?.[SIMULATED] === 'true') health.monitored = true;
    const now = this.ctx.clock.nowMs();
    const previous = health.ready;
    let ready = readyStatus(node);
    if (health.monitored && ready !== 'Unknown' && now - health.lastRenew > this.grace) {
      node = this.markUnknown(node, now);
      ready = 'Unknown';
      this.markPodsNotReady(name);
    }
    health.ready = ready;
    if (previous !== undefined && previous === 'True' && ready !== 'True') {
      this.ctx.events.record(nodeRef(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, SOURCE);
    }
    node = this.applyTaints(node, ready, now);
    health.noExecute = ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute');
    this.judgePods(name, health.noExecute, now);
  }

  /** Every condition Unknown, as upstream's tryUpdateNodeHealth writes it. */
  private markUnknown(node: KubeObject, now: number): KubeObject {
    const conditions: any[] = [...(node.status?.conditions ?? [])];
    for (const type of CONDITION_TYPES) {
      const at = conditions.findIndex((c) => c?.type === type);
      if (at < 0) {
        conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: timestamp(now) });
      } else if (conditions[at].status !== 'Unknown') {
        conditions[at] = { ...conditions[at], status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: timestamp(now) };
      }
    }
    return this.ctx.service.update(this.ctx.types.nodes, '', node.metadata.name as string, { ...node, status: { ...node.status, conditions } }, { subresource: 'status' });
  }

  /** Upstream's MarkPodsNotReady: the pods' Ready condition goes False; the kubelet sets it again when back. */
  private markPodsNotReady(nodeName: string): void {
    const { service, types } = this.ctx;
    for (const key of this.podsByNode.get(nodeName) ?? []) {
      const { namespace, name } = splitKey(key);
      const pod = service.find(types.pods, namespace, name);
      const conditions: any[] = pod?.status?.conditions ?? [];
      const at = conditions.findIndex((c) => c?.type === 'Ready');
      if (!pod || at < 0 || conditions[at].status === 'False') continue;
      const next = [...conditions];
      next[at] = { ...next[at], status: 'False', lastTransitionTime: timestamp(this.ctx.clock.nowMs()) };
      try {
        service.update(types.pods, namespace, name, { ...pod, status: { ...pod.status, conditions: next } }, { subresource: 'status' });
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
  }

  /** Keeps the lifecycle taints in line with the Ready condition and cordoning; other taints are left alone. */
  private applyTaints(node: KubeObject, ready: string | undefined, now: number): KubeObject {
    const current: Taint[] = node.spec?.taints ?? [];
    const lifecycle = (t: Taint): boolean => t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY || t.key === TAINT_UNSCHEDULABLE;
    const wanted = lifecycleTaints(ready, node.spec?.unschedulable === true);
    const kept = current.filter((t) => !lifecycle(t));
    const next: Taint[] = [...kept];
    for (const want of wanted) {
      const existing = current.find((t) => t.key === want.key && t.effect === want.effect);
      next.push(existing ?? (want.effect === 'NoExecute' ? { ...want, timeAdded: timestamp(now) } : { ...want }));
    }
    const same = next.length === current.length && next.every((t) => current.some((c) => c.key === t.key && c.effect === t.effect));
    if (same) return node;
    const spec = { ...node.spec, taints: next.length > 0 ? next : undefined };
    if (!spec.taints) delete spec.taints;
    return this.ctx.service.update(this.ctx.types.nodes, '', node.metadata.name as string, { ...node, spec });
  }

  /** Evicts the pods that do not tolerate the NoExecute taints, now or once their tolerationSeconds pass. */
  private judgePods(nodeName: string, taints: Taint[], now: number): void {
    const keys = this.podsByNode.get(nodeName) ?? new Set<string>();
    if (taints.length === 0) {
      for (const key of keys) this.cancelEviction(key);
      return;
    }
    const since = Math.max(...taints.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : now)));
    for (const key of keys) {
      const { namespace, name } = splitKey(key);
      const pod = this.ctx.service.find(this.ctx.types.pods, namespace, name);
      if (!pod || pod.metadata.deletionTimestamp) {
        this.cancelEviction(key);
        continue;
      }
      const delay = evictionDelayMs(pod.spec?.tolerations ?? [], taints);
      if (delay < 0) {
        this.cancelEviction(key);
        continue;
      }
      const at = since + delay;
      const scheduled = this.evictions.get(key);
      if (scheduled && scheduled.at === at) continue;
      scheduled?.cancel();
      const cancel = this.ctx.clock.after(Math.max(0, at - now), () => {
        this.evictions.delete(key);
        this.evict(nodeName, key, pod.metadata.uid as string);
      });
      this.evictions.set(key, { at, node: nodeName, cancel });
    }
  }

  private cancelEviction(key: string): void {
    const scheduled = this.evictions.get(key);
    if (!scheduled) return;
    scheduled.cancel();
    this.evictions.delete(key);
  }

  private evict(nodeName: string, key: string, uid: string): void {
    const { service, types } = this.ctx;
    const { namespace, name } = splitKey(key);
    const pod = service.find(types.pods, namespace, name);
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || pod.spec?.nodeName !== nodeName) return;
    // still tainted? (the node may have recovered between scheduling and now)
    const taints = this.health.get(nodeName)?.noExecute ?? [];
    if (taints.length === 0 || evictionDelayMs(pod.spec?.tolerations ?? [], taints) < 0) return;
    this.ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`, { component: 'taint-eviction-controller' });
    try {
      const conditions = (pod.status?.conditions ?? []).filter((c: any) => c?.type !== 'DisruptionTarget');
      conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastProbeTime: null, lastTransitionTime: timestamp(this.ctx.clock.nowMs()) });
      service.update(types.pods, namespace, name, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
      service.delete(types.pods, namespace, name, { preconditions: { uid } });
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}

function readyStatus(node: KubeObject): string | undefined {
  return (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status;
}

/** Node events name the node by name in the uid, as upstream's recorders do (kubectl describe node finds them so). */
function nodeRef(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } };
}

export function startNodeLifecycle(ctx: ClusterContext, options: NodeLifecycleOptions = {}): Stop {
  return new NodeLifecycle(ctx, options).start();
}
