// HorizontalPodAutoscaler arithmetic, on upstream's replica calculator and normalization rules:
//   desiredReplicas = ceil(currentReplicas × currentMetricValue / desiredMetricValue)
// for Resource metrics (utilization relative to requests, or an average value), with the 0.1 tolerance,
// unready and missing pods treated as upstream treats them, min/max replicas, and the scaling rules: the
// legacy ones when spec.behavior is absent (scale up at most max(2×, 4) per sync, a 5 minute scale-down
// stabilization) or behavior policies (defaults: up by max(100%, 4 pods) per 15 s, down after 300 s).
// No I/O and no clock: callers pass `nowMs` and keep the returned recommendation history and scale events.

import type { KubeObject } from './object.ts';
import { milliValue, parseQuantity } from './quantity.ts';

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const INITIAL_READINESS_DELAY_MS = 30_000;
/** --horizontal-pod-autoscaler-downscale-stabilization */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

/** One pod's usage of a resource as metrics.k8s.io reports it: milli-units summed over containers. */
export interface PodMetric {
  milli: number;
  timestampMs: number;
  windowMs: number;
}

export interface GroupedPods {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function condition(pod: KubeObject, type: string): any {
  return (pod.status?.conditions ?? []).find((c: any) => c?.type === type);
}

/**
 * upstream groupPods: terminating and failed pods are ignored; pending ones are unready; pods without a
 * metric are missing; for cpu, a pod still initializing (or never Ready since its start) counts as unready.
 */
export function groupPods(pods: readonly KubeObject[], metrics: ReadonlyMap<string, PodMetric>, resource: string, nowMs: number): GroupedPods {
  const grouped: GroupedPods = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name as string;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      grouped.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      grouped.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      grouped.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = condition(pod, 'Ready');
      const startMs = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || startMs === undefined) {
        unready = true;
      } else {
        const transitionMs = Date.parse(ready.lastTransitionTime ?? '') || 0;
        if (startMs + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
          // initializing: only a sample taken a whole window after the pod turned Ready counts
          unready = ready.status === 'False' || metric.timestampMs < transitionMs + metric.windowMs;
        } else {
          // past initialization: ignore a pod that has never been Ready
          unready = ready.status === 'False' && startMs + INITIAL_READINESS_DELAY_MS > transitionMs;
        }
      }
      if (unready) {
        grouped.unready.add(name);
        continue;
      }
    }
    grouped.readyPodCount++;
  }
  return grouped;
}

/** A container's request of a resource in milli-units, or undefined when it requests none. */
function requestMilli(container: any, resource: string): number | undefined {
  const value = container?.resources?.requests?.[resource];
  return value === undefined || value === null ? undefined : milliValue(parseQuantity(value));
}

/**
 * Each pod's request of the resource (containers and sidecar init containers), in milli-units. Throws when a
 * container has no request, as utilization cannot be computed then.
 */
export function podRequests(pods: readonly KubeObject[], resource: string, container = ''): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const request = requestMilli(c, resource);
      if (request === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += request;
    }
    requests.set(pod.metadata.name as string, sum);
  }
  return requests;
}

/** Utilization of the pods that have both a metric and a request: ratio to the target, percent, and average usage. */
export function utilizationRatio(metrics: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** The average of the metrics against a target average: ratio and average (upstream GetMetricUsageRatio). */
export function usageRatio(metrics: ReadonlyMap<string, number>, targetMilli: number): { ratio: number; average: number } {
  let total = 0;
  for (const value of metrics.values()) total += value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetMilli, average };
}

export interface ResourceInput {
  currentReplicas: number;
  resource: string;
  pods: readonly KubeObject[];
  metrics: ReadonlyMap<string, PodMetric>;
  nowMs: number;
  tolerance?: number;
  container?: string;
}

export interface ReplicaProposal {
  replicas: number;
  /** percent of request (utilization targets) */
  utilization?: number;
  /** average usage per pod in milli-units */
  averageMilli: number;
}

/** Replicas for a Resource metric with a target averageUtilization (upstream GetResourceReplicas). */
export function replicasForUtilization(input: ResourceInput & { targetUtilization: number }): ReplicaProposal {
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const grouped = groupPods(input.pods, input.metrics, input.resource, input.nowMs);
  const values = usable(input.metrics, grouped);
  if (values.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(input.pods, input.resource, input.container);
  const first = utilizationRatio(values, requests, input.targetUtilization);
  const result = (replicas: number): ReplicaProposal => ({ replicas, utilization: first.utilization, averageMilli: first.rawAverage });
  const scaleUpWithUnready = grouped.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && grouped.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(input.currentReplicas);
    return result(Math.ceil(first.ratio * grouped.readyPodCount));
  }
  // missing pods count as using their whole request on a scale-down and nothing on a scale-up; unready ones nothing
  if (grouped.missing.size > 0) {
    for (const name of grouped.missing) values.set(name, first.ratio < 1 ? (requests.get(name) ?? 0) : 0);
  }
  if (scaleUpWithUnready) for (const name of grouped.unready) values.set(name, 0);
  const second = utilizationRatio(values, requests, input.targetUtilization);
  return result(rebalanced(input.currentReplicas, first.ratio, second.ratio, values.size, tolerance));
}

/** Replicas for a Resource metric with a target averageValue (upstream GetRawResourceReplicas). */
export function replicasForAverageValue(input: ResourceInput & { targetAverageMilli: number }): ReplicaProposal {
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const grouped = groupPods(input.pods, input.metrics, input.resource, input.nowMs);
  const values = usable(input.metrics, grouped);
  if (values.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const first = usageRatio(values, input.targetAverageMilli);
  const result = (replicas: number): ReplicaProposal => ({ replicas, averageMilli: first.average });
  const scaleUpWithUnready = grouped.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && grouped.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(input.currentReplicas);
    return result(Math.ceil(first.ratio * grouped.readyPodCount));
  }
  if (grouped.missing.size > 0) {
    for (const name of grouped.missing) values.set(name, first.ratio < 1 ? input.targetAverageMilli : 0);
  }
  if (scaleUpWithUnready) for (const name of grouped.unready) values.set(name, 0);
  const second = usageRatio(values, input.targetAverageMilli);
  return result(rebalanced(input.currentReplicas, first.ratio, second.ratio, values.size, tolerance));
}

/** The metrics of the pods that count: neither ignored nor unready. */
function usable(metrics: ReadonlyMap<string, PodMetric>, grouped: GroupedPods): Map<string, number> {
  const values = new Map<string, number>();
  for (const [name, metric] of metrics) {
    if (grouped.ignored.has(name) || grouped.unready.has(name)) continue;
    values.set(name, metric.milli);
  }
  return values;
}

/** After filling in missing and unready pods: no change when that flips the direction or lands in tolerance. */
function rebalanced(current: number, firstRatio: number, secondRatio: number, count: number, tolerance: number): number {
  if (Math.abs(1 - secondRatio) <= tolerance || (firstRatio < 1 && secondRatio > 1) || (firstRatio > 1 && secondRatio < 1)) return current;
  const replicas = Math.ceil(secondRatio * count);
  if ((secondRatio < 1 && replicas > current) || (secondRatio > 1 && replicas < current)) return current;
  return replicas;
}

// ---------------------------------------------------------------------------------------------------------
// Normalization: stabilization, rate limits, min and max

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** The API's defaults for a behavior that is given (upstream GenerateHPAScaleUpRules / ScaleDownRules). */
export function defaultBehavior(behavior: Behavior): Required<{ scaleUp: Required<ScalingRules>; scaleDown: Required<ScalingRules> }> {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies && up.policies.length > 0 ? up.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_MS / 1000,
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies && down.policies.length > 0 ? down.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

export interface Recommendation {
  replicas: number;
  atMs: number;
}

export interface ScaleEvent {
  change: number;
  atMs: number;
}

/** What the controller remembers per autoscaler between syncs (upstream keeps it in memory too). */
export interface ScalingHistory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function emptyHistory(): ScalingHistory {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
}

export interface ConditionOutcome {
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  history: ScalingHistory;
  /** the AbleToScale condition (status True) */
  ableToScale: ConditionOutcome;
  /** the ScalingLimited condition */
  scalingLimited: ConditionOutcome & { status: 'True' | 'False' };
}

export interface NormalizeInput {
  currentReplicas: number;
  /** the metrics' proposal */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior?: Behavior | null;
  history: ScalingHistory;
  nowMs: number;
}

/** Stabilizes and limits a proposal (upstream normalizeDesiredReplicas / ...WithBehaviors). */
export function normalizeReplicas(input: NormalizeInput): Normalized {
  return input.behavior ? normalizeWithBehavior(input, defaultBehavior(input.behavior)) : normalizeLegacy(input);
}

function normalizeLegacy(input: NormalizeInput): Normalized {
  const cutoff = input.nowMs - DOWNSCALE_STABILIZATION_MS;
  let stabilized = input.desiredReplicas;
  const recommendations = [...input.history.recommendations];
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.atMs < cutoff) oldIndex = i;
    else if (rec.replicas > stabilized) stabilized = rec.replicas;
  });
  const fresh = { replicas: input.desiredReplicas, atMs: input.nowMs };
  if (oldIndex >= 0) recommendations[oldIndex] = fresh;
  else recommendations.push(fresh);
  const ableToScale = stabilized !== input.desiredReplicas
    ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * input.currentReplicas, SCALE_UP_LIMIT_MINIMUM);
  let limited: ConditionOutcome & { replicas: number };
  let maximum: number;
  let maxReason: ConditionOutcome;
  if (input.maxReplicas > scaleUpLimit) {
    maximum = scaleUpLimit;
    maxReason = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else {
    maximum = input.maxReplicas;
    maxReason = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  }
  if (stabilized < input.minReplicas) limited = { replicas: input.minReplicas, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  else if (stabilized > maximum) limited = { replicas: maximum, ...maxReason };
  else limited = { replicas: stabilized, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  return {
    replicas: limited.replicas,
    history: { ...input.history, recommendations },
    ableToScale,
    scalingLimited: { status: limited.replicas === stabilized ? 'False' : 'True', reason: limited.reason, message: limited.message },
  };
}

function normalizeWithBehavior(input: NormalizeInput, behavior: ReturnType<typeof defaultBehavior>): Normalized {
  // stabilization: the lowest recent recommendation when going up, the highest when going down
  const up = input.desiredReplicas >= input.currentReplicas;
  const windowSeconds = up ? behavior.scaleUp.stabilizationWindowSeconds : behavior.scaleDown.stabilizationWindowSeconds;
  const better = up ? Math.min : Math.max;
  const cutoff = input.nowMs - windowSeconds * 1000;
  const obsolete = input.nowMs - Math.max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds) * 1000;
  let stabilized = input.desiredReplicas;
  let oldIndex = -1;
  const recommendations = [...input.history.recommendations];
  recommendations.forEach((rec, i) => {
    if (rec.atMs > cutoff) stabilized = better(rec.replicas, stabilized);
    if (rec.atMs < obsolete) oldIndex = i;
  });
  const fresh = { replicas: input.desiredReplicas, atMs: input.nowMs };
  if (oldIndex >= 0) recommendations[oldIndex] = fresh;
  else recommendations.push(fresh);
  const ableToScale = stabilized === input.desiredReplicas
    ? { reason: 'ReadyForNewScale', message: 'recommended size matches current size' }
    : up
      ? { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

  const { scaleUpEvents, scaleDownEvents } = input.history;
  let result: ConditionOutcome & { replicas: number } = { replicas: stabilized, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  if (stabilized > input.currentReplicas) {
    const limit = Math.max(scaleUpLimit(input.currentReplicas, scaleUpEvents, scaleDownEvents, behavior.scaleUp, input.nowMs), input.currentReplicas);
    const [maximum, reason] = input.maxReplicas > limit
      ? [limit, { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' }]
      : [input.maxReplicas, { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }];
    if (stabilized > maximum) result = { replicas: maximum, ...reason };
  } else if (stabilized < input.currentReplicas) {
    const limit = Math.min(scaleDownLimit(input.currentReplicas, scaleUpEvents, scaleDownEvents, behavior.scaleDown, input.nowMs), input.currentReplicas);
    const [minimum, reason] = input.minReplicas < limit
      ? [limit, { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' }]
      : [input.minReplicas, { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }];
    if (stabilized < minimum) result = { replicas: minimum, ...reason };
  }
  return {
    replicas: result.replicas,
    history: { ...input.history, recommendations },
    ableToScale,
    scalingLimited: { status: result.replicas === stabilized ? 'False' : 'True', reason: result.reason, message: result.message },
  };
}

function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let change = 0;
  for (const event of events) if (event.atMs > cutoff) change += event.change;
  return change;
}

/** The most replicas the scale-up policies allow now (upstream calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Required<ScalingRules>, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const policy of rules.policies) {
    const start = current - changeInPeriod(policy.periodSeconds, upEvents, nowMs) + changeInPeriod(policy.periodSeconds, downEvents, nowMs);
    const proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down policies allow now (upstream calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Required<ScalingRules>, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const policy of rules.policies) {
    const start = current - changeInPeriod(policy.periodSeconds, upEvents, nowMs) + changeInPeriod(policy.periodSeconds, downEvents, nowMs);
    const proposed = policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** Remembers a rescale for the rate limits (only with a behavior, as upstream), dropping events past the longest period. */
export function recordScale(history: ScalingHistory, behavior: Behavior | null | undefined, from: number, to: number, nowMs: number): ScalingHistory {
  if (!behavior || from === to) return history;
  const rules = defaultBehavior(behavior);
  const longest = (r: Required<ScalingRules>): number => Math.max(0, ...r.policies.map((p) => p.periodSeconds)) * 1000;
  const keep = (events: ScaleEvent[], periodMs: number): ScaleEvent[] => events.filter((e) => e.atMs > nowMs - periodMs);
  const scaleUpEvents = keep(history.scaleUpEvents, longest(rules.scaleUp));
  const scaleDownEvents = keep(history.scaleDownEvents, longest(rules.scaleDown));
  if (to > from) scaleUpEvents.push({ change: to - from, atMs: nowMs });
  else scaleDownEvents.push({ change: from - to, atMs: nowMs });
  return { ...history, scaleUpEvents, scaleDownEvents };
}
