// Simulated kubelets: one per Node annotated sandbox.kmaint.io/simulated=true, all run by one fleet so that
// 5,000 nodes cost one clock tick a simulated second, not 5,000 timers. Each node renews its Lease every 10 s,
// posts its status when it changes (else every 5 min, as upstream), and runs the pods bound to it through
// ContainerCreating, Running, CrashLoopBackOff, ImagePullBackOff, completion and graceful termination, with
// container logs and metrics. Rehearsals (stop, start, reboot) are node annotations, set through the API.

import type { KubeObject } from '../../domain/object.ts';
import { ApiError } from '../apiserver/status.ts';
import { parseEntry, type StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from '../controllers/context.ts';
import type { Stop } from '../controllers/index.ts';
import { onChange, PodsByNode, splitKey, WorkQueue } from '../controllers/runtime.ts';
import {
  CONFIG_MIRROR,
  CRASH_LOOP,
  EXIT_CODE,
  IMAGE_PULL_ERROR,
  imageSize,
  isTrue,
  KUBELET_STATE,
  LOG_RATE,
  normalizeImage,
  numberAnnotation,
  REBOOT,
  RUN_SECONDS,
  SIMULATED,
  STOP_SECONDS,
  STUCK_TERMINATING,
} from './annotations.ts';
import {
  buildNodeStatus,
  internalIpOf,
  LEASE_NAMESPACE,
  newBootId,
  nodeBaseUsage,
  nodeIdentity,
  nodeLease,
  podCidrFor,
  podIpIn,
  statusFingerprint,
  type NodeIdentity,
} from './node.ts';
import {
  buildPodStatus,
  containersOf,
  formatCpu,
  formatMemory,
  initContainersOf,
  logLine,
  podUsage,
  readinessDelays,
  type PodRuntime,
  type Usage,
} from './pods.ts';

export interface KubeletOptions {
  /** simulated ms an image pull takes (default 1 s) */
  pullDelayMs?: number;
  /** simulated ms from pulled to started, and per init container (default 1 s) */
  startDelayMs?: number;
  /** simulated ms containers take to stop after SIGTERM (default 2 s; pod annotation sandbox.kmaint.io/stop-seconds) */
  stopDelayMs?: number;
  /** how long a crash-looping container runs before it exits (default 3 s; run-seconds overrides) */
  crashAfterMs?: number;
  /** simulated ms between log lines of a container (default 5 s; pod annotation sandbox.kmaint.io/log-rate) */
  logIntervalMs?: number;
  /** fleet-wide log lines per simulated second; containers log less often when there are many (default 1000) */
  logBudgetPerSecond?: number;
  /** Lease renewal period (default 10 s) */
  leaseRenewMs?: number;
  /** how often an unchanged NodeStatus is posted anyway (default 5 min) */
  statusReportMs?: number;
  /** how long a reboot keeps the node down (default 20 s, short of the 40 s that make it Unknown) */
  rebootMs?: number;
  /** delay before a deleted mirror pod is recreated (default 1 s) */
  mirrorRecreateMs?: number;
}

const DEFAULTS: Required<KubeletOptions> = {
  pullDelayMs: 1000,
  startDelayMs: 1000,
  stopDelayMs: 2000,
  crashAfterMs: 3000,
  logIntervalMs: 5000,
  logBudgetPerSecond: 1000,
  leaseRenewMs: 10_000,
  statusReportMs: 300_000,
  rebootMs: 20_000,
  mirrorRecreateMs: 1000,
};

const TICK_MS = 1000;
const MAX_BACKOFF_SECONDS = 300;
const PODS = 'core/pods';
/**
 * Real milliseconds per turn of the event loop for pod work (reconciles, and steps that came due), each; the
 * rest waits for the next turn, so that thousands of binds a second do not starve the scheduler.
 */
const POD_WORK_BUDGET_MS = 3;

/** Writes the fleet made, for the benchmark and tests. */
export interface FleetStats {
  leaseWrites: number;
  nodeStatusWrites: number;
  podStatusWrites: number;
  events: number;
}

interface SimNode {
  name: string;
  uid: string;
  identity: NodeIdentity;
  boots: number;
  slot: number;
  stopped: boolean;
  /** simulated ms at which a reboot ends, 0 when not rebooting */
  rebootingUntil: number;
  rebootStartedAt: number;
  rebootSeen: string | undefined;
  podCidr: string;
  hostIp: string;
  usedIps: Set<number>;
  nextIp: number;
  images: Map<string, number>;
  /** the node object changed, or something the status shows did: compare at the next heartbeat */
  dirty: boolean;
  lastStatusWrite: number;
  pods: Set<PodRecord>;
  podCpuMilli: number;
  podMemoryBytes: number;
  /** mirror pods deleted while the kubelet was down, recreated when it is back */
  missingMirrors: KubeObject[];
  /** the Lease as last written, and its resourceVersion */
  lease?: { object: KubeObject; rv: number };
}

interface PodRecord {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  node: SimNode;
  rt: PodRuntime;
  begun: boolean;
  terminating: boolean;
  /** while terminating: the grace period its stop is scheduled by, and how long its containers take to stop */
  stop?: { grace: number; stopMs: number };
  hostNumber: number;
  cancelStep?: () => void;
  /** a step that came due while the kubelet was stopped */
  parked?: () => void;
  readyCancels: Array<() => void>;
  cancelLogs?: () => void;
  loggingContainers: number;
  logSeq: number;
  pullFailures: number;
  usage?: Usage[];
  usageShown: boolean;
  labels?: Record<string, string>;
  /** a static pod's mirror, kept to recreate it */
  mirror?: KubeObject;
  /** the pod as last read or written, while it starts (so no step parses it again), and its resourceVersion */
  pod?: KubeObject;
  podRv?: number;
  /** set while a pod reached only after its start-up delays had passed is begun: its steps run at once (startsLate()) */
  catchingUp?: boolean;
}

export class KubeletFleet {
  readonly stats: FleetStats = { leaseWrites: 0, nodeStatusWrites: 0, podStatusWrites: 0, events: 0 };
  private readonly options: Required<KubeletOptions>;
  private readonly nodes = new Map<string, SimNode>();
  private readonly pods = new Map<string, PodRecord>();
  /** spec.nodeName -> pod keys, for every pod, kept from store events */
  private readonly podsByNode = new PodsByNode();
  private readonly slots: Array<Set<SimNode>>;
  private readonly nodeQueue: WorkQueue;
  private readonly podQueue: WorkQueue;
  private readonly stops: Array<() => void> = [];
  private tick = 0;
  private nextIndex = 0;
  private loggingContainers = 0;
  private stopped = false;
  /** the pod whose status this fleet is writing: its own change event needs no reconcile */
  private writing: string | undefined;
  /** pod steps that came due, run within a budget per turn */
  private readonly due: Array<(() => void) | undefined> = [];
  private dueHead = 0;
  private dueScheduled = false;
  /** simulated time each pod was bound to one of our nodes, until its kubelet begins it */
  private readonly boundAt = new Map<string, number>();

  constructor(
    private readonly ctx: ClusterContext,
    options: KubeletOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.slots = Array.from({ length: Math.max(1, Math.round(this.options.leaseRenewMs / TICK_MS)) }, () => new Set<SimNode>());
    this.nodeQueue = new WorkQueue(ctx, 'kubelet-nodes', (key) => this.reconcileNode(key));
    this.podQueue = new WorkQueue(ctx, 'kubelet-pods', (key) => this.reconcilePod(key), { budgetMs: POD_WORK_BUDGET_MS });
  }

  start(): Stop {
    const { types, service } = this.ctx;
    this.stops.push(onChange(this.ctx, types.nodes, (event) => this.nodeQueue.add(event.entry.name)));
    this.stops.push(onChange(this.ctx, types.pods, (event) => this.onPodEvent(event)));
    for (const entry of service.store.list('core/pods').entries) this.podsByNode.move(`${entry.namespace}/${entry.name}`, '', entry.fields['spec.nodeName'] ?? '');
    for (const entry of service.store.list('core/nodes').entries) this.nodeQueue.add(entry.name);
    this.stops.push(this.ctx.clock.every(TICK_MS, () => this.heartbeatTick()));
    return () => this.stop();
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.nodeQueue.stop();
    this.podQueue.stop();
    for (const rec of this.pods.values()) this.cancelAll(rec);
  }

  /** The simulated nodes' names (for tests and the benchmark). */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  // ---- store events: look and enqueue only

  private onPodEvent(event: StoreEvent): void {
    const key = `${event.entry.namespace}/${event.entry.name}`;
    const nodeName = event.type === 'DELETED' ? '' : (event.entry.fields['spec.nodeName'] ?? '');
    const before = event.previous?.fields['spec.nodeName'] ?? '';
    this.podsByNode.move(key, before, nodeName);
    if (event.type === 'DELETED') this.boundAt.delete(key);
    else if (!before && nodeName && this.nodes.has(nodeName)) this.boundAt.set(key, this.ctx.clock.nowMs());
    if (this.writing === key && event.type === 'MODIFIED') return; // our own status write
    if ((nodeName && this.nodes.has(nodeName)) || this.pods.has(key)) this.podQueue.add(key);
  }

  // ---- nodes

  private reconcileNode(name: string): void {
    const node = this.ctx.service.find(this.ctx.types.nodes, '', name);
    let sim = this.nodes.get(name);
    const annotations: Record<string, string> = node?.metadata.annotations ?? {};
    if (!node || !isTrue(annotations[SIMULATED])) {
      if (sim) this.dropNode(sim);
      return;
    }
    if (sim && sim.uid !== node.metadata.uid) {
      this.dropNode(sim);
      sim = undefined;
    }
    if (!sim) {
      this.addNode(node);
      return;
    }
    sim.dirty = true;
    const wantStopped = annotations[KUBELET_STATE] === 'stopped';
    if (wantStopped && !sim.stopped) this.stopKubelet(sim);
    else if (!wantStopped && sim.stopped) this.startKubelet(sim);
    const reboot = annotations[REBOOT];
    if (reboot !== undefined && reboot !== sim.rebootSeen) {
      sim.rebootSeen = reboot;
      if (!sim.stopped && !sim.rebootingUntil) this.reboot(sim);
    }
  }

  private addNode(node: KubeObject): void {
    const name = node.metadata.name as string;
    const index = this.nextIndex++;
    const podCidr: string = node.spec?.podCIDR || podCidrFor(index);
    const sim: SimNode = {
      name,
      uid: node.metadata.uid as string,
      identity: nodeIdentity(name, index, node.status?.nodeInfo),
      boots: 0,
      slot: index % this.slots.length,
      stopped: node.metadata.annotations?.[KUBELET_STATE] === 'stopped',
      rebootingUntil: 0,
      rebootStartedAt: 0,
      rebootSeen: node.metadata.annotations?.[REBOOT],
      podCidr,
      hostIp: internalIpOf(node, index),
      usedIps: new Set(),
      nextIp: 0,
      images: new Map(),
      dirty: true,
      lastStatusWrite: 0,
      pods: new Set(),
      podCpuMilli: 0,
      podMemoryBytes: 0,
      missingMirrors: [],
    };
    for (const image of node.status?.images ?? []) {
      const named = (image?.names ?? []).find((n: string) => !n.includes('@'));
      if (named) sim.images.set(named, Number(image.sizeBytes) || imageSize(named));
    }
    this.nodes.set(name, sim);
    this.slots[sim.slot].add(sim);
    if (!node.spec?.podCIDR) {
      // the node IPAM controller's part: a pod CIDR per node
      this.ctx.service.patch(this.ctx.types.nodes, '', name, 'merge', { spec: { podCIDR: podCidr, podCIDRs: [podCidr] } });
    }
    if (!sim.stopped) {
      this.nodeEvent(sim, 'Normal', 'Starting', 'Starting kubelet.');
      this.postStatus(sim, true);
      this.renewLease(sim);
      this.showNodeMetrics(sim);
    }
    for (const key of this.podsByNode.get(name) ?? []) this.podQueue.add(key);
  }

  private dropNode(sim: SimNode): void {
    this.nodes.delete(sim.name);
    this.slots[sim.slot].delete(sim);
    this.ctx.metrics.removeNode(sim.name);
    for (const rec of [...sim.pods]) this.forgetPod(rec);
  }

  private heartbeatTick(): void {
    if (this.stopped) return;
    const slot = this.slots[this.tick++ % this.slots.length];
    const now = this.ctx.clock.nowMs();
    for (const sim of slot) {
      if (sim.stopped || sim.rebootingUntil) continue;
      try {
        this.renewLease(sim);
        if (sim.dirty || now - sim.lastStatusWrite >= this.options.statusReportMs) this.postStatus(sim, false);
        this.showNodeMetrics(sim);
      } catch (error) {
        process.emitWarning(`sandbox kubelet ${sim.name}: heartbeat failed: ${(error as Error).message}`);
      }
    }
  }

  private renewLease(sim: SimNode): void {
    const { service, types } = this.ctx;
    const lease = nodeLease({ metadata: { name: sim.name, uid: sim.uid } }, this.ctx.clock.nowMs());
    let written: KubeObject;
    try {
      // the Lease as this kubelet last wrote it spares parsing it again (5,000 nodes renew 500 a second)
      written = service.update(types.leases, LEASE_NAMESPACE, sim.name, lease, { bodyOwned: true, current: sim.lease });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      written = service.create(types.leases, LEASE_NAMESPACE, lease, { bodyOwned: true });
    }
    sim.lease = { object: written, rv: Number(written.metadata.resourceVersion) };
    this.stats.leaseWrites++;
  }

  /** Posts the NodeStatus when it differs from the stored one, or when the report period has passed. */
  private postStatus(sim: SimNode, force: boolean): void {
    const { service, types } = this.ctx;
    const node = service.find(types.nodes, '', sim.name);
    if (!node) return;
    const now = this.ctx.clock.nowMs();
    const images = [...sim.images].map(([name, sizeBytes]) => ({ name, sizeBytes }));
    const status = buildNodeStatus(node, sim.identity, sim.rebootingUntil ? 'rebooting' : 'ready', images, now);
    sim.dirty = false;
    const stale = now - sim.lastStatusWrite >= this.options.statusReportMs;
    if (!force && !stale && statusFingerprint(status) === statusFingerprint(node.status ?? {})) return;
    const wasReady = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status === 'True';
    service.update(types.nodes, '', sim.name, { metadata: { name: sim.name }, status }, { subresource: 'status', bodyOwned: true });
    sim.lastStatusWrite = now;
    this.stats.nodeStatusWrites++;
    const ready = status.conditions.find((c: any) => c.type === 'Ready')?.status === 'True';
    if (ready && !wasReady) this.nodeEvent(sim, 'Normal', 'NodeReady', `Node ${sim.name} status is now: NodeReady`);
    if (!ready && wasReady) this.nodeEvent(sim, 'Normal', 'NodeNotReady', `Node ${sim.name} status is now: NodeNotReady`);
  }

  private showNodeMetrics(sim: SimNode): void {
    const base = nodeBaseUsage(sim.name);
    this.ctx.metrics.setNode(sim.name, formatCpu(base.cpuMilli + sim.podCpuMilli), formatMemory(base.memoryBytes + sim.podMemoryBytes), this.ctx.clock.now());
  }

  private nodeEvent(sim: SimNode, type: 'Normal' | 'Warning', reason: string, message: string): void {
    // the kubelet names its node by name in events (uid = name), which is what kubectl describe node looks for
    const ref: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: sim.name, uid: sim.name } };
    this.ctx.events.record(ref, type, reason, message, { component: 'kubelet', host: sim.name });
    this.stats.events++;
  }

  private stopKubelet(sim: SimNode): void {
    sim.stopped = true;
    this.ctx.metrics.removeNode(sim.name);
    for (const rec of sim.pods) this.hideUsage(rec);
  }

  private startKubelet(sim: SimNode): void {
    sim.stopped = false;
    this.nodeEvent(sim, 'Normal', 'Starting', 'Starting kubelet.');
    this.renewLease(sim);
    this.postStatus(sim, true);
    this.resync(sim);
  }

  /** After the kubelet was down: post every pod's status again, run what came due, pick up what changed. */
  private resync(sim: SimNode): void {
    for (const rec of sim.pods) {
      const parked = rec.parked;
      rec.parked = undefined;
      if (parked) this.schedule(rec, 0, parked);
      if (rec.begun && !rec.terminating && rec.rt.stage !== 'completed') {
        const pod = this.current(rec);
        if (pod) this.writeStatus(rec, pod);
      }
      if (rec.rt.stage === 'running') this.showUsage(rec);
    }
    for (const mirror of sim.missingMirrors.splice(0)) this.createMirror(mirror);
    for (const key of this.podsByNode.get(sim.name) ?? []) this.podQueue.add(key);
    this.showNodeMetrics(sim);
  }

  private reboot(sim: SimNode): void {
    const now = this.ctx.clock.nowMs();
    sim.rebootingUntil = now + this.options.rebootMs;
    sim.rebootStartedAt = now;
    this.postStatus(sim, true);
    this.ctx.metrics.removeNode(sim.name);
    for (const rec of sim.pods) {
      if (rec.terminating || rec.rt.stage === 'completed') continue;
      this.cancelAll(rec);
      this.hideUsage(rec);
    }
    this.ctx.clock.after(this.options.rebootMs, () => this.finishReboot(sim));
  }

  private finishReboot(sim: SimNode): void {
    if (this.stopped || this.nodes.get(sim.name) !== sim) return;
    const now = this.ctx.clock.nowMs();
    sim.boots++;
    sim.identity = { ...sim.identity, bootId: newBootId(sim.name, sim.boots) };
    sim.rebootingUntil = 0;
    if (sim.stopped) return;
    this.nodeEvent(sim, 'Normal', 'Starting', 'Starting kubelet.');
    this.nodeEvent(sim, 'Warning', 'Rebooted', `Node ${sim.name} has been rebooted, boot id: ${sim.identity.bootId}`);
    this.renewLease(sim);
    this.postStatus(sim, true);
    for (const rec of sim.pods) {
      if (rec.terminating || rec.rt.stage === 'completed' || !rec.begun) continue;
      const pod = this.current(rec);
      if (!pod) continue;
      const rt = rec.rt;
      if (rt.stage === 'running' || rt.stage === 'crashBackoff') {
        rt.lastTerminated = { exitCode: 255, reason: 'Unknown', startedAt: rt.startedAt ?? sim.rebootStartedAt, finishedAt: sim.rebootStartedAt };
        rt.restarts++;
        for (const c of containersOf(pod)) this.ctx.logs.rotate(rec.namespace, rec.name, c.name);
      }
      rt.stage = 'creating';
      rt.startedAt = undefined;
      rt.startTime = now;
      this.writeStatus(rec, pod);
      this.pullImages(rec);
    }
    this.resync(sim);
  }

  // ---- pods

  private reconcilePod(key: string): void {
    const { namespace, name } = splitKey(key);
    let rec = this.pods.get(key);
    const pod = this.lookup(namespace, name, rec);
    if (!pod || (rec && rec.uid !== pod.metadata.uid)) {
      if (rec) {
        this.forgetPod(rec);
        if (!pod && rec.mirror) this.recreateMirror(rec.node, rec.mirror);
      }
      if (!pod) return;
      rec = undefined;
    }
    const sim = this.nodes.get(pod.spec?.nodeName ?? '');
    if (!sim) {
      if (rec) this.forgetPod(rec);
      return;
    }
    if (sim.stopped || sim.rebootingUntil) return; // taken up again when the kubelet is back
    if (!rec) {
      rec = this.adopt(pod, sim);
      this.keep(rec, pod, Number(pod.metadata.resourceVersion));
    }
    rec.labels = pod.metadata.labels;
    if (pod.metadata.annotations?.[CONFIG_MIRROR] !== undefined) {
      rec.mirror = { metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels, annotations: pod.metadata.annotations, ownerReferences: pod.metadata.ownerReferences }, spec: pod.spec };
    }
    if (pod.metadata.deletionTimestamp) {
      this.terminate(rec, pod);
      return;
    }
    if (rec.rt.stage === 'completed') return;
    if (!rec.begun) {
      rec.begun = true;
      rec.rt.startTime = this.ctx.clock.nowMs();
      rec.rt.stage = 'creating';
      rec.catchingUp = this.startsLate(key, pod);
      if (!rec.catchingUp) this.writeStatus(rec, pod);
      this.pullImages(rec);
      rec.catchingUp = false;
    }
  }

  /** A record for a pod first seen; a pod already Running (a restarted sandbox) carries on where it was. */
  private adopt(pod: KubeObject, sim: SimNode): PodRecord {
    const status = pod.status ?? {};
    const ip = typeof status.podIP === 'string' && status.podIP.startsWith(sim.podCidr.slice(0, sim.podCidr.lastIndexOf('.') + 1)) ? Number(status.podIP.split('.')[3]) : 0;
    const hostNumber = ip > 0 && !sim.usedIps.has(ip) ? ip : this.allocateIp(sim);
    sim.usedIps.add(hostNumber);
    const rec: PodRecord = {
      key: `${pod.metadata.namespace}/${pod.metadata.name}`,
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
      node: sim,
      rt: { stage: 'creating', restarts: 0, podIp: podIpIn(sim.podCidr, hostNumber), hostIp: sim.hostIp, startTime: this.ctx.clock.nowMs() },
      begun: false,
      terminating: false,
      hostNumber,
      readyCancels: [],
      loggingContainers: 0,
      logSeq: 0,
      pullFailures: 0,
      usageShown: false,
    };
    this.pods.set(rec.key, rec);
    sim.pods.add(rec);
    const statuses: any[] = status.containerStatuses ?? [];
    if (status.startTime) rec.rt.startTime = Date.parse(status.startTime);
    if (status.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s?.state?.running)) {
      rec.begun = true;
      rec.rt.stage = 'running';
      rec.rt.restarts = Math.max(...statuses.map((s) => Number(s.restartCount) || 0));
      rec.rt.startedAt = Math.min(...statuses.map((s) => Date.parse(s.state.running.startedAt) || this.ctx.clock.nowMs()));
      rec.rt.readyDelays = readinessDelays(pod);
      if (!pod.metadata.deletionTimestamp) this.armRunning(rec, pod);
    } else if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      rec.begun = true;
      rec.rt.stage = 'completed';
    }
    return rec;
  }

  private allocateIp(sim: SimNode): number {
    for (let i = 0; i < 253; i++) {
      const host = 2 + ((sim.nextIp + i) % 253);
      if (!sim.usedIps.has(host)) {
        sim.nextIp = host - 1;
        return host;
      }
    }
    return 2 + (sim.nextIp++ % 253);
  }

  /** The stored pod: the record's copy while it is current (same resourceVersion), else parsed. */
  private lookup(namespace: string, name: string, rec: PodRecord | undefined): KubeObject | undefined {
    const entry = this.ctx.service.store.get(PODS, namespace, name);
    if (!entry) return undefined;
    if (rec?.pod && rec.podRv === entry.rv) return rec.pod;
    const pod = parseEntry(entry);
    if (rec) this.keep(rec, pod, entry.rv);
    return pod;
  }

  /** Keeps the pod on its record while it is starting; a running or finished pod is read again when needed. */
  private keep(rec: PodRecord, pod: KubeObject | undefined, rv: number): void {
    const starting = rec.rt.stage !== 'running' && rec.rt.stage !== 'completed' && !rec.terminating;
    rec.pod = starting ? pod : undefined;
    rec.podRv = starting ? rv : undefined;
  }

  /** The pod as stored, if it is still this record's pod and not being deleted; otherwise reconcile it. */
  private current(rec: PodRecord): KubeObject | undefined {
    const pod = this.lookup(rec.namespace, rec.name, rec);
    if (!pod || pod.metadata.uid !== rec.uid || (pod.metadata.deletionTimestamp && !rec.terminating)) {
      this.podQueue.add(rec.key);
      return undefined;
    }
    return pod;
  }

  /**
   * Whether a pod is begun only after its pull and start delays have passed since it was bound (when thousands
   * are bound at once, the fleet works through them for a while). Such a pod is started at once: the events of
   * every step, then one status write, Running, as a kubelet's status manager posts only the latest status of
   * a pod it is behind on. Pods with init containers or failing pulls take every step.
   */
  private startsLate(key: string, pod: KubeObject): boolean {
    const boundAt = this.boundAt.get(key);
    this.boundAt.delete(key);
    if (boundAt === undefined || initContainersOf(pod).length > 0 || isTrue(pod.metadata.annotations?.[IMAGE_PULL_ERROR])) return false;
    return this.ctx.clock.nowMs() - boundAt >= this.options.pullDelayMs + this.options.startDelayMs;
  }

  /** A start-up step: after `ms`, or at once for a pod catching up. */
  private stepAfter(rec: PodRecord, ms: number, step: () => void): void {
    if (rec.catchingUp) step();
    else this.schedule(rec, ms, step);
  }

  /**
   * Runs a pod's next step after `ms` simulated ms (in the next turn's pod work once due); a step due while
   * the kubelet is down waits for it.
   */
  private schedule(rec: PodRecord, ms: number, step: () => void): void {
    rec.cancelStep?.();
    let cancelled = false;
    const run = (): void => {
      if (cancelled) return;
      rec.cancelStep = undefined;
      if (this.stopped || this.pods.get(rec.key) !== rec) return;
      if (rec.node.stopped || rec.node.rebootingUntil) {
        rec.parked = run;
        return;
      }
      try {
        step();
      } catch (error) {
        process.emitWarning(`sandbox kubelet ${rec.node.name}: pod ${rec.key}: ${(error as Error).message}`);
        this.podQueue.add(rec.key);
      }
    };
    const cancelTimer = this.ctx.clock.after(ms, () => {
      if (!cancelled) this.runSoon(run);
    });
    rec.cancelStep = () => {
      cancelled = true;
      cancelTimer();
    };
  }

  /** Queues a step that came due; the queue runs for POD_WORK_BUDGET_MS a turn. */
  private runSoon(step: () => void): void {
    this.due.push(step);
    if (this.dueScheduled) return;
    this.dueScheduled = true;
    setImmediate(() => this.runDue());
  }

  private runDue(): void {
    if (this.stopped) {
      this.due.length = 0;
      this.dueHead = 0;
      return;
    }
    const started = performance.now();
    while (this.dueHead < this.due.length) {
      const step = this.due[this.dueHead];
      this.due[this.dueHead++] = undefined;
      step?.();
      if (performance.now() - started >= POD_WORK_BUDGET_MS) break;
    }
    if (this.dueHead >= this.due.length) {
      this.due.length = 0;
      this.dueHead = 0;
      this.dueScheduled = false;
      return;
    }
    if (this.dueHead >= 4096) {
      this.due.splice(0, this.dueHead);
      this.dueHead = 0;
    }
    setImmediate(() => this.runDue());
  }

  private writeStatus(rec: PodRecord, pod: KubeObject): void {
    const status = buildPodStatus(pod, rec.rt, this.ctx.clock.nowMs());
    // the pod kept on the record is the stored one while its resourceVersion is
    const current = rec.pod === pod && rec.podRv !== undefined ? { object: pod, rv: rec.podRv } : undefined;
    let written: KubeObject;
    this.writing = rec.key;
    try {
      written = this.ctx.service.update(this.ctx.types.pods, rec.namespace, rec.name, { metadata: { name: rec.name, namespace: rec.namespace }, status }, { subresource: 'status', bodyOwned: true, current });
    } finally {
      this.writing = undefined;
    }
    this.stats.podStatusWrites++;
    if (written.metadata.uid === rec.uid) this.keep(rec, written, Number(written.metadata.resourceVersion));
  }

  private podEvent(rec: PodRecord, pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, container?: string, init = false): void {
    const fieldPath = container ? `spec.${init ? 'initContainers' : 'containers'}{${container}}` : undefined;
    this.ctx.events.record(pod, type, reason, message, { component: 'kubelet', host: rec.node.name }, fieldPath);
    this.stats.events++;
  }

  private pullImages(rec: PodRecord): void {
    const pod = this.current(rec);
    if (!pod) return;
    const failing = isTrue(pod.metadata.annotations?.[IMAGE_PULL_ERROR]);
    const all = [...initContainersOf(pod).map((c) => ({ c, init: true })), ...containersOf(pod).map((c) => ({ c, init: false }))];
    const pulling: Array<{ c: any; init: boolean; image: string }> = [];
    for (const { c, init } of all) {
      const image = normalizeImage(String(c.image ?? ''));
      if (!failing && c.imagePullPolicy !== 'Always' && rec.node.images.has(image)) {
        this.podEvent(rec, pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name, init);
      } else {
        pulling.push({ c, init, image });
        this.podEvent(rec, pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.name, init);
      }
    }
    if (pulling.length === 0) {
      this.afterPull(rec, pod);
      return;
    }
    const delay = this.options.pullDelayMs;
    this.stepAfter(rec, delay, () => {
      const pod = this.current(rec);
      if (!pod) return;
      if (isTrue(pod.metadata.annotations?.[IMAGE_PULL_ERROR])) {
        this.pullFailed(rec, pod, pulling[0].c, pulling[0].init, pulling[0].image);
        return;
      }
      rec.rt.pullMessage = undefined;
      const seconds = `${(delay / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
      for (const { c, init, image } of pulling) {
        const size = imageSize(image);
        if (!rec.node.images.has(image)) {
          rec.node.images.set(image, size);
          rec.node.dirty = true;
        }
        this.podEvent(rec, pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${seconds} (${seconds} including waiting). Image size: ${size} bytes.`, c.name, init);
      }
      this.afterPull(rec, pod);
    });
  }

  private pullFailed(rec: PodRecord, pod: KubeObject, container: any, init: boolean, image: string): void {
    const rt = rec.rt;
    rec.pullFailures++;
    rt.backoffSeconds = Math.min(10 * 2 ** (rec.pullFailures - 1), MAX_BACKOFF_SECONDS);
    rt.pullMessage = `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
    rt.stage = 'pullError';
    this.podEvent(rec, pod, 'Warning', 'Failed', `Failed to pull image "${container.image}": rpc error: code = NotFound desc = ${rt.pullMessage}`, container.name, init);
    this.podEvent(rec, pod, 'Warning', 'Failed', 'Error: ErrImagePull', container.name, init);
    this.writeStatus(rec, pod);
    this.schedule(rec, 1000, () => {
      const pod = this.current(rec);
      if (!pod) return;
      rt.stage = 'pullBackoff';
      this.podEvent(rec, pod, 'Normal', 'BackOff', `Back-off pulling image "${container.image}"`, container.name, init);
      this.podEvent(rec, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', container.name, init);
      this.writeStatus(rec, pod);
      this.schedule(rec, rt.backoffSeconds! * 1000, () => this.pullImages(rec));
    });
  }

  private afterPull(rec: PodRecord, pod: KubeObject): void {
    const inits = initContainersOf(pod);
    rec.rt.backoffSeconds = undefined;
    rec.pullFailures = 0;
    if (inits.length === 0) {
      this.stepAfter(rec, this.options.startDelayMs, () => this.startContainers(rec));
      return;
    }
    rec.rt.stage = 'initializing';
    for (const c of inits) {
      this.podEvent(rec, pod, 'Normal', 'Created', `Created container: ${c.name}`, c.name, true);
      this.podEvent(rec, pod, 'Normal', 'Started', `Started container ${c.name}`, c.name, true);
    }
    this.schedule(rec, this.options.startDelayMs * (inits.length + 1), () => this.startContainers(rec));
  }

  private startContainers(rec: PodRecord): void {
    const pod = this.current(rec);
    if (!pod) return;
    for (const c of containersOf(pod)) {
      this.podEvent(rec, pod, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
      this.podEvent(rec, pod, 'Normal', 'Started', `Started container ${c.name}`, c.name);
    }
    rec.rt.stage = 'running';
    rec.rt.startedAt = this.ctx.clock.nowMs();
    rec.rt.readyDelays = readinessDelays(pod);
    this.writeStatus(rec, pod);
    this.armRunning(rec, pod);
  }

  /** A running pod's timers: readiness, exit (crash loop, run-seconds), logs; and its usage in metrics. */
  private armRunning(rec: PodRecord, pod: KubeObject): void {
    const now = this.ctx.clock.nowMs();
    const startedAt = rec.rt.startedAt ?? now;
    for (const delay of new Set(rec.rt.readyDelays ?? [])) {
      const due = startedAt + delay - now;
      if (due <= 0) continue;
      rec.readyCancels.push(
        this.ctx.clock.after(due, () => {
          if (this.stopped || rec.rt.stage !== 'running' || rec.node.stopped || rec.node.rebootingUntil) return;
          const pod = this.current(rec);
          if (pod) this.writeStatus(rec, pod);
        }),
      );
    }
    rec.usage = podUsage(pod);
    this.showUsage(rec);
    this.startLogs(rec, pod);
    const annotations = pod.metadata.annotations ?? {};
    const runSeconds = numberAnnotation(annotations, RUN_SECONDS);
    const crashing = isTrue(annotations[CRASH_LOOP]);
    if (runSeconds === undefined && !crashing) return;
    const runsFor = runSeconds !== undefined ? runSeconds * 1000 : this.options.crashAfterMs;
    const exitCode = Math.floor(numberAnnotation(annotations, EXIT_CODE) ?? (crashing ? 1 : 0));
    this.schedule(rec, Math.max(0, startedAt + runsFor - now), () => this.containersExited(rec, exitCode));
  }

  private containersExited(rec: PodRecord, exitCode: number): void {
    const pod = this.current(rec);
    if (!pod) return;
    const rt = rec.rt;
    const now = this.ctx.clock.nowMs();
    const ended = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: rt.startedAt ?? now, finishedAt: now };
    this.stopRunning(rec);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
      rt.stage = 'completed';
      rt.final = ended;
      this.writeStatus(rec, pod);
      rec.node.usedIps.delete(rec.hostNumber);
      return;
    }
    for (const c of containersOf(pod)) this.ctx.logs.rotate(rec.namespace, rec.name, c.name);
    rt.restarts++;
    rt.lastTerminated = ended;
    rt.backoffSeconds = Math.min(10 * 2 ** (rt.restarts - 1), MAX_BACKOFF_SECONDS);
    rt.stage = 'crashBackoff';
    for (const c of containersOf(pod)) {
      this.podEvent(rec, pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${rec.name}_${rec.namespace}(${rec.uid})`, c.name);
    }
    this.writeStatus(rec, pod);
    this.schedule(rec, rt.backoffSeconds * 1000, () => {
      const pod = this.current(rec);
      if (!pod) return;
      for (const c of containersOf(pod)) this.podEvent(rec, pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
      this.startContainers(rec);
    });
  }

  private terminate(rec: PodRecord, pod: KubeObject): void {
    if (rec.terminating) {
      // deleted again with a shorter grace period: the containers are stopped by the new deadline
      if (rec.stop && gracePeriodOf(pod) < rec.stop.grace) this.scheduleStop(rec, pod, rec.stop.stopMs);
      return;
    }
    rec.terminating = true;
    const wasRunning = rec.rt.stage === 'running';
    this.cancelAll(rec);
    const annotations = pod.metadata.annotations ?? {};
    if (rec.mirror) {
      // a mirror pod only reflects a static pod: deleting it does not stop the containers, and it comes back
      this.removePod(rec);
      return;
    }
    if (rec.rt.stage === 'completed') {
      this.removePod(rec);
      return;
    }
    if (wasRunning || rec.rt.stage === 'crashBackoff') {
      for (const c of containersOf(pod)) this.podEvent(rec, pod, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
    }
    if (isTrue(annotations[STUCK_TERMINATING])) return; // as a node whose runtime never confirms the stop
    const stopSeconds = numberAnnotation(annotations, STOP_SECONDS);
    this.scheduleStop(rec, pod, wasRunning ? (stopSeconds !== undefined ? stopSeconds * 1000 : this.options.stopDelayMs) : 0);
  }

  /** The pod is removed once its containers stop (`stopMs` after the delete) or its grace period ends, if sooner. */
  private scheduleStop(rec: PodRecord, pod: KubeObject, stopMs: number): void {
    const grace = gracePeriodOf(pod);
    const requestedAt = Date.parse(pod.metadata.deletionTimestamp as string) - grace * 1000;
    const due = requestedAt + Math.min(grace * 1000, stopMs);
    rec.stop = { grace, stopMs };
    this.schedule(rec, Math.max(0, due - this.ctx.clock.nowMs()), () => this.removePod(rec));
  }

  private removePod(rec: PodRecord): void {
    this.stopRunning(rec);
    try {
      this.ctx.service.delete(this.ctx.types.pods, rec.namespace, rec.name, { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  }

  private recreateMirror(sim: SimNode, mirror: KubeObject): void {
    if (this.nodes.get(sim.name) !== sim) return;
    this.ctx.clock.after(this.options.mirrorRecreateMs, () => {
      if (this.stopped || this.nodes.get(sim.name) !== sim) return;
      if (sim.stopped || sim.rebootingUntil) sim.missingMirrors.push(mirror);
      else this.createMirror(mirror);
    });
  }

  private createMirror(mirror: KubeObject): void {
    try {
      this.ctx.service.create(this.ctx.types.pods, mirror.metadata.namespace as string, structuredClone(mirror));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 409)) process.emitWarning(`sandbox kubelet: mirror pod ${mirror.metadata.namespace}/${mirror.metadata.name}: ${(error as Error).message}`);
    }
  }

  private startLogs(rec: PodRecord, pod: KubeObject): void {
    const rate = numberAnnotation(pod.metadata.annotations, LOG_RATE);
    if (rate === 0) return;
    const names = containersOf(pod).map((c) => c.name as string);
    const images = containersOf(pod).map((c) => String(c.image ?? ''));
    const now = this.ctx.clock.now();
    for (let i = 0; i < names.length; i++) {
      this.ctx.logs.append(rec.namespace, rec.name, names[i], `${now.toISOString()} INFO ${rec.name} starting ${names[i]} (${images[i]}), restart ${rec.rt.restarts}`, now);
    }
    const budgeted = (1000 * (this.loggingContainers + names.length)) / this.options.logBudgetPerSecond;
    const interval = rate !== undefined ? 1000 / rate : Math.max(this.options.logIntervalMs, budgeted);
    rec.loggingContainers = names.length;
    this.loggingContainers += names.length;
    rec.cancelLogs = this.ctx.clock.every(interval, () => {
      if (rec.node.stopped || rec.node.rebootingUntil) return;
      const at = this.ctx.clock.now();
      const seq = ++rec.logSeq;
      for (const name of names) this.ctx.logs.append(rec.namespace, rec.name, name, logLine(rec.name, name, seq, at.getTime()), at);
    });
  }

  private showUsage(rec: PodRecord): void {
    if (!rec.usage || rec.usageShown || rec.node.stopped) return;
    rec.usageShown = true;
    for (const u of rec.usage) {
      rec.node.podCpuMilli += u.cpuMilli;
      rec.node.podMemoryBytes += u.memoryBytes;
    }
    const containers = rec.usage.map((u) => ({ name: u.name, cpu: formatCpu(u.cpuMilli), memory: formatMemory(u.memoryBytes) }));
    this.ctx.metrics.setPod(rec.namespace, rec.name, rec.labels, containers, this.ctx.clock.now());
  }

  private hideUsage(rec: PodRecord): void {
    if (!rec.usageShown) return;
    rec.usageShown = false;
    for (const u of rec.usage ?? []) {
      rec.node.podCpuMilli -= u.cpuMilli;
      rec.node.podMemoryBytes -= u.memoryBytes;
    }
    this.ctx.metrics.removePod(rec.namespace, rec.name);
  }

  /** The containers stopped: no more logs, readiness or usage. */
  private stopRunning(rec: PodRecord): void {
    for (const cancel of rec.readyCancels) cancel();
    rec.readyCancels = [];
    rec.cancelLogs?.();
    rec.cancelLogs = undefined;
    this.loggingContainers -= rec.loggingContainers;
    rec.loggingContainers = 0;
    this.hideUsage(rec);
    rec.usage = undefined;
  }

  private cancelAll(rec: PodRecord): void {
    rec.cancelStep?.();
    rec.cancelStep = undefined;
    rec.parked = undefined;
    this.stopRunning(rec);
  }

  private forgetPod(rec: PodRecord): void {
    this.cancelAll(rec);
    rec.node.usedIps.delete(rec.hostNumber);
    rec.node.pods.delete(rec);
    if (this.pods.get(rec.key) === rec) this.pods.delete(rec.key);
  }
}

export function startKubelets(ctx: ClusterContext, options: KubeletOptions = {}): Stop {
  return new KubeletFleet(ctx, options).start();
}

function gracePeriodOf(pod: KubeObject): number {
  return Number(pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
}
