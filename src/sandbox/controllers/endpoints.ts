// Endpoints and EndpointSlices for Services with a selector, as upstream's endpoints and endpointslice
// controllers write them: Endpoints subsets with ready and notReady addresses (terminating pods left out);
// discovery.k8s.io/v1 slices named <service>-<suffix>, labelled kubernetes.io/service-name, owned by the Service,
// with ready/serving/terminating conditions per pod. The `kubernetes` Service in default points at the API
// server: the control-plane node's InternalIP when there is one, else 10.0.0.1, on the Service's targetPort
// (6443) — the sandbox's real loopback port is not something a pod could reach anyway.

import { createHash } from 'node:crypto';
import type { KubeObject } from '../../domain/object.ts';
import { jsonEqual } from '../../domain/patch.ts';
import { labelSelectorFromSet, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { storageKeyOf } from '../apiserver/resources.ts';
import { parseEntry, type StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const MAX_ENDPOINTS_PER_SLICE = 100;
const API_SERVER_FALLBACK_IP = '10.0.0.1';

interface ResolvedPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

function isReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True');
}

/** podutil.FindPort: a numeric targetPort as is, a named one looked up among the containers' ports. */
export function findPort(pod: KubeObject, servicePort: any): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

function resolvePorts(service: KubeObject, pod: KubeObject): ResolvedPort[] {
  const ports: ResolvedPort[] = [];
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    ports.push({
      ...(servicePort.name ? { name: servicePort.name } : {}),
      port,
      protocol: servicePort.protocol ?? 'TCP',
      ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}),
    });
  }
  return ports;
}

/** upstream ShouldPodBeInEndpoints: an address, not finished, and (unless asked) not terminating. */
function podBelongs(pod: KubeObject, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (pod.metadata.deletionTimestamp && !includeTerminating) return false;
  return true;
}

function targetRef(pod: KubeObject): object {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/** The subsets of a Service's Endpoints: pods grouped by the ports they serve, addresses sorted by IP. */
export function endpointSubsets(service: KubeObject, pods: readonly KubeObject[]): any[] {
  const tolerateUnready = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: ResolvedPort[]; addresses: any[]; notReadyAddresses: any[] }>();
  const hasPorts = (service.spec?.ports ?? []).length > 0;
  for (const pod of pods) {
    if (!podBelongs(pod, tolerateUnready)) continue;
    const ports = resolvePorts(service, pod);
    if (hasPorts && ports.length === 0) continue;
    const address: any = { ip: pod.status.podIP, ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}), targetRef: targetRef(pod) };
    if (pod.spec?.hostname && pod.spec?.subdomain === service.metadata.name) address.hostname = pod.spec.hostname;
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, addresses: [], notReadyAddresses: [] }));
    if (tolerateUnready || isReady(pod)) group.addresses.push(address);
    else group.notReadyAddresses.push(address);
  }
  const byIp = (a: any, b: any): number => compareIp(a.ip, b.ip) || String(a.targetRef?.uid).localeCompare(String(b.targetRef?.uid));
  return [...groups.values()].map((group) => ({
    ...(group.addresses.length > 0 ? { addresses: group.addresses.sort(byIp) } : {}),
    ...(group.notReadyAddresses.length > 0 ? { notReadyAddresses: group.notReadyAddresses.sort(byIp) } : {}),
    ...(group.ports.length > 0 ? { ports: group.ports } : {}),
  }));
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A stable stand-in for the random generateName suffix upstream gives a slice. */
export function sliceName(service: KubeObject, discriminator: string): string {
  const digest = createHash('sha1').update(`${service.metadata.uid}|${discriminator}`).digest();
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[digest[i] % SUFFIX_ALPHABET.length];
  return `${String(service.metadata.name).slice(0, 57)}-${suffix}`;
}

/** The EndpointSlices a Service should have (at least one, empty when no pod serves it). */
export function desiredSlices(service: KubeObject, pods: readonly KubeObject[], zoneOf: (nodeName: string) => string | undefined): KubeObject[] {
  const tolerateUnready = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: ResolvedPort[]; endpoints: any[] }>();
  const hasPorts = (service.spec?.ports ?? []).length > 0;
  const sorted = [...pods].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  for (const pod of sorted) {
    if (!podBelongs(pod, true)) continue;
    const ports = resolvePorts(service, pod);
    if (hasPorts && ports.length === 0) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = tolerateUnready || isReady(pod);
    const ready = serving && (!terminating || tolerateUnready);
    const nodeName = pod.spec?.nodeName;
    const zone = nodeName ? zoneOf(nodeName) : undefined;
    const endpoint = {
      addresses: [pod.status.podIP],
      conditions: { ready, serving, terminating },
      ...(pod.spec?.hostname && pod.spec?.subdomain === service.metadata.name ? { hostname: pod.spec.hostname } : {}),
      targetRef: targetRef(pod),
      ...(nodeName ? { nodeName } : {}),
      ...(zone ? { zone } : {}),
    };
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    group.endpoints.push(endpoint);
  }
  if (groups.size === 0) groups.set('[]', { ports: [], endpoints: [] });
  const slices: KubeObject[] = [];
  for (const [key, group] of groups) {
    const chunks = group.endpoints.length === 0 ? [[]] : chunk(group.endpoints, MAX_ENDPOINTS_PER_SLICE);
    chunks.forEach((endpoints, index) => {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: sliceName(service, `${key}|${index}`),
          namespace: service.metadata.namespace,
          labels: sliceLabels(service),
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name as string, uid: service.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints,
        ports: group.ports,
      });
    });
  }
  return slices;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function isHeadless(service: KubeObject): boolean {
  return service.spec?.clusterIP === 'None';
}

function endpointsLabels(service: KubeObject): Record<string, string> | undefined {
  const labels = { ...(service.metadata.labels ?? {}), ...(isHeadless(service) ? { [HEADLESS_LABEL]: '' } : {}) };
  return Object.keys(labels).length > 0 ? labels : undefined;
}

function sliceLabels(service: KubeObject): Record<string, string> {
  return {
    ...(service.metadata.labels ?? {}),
    ...(isHeadless(service) ? { [HEADLESS_LABEL]: '' } : {}),
    [SERVICE_NAME_LABEL]: service.metadata.name as string,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

function selectorOf(service: KubeObject): LabelSelector | undefined {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0 || service.spec?.type === 'ExternalName') return undefined;
  return labelSelectorFromSet(selector);
}

export function startEndpointsController(ctx: ClusterContext): Stop {
  const { service: api, types } = ctx;
  /** namespace -> service name -> its selector (services without one are not ours) */
  const selectors = new Map<string, Map<string, LabelSelector>>();

  const remember = (svc: KubeObject): void => {
    const namespace = svc.metadata.namespace as string;
    const name = svc.metadata.name as string;
    const selector = selectorOf(svc);
    let inNamespace = selectors.get(namespace);
    if (selector) {
      if (!inNamespace) selectors.set(namespace, (inNamespace = new Map()));
      inNamespace.set(name, selector);
    } else {
      inNamespace?.delete(name);
    }
  };
  const forget = (namespace: string, name: string): void => {
    const inNamespace = selectors.get(namespace);
    inNamespace?.delete(name);
    if (inNamespace?.size === 0) selectors.delete(namespace);
  };

  const zoneOf = (nodeName: string): string | undefined => api.store.get(storageKeyOf(types.nodes), '', nodeName)?.labels?.[ZONE_LABEL];

  const writeEndpoints = (namespace: string, name: string, labels: Record<string, string> | undefined, subsets: any[]): void => {
    const existing = api.find(types.endpoints, namespace, name);
    const desired: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(labels ? { labels } : {}) }, ...(subsets.length > 0 ? { subsets } : {}) };
    if (!existing) {
      api.create(types.endpoints, namespace, desired);
      return;
    }
    if (jsonEqual(existing.metadata.labels, labels) && jsonEqual(existing.subsets ?? [], subsets)) return;
    const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels }, subsets: subsets.length > 0 ? subsets : undefined };
    if (!next.subsets) delete next.subsets;
    api.update(types.endpoints, namespace, name, next);
  };

  const writeSlices = (namespace: string, serviceName: string, slices: KubeObject[]): void => {
    const existing = api.store
      .list(storageKeyOf(types.endpointSlices), { namespace, filter: (entry) => entry.labels?.[SERVICE_NAME_LABEL] === serviceName && entry.labels?.[MANAGED_BY_LABEL] === MANAGED_BY })
      .entries.map(parseEntry);
    const wanted = new Set(slices.map((slice) => slice.metadata.name));
    for (const old of existing) {
      if (!wanted.has(old.metadata.name)) api.delete(types.endpointSlices, namespace, old.metadata.name as string);
    }
    for (const slice of slices) {
      const current = existing.find((old) => old.metadata.name === slice.metadata.name);
      if (!current) {
        api.create(types.endpointSlices, namespace, slice);
        continue;
      }
      const same = jsonEqual(current.metadata.labels, slice.metadata.labels) && jsonEqual(current.metadata.ownerReferences, slice.metadata.ownerReferences) &&
        jsonEqual(current.endpoints ?? [], slice.endpoints) && jsonEqual(current.ports ?? [], slice.ports) && current.addressType === slice.addressType;
      if (!same) api.update(types.endpointSlices, namespace, slice.metadata.name as string, { ...current, ...slice, metadata: { ...current.metadata, ...slice.metadata } });
    }
  };

  /** The API server's own endpoints, which upstream's apiserver (not a controller) keeps. */
  const reconcileApiServer = (svc: KubeObject): void => {
    let ip = API_SERVER_FALLBACK_IP;
    const controlPlane = api.store
      .list(storageKeyOf(types.nodes), { filter: (entry) => entry.labels?.[CONTROL_PLANE_LABEL] !== undefined })
      .entries.map(parseEntry);
    for (const node of controlPlane) {
      const internal = (node.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address;
      if (internal) {
        ip = internal;
        break;
      }
    }
    const servicePort = (svc.spec?.ports ?? [])[0] ?? { name: 'https', port: 443, targetPort: 6443 };
    const port = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : 6443;
    const portName = servicePort.name ?? 'https';
    writeEndpoints('default', 'kubernetes', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, [{ addresses: [{ ip }], ports: [{ name: portName, port, protocol: 'TCP' }] }]);
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: portName, port, protocol: 'TCP' }],
    };
    const current = api.find(types.endpointSlices, 'default', 'kubernetes');
    if (!current) api.create(types.endpointSlices, 'default', slice);
    else if (!jsonEqual(current.endpoints, slice.endpoints) || !jsonEqual(current.ports, slice.ports)) {
      api.update(types.endpointSlices, 'default', 'kubernetes', { ...current, endpoints: slice.endpoints, ports: slice.ports });
    }
  };

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const svc = api.find(types.services, namespace, name);
    if (!svc) {
      // the slices go with their owner (garbage collection); Endpoints carry no owner reference
      if (api.find(types.endpoints, namespace, name)) api.delete(types.endpoints, namespace, name);
      return;
    }
    if (namespace === 'default' && name === 'kubernetes') {
      reconcileApiServer(svc);
      return;
    }
    const selector = selectorOf(svc);
    if (!selector) return;
    const pods = api.store
      .list(storageKeyOf(types.pods), { namespace, filter: (entry) => matchesLabels(selector, entry.labels) })
      .entries.map(parseEntry);
    writeEndpoints(namespace, name, endpointsLabels(svc), endpointSubsets(svc, pods));
    writeSlices(namespace, name, desiredSlices(svc, pods, zoneOf));
  };

  const queue = new WorkQueue(ctx, 'endpoints', reconcile);
  const enqueueMatching = (namespace: string, labels: Record<string, string> | undefined): void => {
    const inNamespace = selectors.get(namespace);
    if (!inNamespace) return;
    for (const [name, selector] of inNamespace) if (matchesLabels(selector, labels)) queue.add(keyOf(namespace, name));
  };

  const stops: Array<() => void> = [];
  stops.push(onChange(ctx, types.services, (event: StoreEvent) => {
    const { namespace, name } = event.entry;
    if (event.type === 'DELETED') forget(namespace, name);
    else remember(parseEntry(event.entry));
    queue.add(keyOf(namespace, name));
  }));
  stops.push(onChange(ctx, types.pods, (event: StoreEvent) => {
    enqueueMatching(event.entry.namespace, event.entry.labels);
    if (event.previous) enqueueMatching(event.entry.namespace, event.previous.labels);
  }));
  // someone else changed or removed what this controller wrote: write it again
  stops.push(onChange(ctx, types.endpointSlices, (event: StoreEvent) => {
    const serviceName = (event.previous ?? event.entry).labels?.[SERVICE_NAME_LABEL];
    if (serviceName) queue.add(keyOf(event.entry.namespace, serviceName));
  }));
  stops.push(onChange(ctx, types.endpoints, (event: StoreEvent) => {
    if (event.type === 'DELETED') queue.add(keyOf(event.entry.namespace, event.entry.name));
  }));
  stops.push(onChange(ctx, types.nodes, (event: StoreEvent) => {
    if (event.entry.labels?.[CONTROL_PLANE_LABEL] !== undefined || event.previous?.labels?.[CONTROL_PLANE_LABEL] !== undefined) queue.add('default/kubernetes');
  }));

  for (const entry of api.store.list(storageKeyOf(types.services)).entries) {
    remember(parseEntry(entry));
    queue.add(keyOf(entry.namespace, entry.name));
  }

  return () => {
    for (const stop of stops) stop();
    queue.stop();
  };
}
