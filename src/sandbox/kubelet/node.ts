// What a simulated kubelet reports about its node: the Lease it renews and the NodeStatus it posts, built from
// what the Node object declares (capacity, addresses, versions) with upstream's defaults for the rest.

import type { KubeObject } from '../../domain/object.ts';
import { hash32, imageDigestRef, microTimestamp, sha256Hex, timestamp } from './annotations.ts';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
export const NODE_CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

const DEFAULT_CAPACITY: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
/** upstream reports at most this many images */
const MAX_IMAGES = 50;

/** The simulated node's health: what the kubelet would find checking its runtime and resources. */
export type NodeHealth = 'ready' | 'rebooting' | 'starting';

export interface NodeIdentity {
  name: string;
  /** position in the fleet: picks the pod CIDR and, when none is declared, the InternalIP */
  index: number;
  bootId: string;
  machineId: string;
  systemUuid: string;
}

export function nodeIdentity(name: string, index: number, declaredInfo: any): NodeIdentity {
  const digest = sha256Hex(`machine/${name}`);
  return {
    name,
    index,
    machineId: declaredInfo?.machineID || digest.slice(0, 32),
    systemUuid: declaredInfo?.systemUUID || `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`,
    bootId: declaredInfo?.bootID || newBootId(name, 0),
  };
}

/** A boot id per (node, boot number): deterministic, and different after each reboot. */
export function newBootId(name: string, boot: number): string {
  const d = sha256Hex(`boot/${name}/${boot}`);
  return `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12, 16)}-${d.slice(16, 20)}-${d.slice(20, 32)}`;
}

/** The node's pod CIDR: 10.244.N.0/24, continuing through 10.x for large fleets. */
export function podCidrFor(index: number): string {
  const block = (244 * 256 + index) % 65536;
  return `10.${block >> 8}.${block & 255}.0/24`;
}

/** The n-th address (1..254) of a /24 pod CIDR. */
export function podIpIn(cidr: string, host: number): string {
  const base = cidr.slice(0, cidr.lastIndexOf('.'));
  return `${base}.${host}`;
}

/** A default InternalIP in 172.16.0.0/12 when the node declares none. */
export function defaultInternalIp(index: number): string {
  const n = index + 10;
  return `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

export function internalIpOf(node: KubeObject, index: number): string {
  const declared = (node.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP')?.address;
  return declared || defaultInternalIp(index);
}

export interface ImageUse {
  /** normalized image name with tag */
  name: string;
  sizeBytes: number;
}

function conditionsFor(health: NodeHealth, previous: any[], now: number): any[] {
  const heartbeat = timestamp(now);
  const wanted: Record<string, { status: string; reason: string; message: string }> = {
    MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    Ready:
      health === 'ready'
        ? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
        : health === 'rebooting'
          ? { status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down: node is rebooting' }
          : { status: 'False', reason: 'KubeletNotReady', message: 'container runtime status check may not have completed yet' },
  };
  const extra = previous.filter((c) => !(NODE_CONDITION_TYPES as readonly string[]).includes(c?.type));
  return [
    ...extra,
    ...NODE_CONDITION_TYPES.map((type) => {
      const before = previous.find((c) => c?.type === type);
      const want = wanted[type];
      const transition = before && before.status === want.status ? before.lastTransitionTime : timestamp(now);
      return { type, status: want.status, lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: want.reason, message: want.message };
    }),
  ];
}

/**
 * The NodeStatus the kubelet posts: declared capacity, allocatable, addresses and versions are kept, the rest
 * defaulted; conditions keep their lastTransitionTime while unchanged.
 */
export function buildNodeStatus(node: KubeObject, identity: NodeIdentity, health: NodeHealth, images: ImageUse[], now: number): any {
  const declared = node.status ?? {};
  const capacity = { ...DEFAULT_CAPACITY, ...(declared.capacity ?? {}) };
  const allocatable = { ...capacity, ...(declared.allocatable ?? {}) };
  const info = declared.nodeInfo ?? {};
  const addresses: any[] = Array.isArray(declared.addresses) && declared.addresses.length > 0
    ? declared.addresses
    : [{ type: 'InternalIP', address: defaultInternalIp(identity.index) }, { type: 'Hostname', address: identity.name }];
  if (!addresses.some((a) => a?.type === 'Hostname')) addresses.push({ type: 'Hostname', address: identity.name });
  const kernel = info.kernelVersion || '6.1.0-28-amd64';
  return {
    ...declared,
    capacity,
    allocatable,
    conditions: conditionsFor(health, declared.conditions ?? [], now),
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: identity.machineId,
      systemUUID: identity.systemUuid,
      bootID: identity.bootId,
      kernelVersion: kernel,
      osImage: info.osImage || 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: info.containerRuntimeVersion || 'containerd://1.7.24',
      kubeletVersion: info.kubeletVersion || 'v1.35.0',
      kubeProxyVersion: info.kubeProxyVersion ?? '',
      operatingSystem: info.operatingSystem || 'linux',
      architecture: info.architecture || (node.metadata.labels?.['kubernetes.io/arch'] ?? 'amd64'),
    },
    images: imageList(images),
  };
}

export function imageList(images: ImageUse[]): any[] {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.name < b.name ? -1 : 1))
    .slice(0, MAX_IMAGES)
    .map((image) => ({ names: [imageDigestRef(image.name), image.name], sizeBytes: image.sizeBytes }));
}

/** The status fields compared to decide whether a write is due (heartbeat times left out). */
export function statusFingerprint(status: any): string {
  return JSON.stringify({ ...status, conditions: (status.conditions ?? []).map((c: any) => ({ ...c, lastHeartbeatTime: undefined })) });
}

export function nodeLease(node: KubeObject, now: number): KubeObject {
  const name = node.metadata.name as string;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid as string }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTimestamp(now) },
  };
}

/** The node's own usage: the system's share plus its pods'. */
export function nodeBaseUsage(name: string): { cpuMilli: number; memoryBytes: number } {
  const h = hash32(`node/${name}`);
  return { cpuMilli: 60 + (h % 90), memoryBytes: (600 + (h % 400)) * 2 ** 20 };
}
