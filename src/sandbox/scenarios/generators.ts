// Turns a scenario's node entries and generators into Kubernetes objects: Nodes as a kubeadm-installed
// kubelet registers them, and generated Deployments (with PodDisruptionBudgets) for pools and large clusters.

import { createHash } from 'node:crypto';
import type { KubeObject } from '../../domain/object.ts';
import type { DeploymentGenerator, NodeDefaults, NodeGenerator, NodeSpec } from './format.ts';

/** The annotation that gives a Node a simulated kubelet. */
export const SIMULATED_ANNOTATION = 'sandbox.kmaint.io/simulated';

const DEFAULT_CAPACITY = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '50Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };

function stableId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A Node object as the kubelet registers it, with the status the simulated kubelet keeps current from then on. */
export function nodeObject(spec: NodeSpec, defaults: NodeDefaults = {}): KubeObject {
  const node = { ...defaults, ...spec };
  const capacity = { ...DEFAULT_CAPACITY, ...defaults.capacity, ...spec.capacity };
  const allocatable = { ...capacity, ...defaults.allocatable, ...spec.allocatable };
  const version = node.kubeletVersion ?? 'v1.35.0';
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
  };
  for (const role of node.roles ?? []) labels[`node-role.kubernetes.io/${role}`] = '';
  if (node.zone) {
    labels['topology.kubernetes.io/zone'] = node.zone;
    labels['topology.kubernetes.io/region'] = node.zone.replace(/-[a-z]$/, '');
  }
  Object.assign(labels, defaults.labels, spec.labels);
  const annotations: Record<string, string> = {
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
    ...defaults.annotations,
    ...spec.annotations,
  };
  if (node.simulated !== false) annotations[SIMULATED_ANNOTATION] = 'true';
  const id = stableId(node.name);
  const addresses = [...(node.address ? [{ type: 'InternalIP', address: node.address }] : []), { type: 'Hostname', address: node.name }];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels, annotations },
    spec: {
      ...(node.podCIDR ? { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] } : {}),
      ...(node.taints && node.taints.length > 0 ? { taints: node.taints } : {}),
    },
    status: {
      capacity,
      allocatable,
      addresses,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: asUuid(stableId(`${node.name}/boot`)),
        containerRuntimeVersion: node.containerRuntimeVersion ?? 'containerd://1.7.13',
        kernelVersion: node.kernelVersion ?? '5.15.0-101-generic',
        kubeProxyVersion: version,
        kubeletVersion: version,
        machineID: id,
        operatingSystem: 'linux',
        osImage: node.osImage ?? 'Ubuntu 22.04.4 LTS',
        systemUUID: asUuid(stableId(`${node.name}/system`)),
      },
    },
  };
}

function ipv4Add(base: string, offset: number): string {
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`"${base}" is not an IPv4 address`);
  const value = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] + offset;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

const ZONE_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function generatedNodes(generator: NodeGenerator, defaults: NodeDefaults = {}): KubeObject[] {
  const { kind: _kind, count, namePrefix = 'node-', zones, firstAddress = '10.0.0.10', ...fields } = generator;
  const width = Math.max(2, String(count).length);
  const nodes: KubeObject[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${namePrefix}${String(i + 1).padStart(width, '0')}`;
    // each node gets a /24 of 10.244.0.0/16 (and beyond), as kube-controller-manager's node IPAM would
    const podCIDR = `${ipv4Add('10.244.0.0', i * 256)}/24`;
    const zone = zones ? `zone-${ZONE_LETTERS[i % zones % 26]}` : fields.zone;
    nodes.push(nodeObject({ ...fields, name, zone, podCIDR: fields.podCIDR ?? podCIDR, address: ipv4Add(firstAddress, i) }, defaults));
  }
  return nodes;
}

/** Namespaces, Deployments and (optionally) one PodDisruptionBudget per Deployment. */
export function generatedDeployments(generator: DeploymentGenerator): KubeObject[] {
  const { count, replicas, namespaces = 1, namespacePrefix = 'team', namespace: single, namePrefix = 'app-', image = 'registry.k8s.io/pause:3.9', requests = { cpu: '10m', memory: '16Mi' }, pdb } = generator;
  const objects: KubeObject[] = [];
  const nsNames = single ? [single] : Array.from({ length: namespaces }, (_, i) => `${namespacePrefix}-${String(i + 1).padStart(2, '0')}`);
  for (const name of nsNames) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const width = Math.max(3, String(count).length);
  for (let i = 0; i < count; i++) {
    const name = `${namePrefix}${String(i + 1).padStart(width, '0')}`;
    const namespace = nsNames[i % namespaces];
    const labels = { app: name };
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image, resources: { requests } }], terminationGracePeriodSeconds: 30 },
        },
      },
    });
    if (pdb) {
      objects.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name, namespace },
        spec: { ...pdb, selector: { matchLabels: labels } },
      });
    }
  }
  return objects;
}
