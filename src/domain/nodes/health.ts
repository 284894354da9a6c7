// A node's health as an operator reads it before a maintenance: Ready/NotReady/Unknown, the Lease heartbeat,
// pressure conditions, kubelet version skew, what is requested of it, and what it runs on. A pure function of
// the Node, its Lease, the pods bound to it, the API server's version and the time: no I/O, no clock.

import type { KubeObject } from '../object.ts';
import { podRequests } from '../requests.ts';
import { milliValue, parseQuantity, value } from '../quantity.ts';
import { kubeletSkew, type KubeletSkew, type MinorVersion } from './skew.ts';

/** A Lease older than this means the kubelet is gone: the node lifecycle controller's grace period (40 s in the seeds). */
export const STALE_LEASE_SECONDS = 40;

export const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

export type NodeReadiness = 'Ready' | 'NotReady' | 'Unknown';

export type ProblemType = 'NotReady' | 'Unknown' | 'StaleLease' | 'NoLease' | (typeof PRESSURE_CONDITIONS)[number] | 'VersionSkew';

export interface NodeProblem {
  type: ProblemType;
  message: string;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface ResourceUse {
  /** cpu in milli-cpu, memory in bytes, pods as a count */
  capacity: number;
  allocatable: number;
  requested: number;
  /** requested as a share of allocatable, rounded; absent when nothing is allocatable */
  requestedPercent?: number;
}

export interface Heartbeat {
  /** Lease spec.renewTime in kube-node-lease */
  leaseRenewTime?: string;
  leaseAgeSeconds?: number;
  leaseDurationSeconds?: number;
  /** the Ready condition's lastHeartbeatTime (the last full status the kubelet posted; every 5 min when nothing changes) */
  statusHeartbeatTime?: string;
  statusAgeSeconds?: number;
}

export interface NodeHealthReport {
  name: string;
  status: NodeReadiness;
  roles: string[];
  /** spec.unschedulable: kubectl's SchedulingDisabled */
  cordoned: boolean;
  taints: Array<{ key: string; value?: string; effect: string; timeAdded?: string }>;
  conditions: NodeCondition[];
  kubeletVersion: string;
  skew: KubeletSkew;
  heartbeat: Heartbeat;
  resources: { cpu: ResourceUse; memory: ResourceUse; pods: ResourceUse };
  /** non-terminal pods bound to the node */
  podCount: number;
  addresses: Array<{ type: string; address: string }>;
  system: { osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string; operatingSystem?: string; architecture?: string };
  creationTimestamp?: string;
  problems: NodeProblem[];
  healthy: boolean;
}

export interface HealthInput {
  node: KubeObject;
  /** the node's Lease in kube-node-lease; undefined when it has none */
  lease?: KubeObject;
  /** the pods bound to this node (terminal ones are left out here) */
  pods: KubeObject[];
  server?: MinorVersion;
  now: Date;
  staleLeaseSeconds?: number;
}

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';

/** Roles as kubectl get nodes shows them: node-role.kubernetes.io/<role> labels and kubernetes.io/role. */
export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [key, val] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX) && key.length > ROLE_LABEL_PREFIX.length) roles.add(key.slice(ROLE_LABEL_PREFIX.length));
    else if (key === 'kubernetes.io/role' && val) roles.add(val);
  }
  return [...roles].sort();
}

export function isTerminalPod(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function readiness(ready: NodeCondition | undefined): NodeReadiness {
  if (ready?.status === 'True') return 'Ready';
  if (ready?.status === 'False') return 'NotReady';
  return 'Unknown';
}

/** Whole seconds from `time` to `now`, never negative (a clock behind the writer's would make it so). */
export function ageSeconds(time: string | undefined, now: Date): number | undefined {
  if (!time) return undefined;
  const at = Date.parse(time);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.floor((now.getTime() - at) / 1000));
}

function amount(resource: 'cpu' | 'memory' | 'pods', list: Record<string, string | number> | undefined): number {
  const text = list?.[resource];
  if (text === undefined || text === null) return 0;
  try {
    const quantity = parseQuantity(text);
    return resource === 'cpu' ? milliValue(quantity) : value(quantity);
  } catch {
    return 0;
  }
}

function use(capacity: number, allocatable: number, requested: number): ResourceUse {
  return { capacity, allocatable, requested, ...(allocatable > 0 ? { requestedPercent: Math.round((requested / allocatable) * 100) } : {}) };
}

function because(condition: NodeCondition | undefined): string {
  const reason = [condition?.reason, condition?.message?.trim()].filter(Boolean).join(': ');
  return reason ? ` (${reason})` : '';
}

export function evaluateNodeHealth(input: HealthInput): NodeHealthReport {
  const { node, lease, now } = input;
  const staleAfter = input.staleLeaseSeconds ?? STALE_LEASE_SECONDS;
  const status = node.status ?? {};
  const conditions: NodeCondition[] = (status.conditions ?? []).map((c: any) => ({
    type: c.type,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
    ...(c.lastHeartbeatTime ? { lastHeartbeatTime: c.lastHeartbeatTime } : {}),
    ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
  }));
  const ready = conditions.find((c) => c.type === 'Ready');
  const state = readiness(ready);
  const info = status.nodeInfo ?? {};
  const kubeletVersion: string = info.kubeletVersion ?? '';
  const skew = kubeletSkew(kubeletVersion, input.server);

  const leaseRenewTime: string | undefined = lease?.spec?.renewTime ?? lease?.spec?.acquireTime;
  const heartbeat: Heartbeat = {
    ...(leaseRenewTime ? { leaseRenewTime, leaseAgeSeconds: ageSeconds(leaseRenewTime, now) } : {}),
    ...(lease?.spec?.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: lease.spec.leaseDurationSeconds } : {}),
    ...(ready?.lastHeartbeatTime ? { statusHeartbeatTime: ready.lastHeartbeatTime, statusAgeSeconds: ageSeconds(ready.lastHeartbeatTime, now) } : {}),
  };

  const pods = input.pods.filter((pod) => !isTerminalPod(pod));
  let cpu = 0;
  let memory = 0;
  for (const pod of pods) {
    const requests = podRequests(pod);
    cpu += requests.cpu;
    memory += requests.memory;
  }

  const problems: NodeProblem[] = [];
  if (state === 'NotReady') problems.push({ type: 'NotReady', message: `Ready is False${because(ready)}` });
  if (state === 'Unknown') problems.push({ type: 'Unknown', message: ready ? `Ready is Unknown${because(ready)}` : 'no Ready condition: the kubelet has never posted a status' });
  if (!lease) {
    problems.push({ type: 'NoLease', message: `no Lease kube-node-lease/${node.metadata.name}: the kubelet has not renewed one` });
  } else if (heartbeat.leaseAgeSeconds === undefined) {
    problems.push({ type: 'StaleLease', message: `Lease kube-node-lease/${node.metadata.name} has no renewTime` });
  } else if (heartbeat.leaseAgeSeconds > staleAfter) {
    problems.push({ type: 'StaleLease', message: `Lease not renewed for ${heartbeat.leaseAgeSeconds}s (more than ${staleAfter}s): the kubelet is down or cannot reach the API server` });
  }
  for (const type of PRESSURE_CONDITIONS) {
    const condition = conditions.find((c) => c.type === type);
    if (condition?.status === 'True') problems.push({ type, message: `${type} is True${because(condition)}` });
  }
  if (!skew.supported) problems.push({ type: 'VersionSkew', message: skew.message });

  return {
    name: node.metadata.name ?? '',
    status: state,
    roles: nodeRoles(node),
    cordoned: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t: any) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect, ...(t.timeAdded ? { timeAdded: t.timeAdded } : {}) })),
    conditions,
    kubeletVersion,
    skew,
    heartbeat,
    resources: {
      cpu: use(amount('cpu', status.capacity), amount('cpu', status.allocatable), cpu),
      memory: use(amount('memory', status.capacity), amount('memory', status.allocatable), memory),
      pods: use(amount('pods', status.capacity), amount('pods', status.allocatable), pods.length),
    },
    podCount: pods.length,
    addresses: (status.addresses ?? []).map((a: any) => ({ type: a.type, address: a.address })),
    system: {
      ...(info.osImage ? { osImage: info.osImage } : {}),
      ...(info.kernelVersion ? { kernelVersion: info.kernelVersion } : {}),
      ...(info.containerRuntimeVersion ? { containerRuntimeVersion: info.containerRuntimeVersion } : {}),
      ...(info.operatingSystem ? { operatingSystem: info.operatingSystem } : {}),
      ...(info.architecture ? { architecture: info.architecture } : {}),
    },
    ...(node.metadata.creationTimestamp ? { creationTimestamp: node.metadata.creationTimestamp } : {}),
    problems,
    healthy: problems.length === 0,
  };
}

export interface ReferenceTime {
  now: Date;
  /** how far the newest Lease renewal was ahead of the clock we were given, in seconds (0 when it was not) */
  aheadSeconds: number;
}

/**
 * The time heartbeat ages are measured against: the given clock (the API server's Date, else the client's),
 * moved forward to the newest Lease renewal when a renewal lies in its future. A renewal cannot happen after
 * "now" on the control plane's clock, so one that seems to means the given clock lags the cluster's (a
 * client off by minutes, a sandbox running simulated time); measuring from it keeps ages from going negative
 * and stale Leases from going unnoticed. A kubelet whose own clock runs ahead moves it too: `aheadSeconds`
 * says by how much, for the operator.
 */
export function referenceTime(clock: Date, leases: KubeObject[]): ReferenceTime {
  let newest = clock.getTime();
  for (const lease of leases) {
    const at = Date.parse(lease.spec?.renewTime ?? '');
    if (!Number.isNaN(at) && at > newest) newest = at;
  }
  return { now: new Date(newest), aheadSeconds: Math.floor((newest - clock.getTime()) / 1000) };
}

/** Every node's report, pods grouped by spec.nodeName and Leases by name (kube-node-lease names them after the node). */
export function evaluateCluster(input: { nodes: KubeObject[]; leases: KubeObject[]; pods: KubeObject[]; server?: MinorVersion; now: Date; staleLeaseSeconds?: number }): NodeHealthReport[] {
  const leases = new Map(input.leases.map((lease) => [lease.metadata.name, lease]));
  const podsByNode = new Map<string, KubeObject[]>();
  for (const pod of input.pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) continue;
    let list = podsByNode.get(nodeName);
    if (!list) podsByNode.set(nodeName, (list = []));
    list.push(pod);
  }
  return input.nodes.map((node) =>
    evaluateNodeHealth({
      node,
      lease: leases.get(node.metadata.name),
      pods: podsByNode.get(node.metadata.name ?? '') ?? [],
      server: input.server,
      now: input.now,
      staleLeaseSeconds: input.staleLeaseSeconds,
    }),
  );
}
