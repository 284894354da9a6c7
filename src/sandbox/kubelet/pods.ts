// What a simulated kubelet reports about a pod: its status at each stage of its life (ContainerCreating,
// ErrImagePull, Running, CrashLoopBackOff, Completed) as upstream's generateAPIPodStatus shapes it, and
// deterministic resource usage for metrics.k8s.io.

import type { KubeObject } from '../../domain/object.ts';
import { cpuMilli, hash32, imageDigestRef, memoryBytes, normalizeImage, sha256Hex, timestamp } from './annotations.ts';

export type PodStage =
  | 'creating' // sandbox being set up, images pulling
  | 'pullError' // ErrImagePull
  | 'pullBackoff' // ImagePullBackOff
  | 'initializing' // init containers running
  | 'running'
  | 'crashBackoff' // CrashLoopBackOff
  | 'completed'; // every container exited and will not restart (Succeeded or Failed)

export interface Terminated {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
}

/** The kubelet's view of one pod; everything the status is built from. */
export interface PodRuntime {
  stage: PodStage;
  restarts: number;
  podIp: string;
  hostIp: string;
  startTime: number;
  /** when the current containers started */
  startedAt?: number;
  /** simulated ms after startedAt at which each container turns ready (readinessProbe initialDelaySeconds) */
  readyDelays?: number[];
  lastTerminated?: Terminated;
  /** completed: how the containers ended */
  final?: Terminated;
  /** backoff in seconds, for CrashLoopBackOff and ImagePullBackOff messages */
  backoffSeconds?: number;
  pullMessage?: string;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

export function containersOf(pod: KubeObject): any[] {
  return Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
}

export function initContainersOf(pod: KubeObject): any[] {
  return Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
}

/** Milliseconds after start before each container is ready: a readinessProbe's initialDelaySeconds, else 0. */
export function readinessDelays(pod: KubeObject): number[] {
  return containersOf(pod).map((c) => (c.readinessProbe ? Math.max(0, Number(c.readinessProbe.initialDelaySeconds ?? 0)) * 1000 : 0));
}

function containerId(pod: KubeObject, name: string, restarts: number): string {
  return `containerd://${sha256Hex(`${pod.metadata.uid}/${name}/${restarts}`)}`;
}

function terminatedState(t: Terminated, id: string): any {
  return { terminated: { exitCode: t.exitCode, reason: t.reason, startedAt: timestamp(t.startedAt), finishedAt: timestamp(t.finishedAt), containerID: id } };
}

function containerStatus(pod: KubeObject, container: any, index: number, rt: PodRuntime, now: number): any {
  const image = normalizeImage(String(container.image ?? ''));
  const base = { name: container.name, image, imageID: '', restartCount: rt.restarts, started: false, ready: false, lastState: {} as any, state: {} as any };
  if (rt.lastTerminated) base.lastState = terminatedState(rt.lastTerminated, containerId(pod, container.name, rt.restarts - 1));
  const waiting = (reason: string, message?: string): any => ({ ...base, state: { waiting: message ? { reason, message } : { reason } } });
  switch (rt.stage) {
    case 'creating':
    case 'initializing':
      return waiting(initContainersOf(pod).length > 0 ? 'PodInitializing' : 'ContainerCreating');
    case 'pullError':
      return waiting('ErrImagePull', rt.pullMessage);
    case 'pullBackoff':
      return waiting('ImagePullBackOff', `Back-off pulling image "${container.image}": ErrImagePull: ${rt.pullMessage ?? ''}`);
    case 'crashBackoff':
      return {
        ...waiting('CrashLoopBackOff', `back-off ${rt.backoffSeconds ?? 10}s restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`),
        imageID: imageDigestRef(image),
        containerID: containerId(pod, container.name, rt.restarts - 1),
      };
    case 'running': {
      const startedAt = rt.startedAt ?? now;
      const delay = rt.readyDelays?.[index] ?? 0;
      return {
        ...base,
        imageID: imageDigestRef(image),
        containerID: containerId(pod, container.name, rt.restarts),
        started: true,
        ready: now >= startedAt + delay,
        state: { running: { startedAt: timestamp(startedAt) } },
      };
    }
    case 'completed': {
      const final = rt.final ?? { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now };
      const id = containerId(pod, container.name, rt.restarts);
      return { ...base, imageID: imageDigestRef(image), containerID: id, state: terminatedState(final, id) };
    }
  }
}

function initContainerStatus(pod: KubeObject, container: any, rt: PodRuntime): any {
  const image = normalizeImage(String(container.image ?? ''));
  const base = { name: container.name, image, imageID: '', restartCount: 0, started: false, ready: false, lastState: {}, state: {} as any };
  if (rt.stage === 'creating' || rt.stage === 'initializing' || rt.stage === 'pullError' || rt.stage === 'pullBackoff') {
    return { ...base, state: { waiting: { reason: 'PodInitializing' } } };
  }
  const id = containerId(pod, `init/${container.name}`, 0);
  const at = rt.startTime;
  return { ...base, imageID: imageDigestRef(image), containerID: id, ready: true, state: terminatedState({ exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at }, id) };
}

function condition(type: string, status: boolean, reason?: string, message?: string): any {
  const c: any = { type, status: status ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function phaseOf(pod: KubeObject, rt: PodRuntime): string {
  switch (rt.stage) {
    case 'running':
    case 'crashBackoff':
      return 'Running';
    case 'completed':
      return rt.final && rt.final.exitCode !== 0 ? 'Failed' : 'Succeeded';
    default:
      return 'Pending';
  }
}

/**
 * The pod status the kubelet posts: phase, IPs, container statuses and the kubelet's conditions; conditions
 * written by others (PodScheduled, DisruptionTarget) are kept, and a condition keeps its lastTransitionTime
 * while its status does not change.
 */
export function buildPodStatus(pod: KubeObject, rt: PodRuntime, now: number): any {
  const current = pod.status ?? {};
  const containers = containersOf(pod);
  const statuses = containers.map((c, i) => containerStatus(pod, c, i, rt, now));
  const inits = initContainersOf(pod);
  const initDone = !['creating', 'initializing', 'pullError', 'pullBackoff'].includes(rt.stage);
  const completed = rt.stage === 'completed';
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const allReady = unready.length === 0 && rt.stage === 'running';
  const notReadyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = completed ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const mine = [
    condition('PodReadyToStartContainers', !completed),
    inits.length === 0 || initDone
      ? condition('Initialized', true, completed && inits.length > 0 ? 'PodCompleted' : undefined)
      : condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${inits.map((c) => c.name).join(' ')}]`),
    allReady ? condition('ContainersReady', true) : condition('ContainersReady', false, notReadyReason, notReadyMessage),
    allReady ? condition('Ready', true) : condition('Ready', false, notReadyReason, notReadyMessage),
  ];
  const previous: any[] = Array.isArray(current.conditions) ? current.conditions : [];
  const others = previous.filter((c) => !KUBELET_CONDITIONS.has(c?.type));
  if (!others.some((c) => c?.type === 'PodScheduled')) others.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: timestamp(rt.startTime) });
  const nowStamp = timestamp(now);
  const conditions: any[] = [];
  for (const c of mine) {
    // built key by key (type, status, reason, message, lastProbeTime, lastTransitionTime): no spreads on this hot path
    let before: any;
    for (const p of previous) {
      if (p?.type === c.type) {
        before = p;
        break;
      }
    }
    c.lastProbeTime = null;
    c.lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : nowStamp;
    conditions.push(c);
  }
  for (const c of others) {
    if (c.lastTransitionTime) {
      conditions.push({ lastProbeTime: null, ...c });
      continue;
    }
    const before = previous.find((p) => p?.type === c.type);
    conditions.push({ ...c, lastProbeTime: null, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : nowStamp });
  }
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));
  const status: any = {
    ...current,
    phase: phaseOf(pod, rt),
    conditions,
    hostIP: rt.hostIp,
    hostIPs: [{ ip: rt.hostIp }],
    podIP: rt.podIp,
    podIPs: [{ ip: rt.podIp }],
    startTime: current.startTime ?? timestamp(rt.startTime),
    containerStatuses: statuses,
  };
  if (inits.length > 0) status.initContainerStatuses = inits.map((c) => initContainerStatus(pod, c, rt));
  return status;
}

function rank(order: string[], type: string): number {
  const at = order.indexOf(type);
  return at < 0 ? order.length : at;
}

export interface Usage {
  name: string;
  cpuMilli: number;
  memoryBytes: number;
}

/** Per-container usage: a fixed share (10-60 %) of its requests, or a small amount when it requests nothing. */
export function podUsage(pod: KubeObject): Usage[] {
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  return containersOf(pod).map((c) => {
    const h = hash32(`${key}/${c.name}`);
    const share = 0.1 + (h % 500) / 1000;
    const cpuRequest = cpuMilli(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
    const memRequest = memoryBytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
    return {
      name: c.name,
      cpuMilli: cpuRequest > 0 ? Math.max(1, Math.floor(cpuRequest * share)) : 1 + (h % 9),
      memoryBytes: memRequest > 0 ? Math.max(1 << 20, Math.floor(memRequest * share)) : (8 + ((h >> 8) % 56)) * 2 ** 20,
    };
  });
}

export function formatCpu(milli: number): string {
  return `${Math.round(milli * 1e6)}n`;
}

export function formatMemory(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

/** A deterministic log line, as a web server might write it. */
export function logLine(podName: string, container: string, seq: number, at: number): string {
  const h = hash32(`${podName}/${container}/${seq}`);
  const time = new Date(at).toISOString();
  if (seq % 20 === 0) return `${time} WARN ${podName} slow upstream: request ${seq} took ${200 + (h % 800)}ms`;
  return `${time} INFO ${podName} request ${seq} served in ${2 + (h % 60)}ms`;
}
