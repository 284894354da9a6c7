// What a pod asks of a node, as Kubernetes computes it (component-helpers' PodRequests): the app containers
// together, or the largest init container if that is more, where restartable (sidecar) init containers run
// alongside everything started after them; plus pod overhead. Pod-level requests (spec.resources), when set,
// replace the containers' sum for the resources they name.

import type { KubeObject } from './object.ts';
import { milliValue, parseQuantity, value } from './quantity.ts';

/** cpu in milli-cpu; memory and ephemeral-storage in bytes; extended resources in whole units. */
export interface ResourceAmounts {
  cpu: number;
  memory: number;
  ephemeralStorage: number;
  /** extended and other resources (nvidia.com/gpu, hugepages-2Mi...), only those asked for */
  scalar: Record<string, number>;
}

/** What the scheduler assumes for a container that sets no request, when it scores (never when it filters). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyAmounts(): ResourceAmounts {
  return { cpu: 0, memory: 0, ephemeralStorage: 0, scalar: {} };
}

// the amounts of the few quantities pods repeat, per unit: a large cluster's state is built from 150,000 pods
const milliAmounts = new Map<string | number, number>();
const wholeAmounts = new Map<string | number, number>();

/** The amount of one named resource in its scheduling unit. */
export function amountOf(resource: string, quantity: string | number): number {
  const amounts = resource === 'cpu' ? milliAmounts : wholeAmounts;
  let amount = amounts.get(quantity);
  if (amount === undefined) {
    const parsed = parseQuantity(quantity);
    amount = resource === 'cpu' ? milliValue(parsed) : value(parsed);
    if (amounts.size > 10_000) amounts.clear();
    amounts.set(quantity, amount);
  }
  return amount;
}

/** Converts a ResourceList ({cpu: "500m", memory: "1Gi"}) into amounts. */
export function amountsOf(list: Record<string, string | number> | undefined | null): ResourceAmounts {
  const amounts = emptyAmounts();
  if (!list) return amounts;
  for (const name of Object.keys(list)) addResource(amounts, name, amountOf(name, list[name]));
  return amounts;
}

function addResource(amounts: ResourceAmounts, name: string, amount: number): void {
  switch (name) {
    case 'cpu':
      amounts.cpu += amount;
      break;
    case 'memory':
      amounts.memory += amount;
      break;
    case 'ephemeral-storage':
      amounts.ephemeralStorage += amount;
      break;
    default:
      amounts.scalar[name] = (amounts.scalar[name] ?? 0) + amount;
  }
}

export function addAmounts(into: ResourceAmounts, other: ResourceAmounts): ResourceAmounts {
  into.cpu += other.cpu;
  into.memory += other.memory;
  into.ephemeralStorage += other.ephemeralStorage;
  for (const name in other.scalar) into.scalar[name] = (into.scalar[name] ?? 0) + other.scalar[name];
  return into;
}

export function subtractAmounts(into: ResourceAmounts, other: ResourceAmounts): ResourceAmounts {
  into.cpu -= other.cpu;
  into.memory -= other.memory;
  into.ephemeralStorage -= other.ephemeralStorage;
  for (const name in other.scalar) into.scalar[name] = (into.scalar[name] ?? 0) - other.scalar[name];
  return into;
}

function maxInto(into: ResourceAmounts, other: ResourceAmounts): void {
  into.cpu = Math.max(into.cpu, other.cpu);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const name of Object.keys(other.scalar)) into.scalar[name] = Math.max(into.scalar[name] ?? 0, other.scalar[name]);
}

function copyAmounts(amounts: ResourceAmounts): ResourceAmounts {
  return { cpu: amounts.cpu, memory: amounts.memory, ephemeralStorage: amounts.ephemeralStorage, scalar: { ...amounts.scalar } };
}

/**
 * A container's requests. A resource with a limit but no request requests its limit, as API defaulting does,
 * so objects read from a real cluster and raw manifests give the same answer.
 */
export function containerRequests(container: any, nonZero = false): ResourceAmounts {
  const requests = container?.resources?.requests ?? {};
  const limits = container?.resources?.limits ?? {};
  const amounts = emptyAmounts();
  for (const name in requests) {
    const quantity = requests[name] ?? limits[name];
    if (quantity !== undefined && quantity !== null) addResource(amounts, name, amountOf(name, quantity));
  }
  for (const name in limits) {
    const quantity = limits[name];
    if (!(name in requests) && quantity !== undefined && quantity !== null) addResource(amounts, name, amountOf(name, quantity));
  }
  if (nonZero) {
    // upstream substitutes the defaults only when the resource is absent, not when it is explicitly zero
    if (requests.cpu === undefined && limits.cpu === undefined) amounts.cpu = DEFAULT_MILLI_CPU_REQUEST;
    if (requests.memory === undefined && limits.memory === undefined) amounts.memory = DEFAULT_MEMORY_REQUEST;
  }
  return amounts;
}

function isSidecar(container: any): boolean {
  return container?.restartPolicy === 'Always';
}

/**
 * The pod's effective requests. With `nonZero`, containers without a cpu or memory request count as
 * 100m / 200Mi, which is what the scheduler's scoring (not its filtering) uses.
 */
export function podRequests(pod: KubeObject, options: { nonZero?: boolean } = {}): ResourceAmounts {
  const spec = pod.spec ?? {};
  const nonZero = options.nonZero ?? false;
  const containers = spec.containers ?? [];
  // most pods have one container: its requests are the total, without summing into a copy
  const total = containers.length === 1 ? containerRequests(containers[0], nonZero) : emptyAmounts();
  if (containers.length > 1) for (const container of containers) addAmounts(total, containerRequests(container, nonZero));
  if (spec.initContainers?.length) addInitContainers(total, spec.initContainers, nonZero);

  const podLevel = spec.resources?.requests;
  if (podLevel) {
    if (podLevel.cpu !== undefined) total.cpu = amountOf('cpu', podLevel.cpu);
    if (podLevel.memory !== undefined) total.memory = amountOf('memory', podLevel.memory);
  }
  if (spec.overhead) addAmounts(total, amountsOf(spec.overhead));
  return total;
}

function addInitContainers(total: ResourceAmounts, initContainers: any[], nonZero: boolean): void {
  const sidecars = emptyAmounts();
  const initPeak = emptyAmounts();
  for (const container of initContainers) {
    const own = containerRequests(container, nonZero);
    let during: ResourceAmounts;
    if (isSidecar(container)) {
      // a sidecar keeps running next to the app containers and every init container started after it
      addAmounts(total, own);
      addAmounts(sidecars, own);
      during = copyAmounts(sidecars);
    } else {
      during = addAmounts(own, sidecars);
    }
    maxInto(initPeak, during);
  }
  maxInto(total, initPeak);
}

/** True when the pod asks for nothing the resource filter checks beyond a pod slot. */
export function requestsNothing(amounts: ResourceAmounts): boolean {
  if (amounts.cpu !== 0 || amounts.memory !== 0 || amounts.ephemeralStorage !== 0) return false;
  for (const name of Object.keys(amounts.scalar)) if (amounts.scalar[name] !== 0) return false;
  return true;
}

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** The pod's QoS class (qos.GetPodQOS), from cpu and memory requests and limits of all its containers. */
export function qosClass(pod: KubeObject): QosClass {
  const spec = pod.spec ?? {};
  if (spec.resources?.requests || spec.resources?.limits) return podLevelQos(spec.resources);
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const requests = { cpu: 0, memory: 0 };
  const limits = { cpu: 0, memory: 0 };
  let anyRequest = false;
  let everyLimit = containers.length > 0;
  for (const container of containers) {
    const req = container.resources?.requests ?? {};
    const lim = container.resources?.limits ?? {};
    for (const name of ['cpu', 'memory'] as const) {
      const request = req[name] ?? lim[name];
      if (request !== undefined && amountOf(name, request) !== 0) {
        anyRequest = true;
        requests[name] += amountOf(name, request);
      }
      if (lim[name] !== undefined && amountOf(name, lim[name]) !== 0) {
        anyRequest = true;
        limits[name] += amountOf(name, lim[name]);
      } else {
        everyLimit = false;
      }
    }
  }
  if (!anyRequest) return 'BestEffort';
  return everyLimit && requests.cpu === limits.cpu && requests.memory === limits.memory ? 'Guaranteed' : 'Burstable';
}

function podLevelQos(resources: any): QosClass {
  const req = resources.requests ?? {};
  const lim = resources.limits ?? {};
  const amount = (list: any, name: string) => (list[name] === undefined ? 0 : amountOf(name, list[name]));
  const set = ['cpu', 'memory'].some((name) => amount(req, name) !== 0 || amount(lim, name) !== 0);
  if (!set) return 'BestEffort';
  const guaranteed = ['cpu', 'memory'].every((name) => amount(lim, name) !== 0 && amount(req[name] === undefined ? lim : req, name) === amount(lim, name));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
