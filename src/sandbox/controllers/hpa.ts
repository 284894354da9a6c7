// The HorizontalPodAutoscaler controller: every 15 simulated seconds (and as soon as an autoscaler is created or
// changed) it reads the target's scale, the metrics.k8s.io usage the kubelets report (ctx.metrics), computes the
// replicas with src/domain/hpa.ts, scales the target through the scale subresource's semantics and writes the
// status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime, conditions AbleToScale, ScalingActive,
// ScalingLimited) with upstream's reasons and messages. Only Resource and ContainerResource metrics are served
// here (pods, object and external metrics need a custom metrics API the sandbox does not have).

import {
  emptyHistory,
  normalizeReplicas,
  recordScale,
  replicasForAverageValue,
  replicasForUtilization,
  type Behavior,
  type PodMetric,
  type ScalingHistory,
} from '../../domain/hpa.ts';
import type { KubeObject } from '../../domain/object.ts';
import { jsonEqual } from '../../domain/patch.ts';
import { formatQuantity, milliValue, parseQuantity, quantityFromMilli } from '../../domain/quantity.ts';
import { matchesLabels } from '../../domain/selectors.ts';
import { applyScale } from '../apiserver/subresources.ts';
import { storageKeyOf } from '../apiserver/resources.ts';
import { parseEntry, type StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import { hasScale, scaleViewOf, typeForKind } from './typelookup.ts';

/** --horizontal-pod-autoscaler-sync-period */
export const HPA_SYNC_PERIOD_MS = 15_000;
const SOURCE = { component: 'horizontal-pod-autoscaler' };

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

class Conditions {
  constructor(private list: Condition[], private readonly now: string) {}
  set(type: string, status: 'True' | 'False', reason: string, message: string): void {
    const at = this.list.findIndex((c) => c.type === type);
    const previous = at >= 0 ? this.list[at] : undefined;
    const next = { type, status, lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : this.now, reason, message };
    if (at >= 0) this.list[at] = next;
    else this.list.push(next);
  }
  all(): Condition[] {
    return this.list;
  }
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The default an API server gives autoscaling/v2 specs: one cpu metric at 80% utilization. */
function metricsOf(hpa: KubeObject): any[] {
  const metrics = hpa.spec?.metrics;
  if (Array.isArray(metrics) && metrics.length > 0) return metrics;
  return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
}

export function startHorizontalPodAutoscaler(ctx: ClusterContext): Stop {
  const { service, types } = ctx;
  const histories = new Map<string, ScalingHistory>();

  /** The pods' usage of a resource (optionally of one container), in milli-units, from the metrics board. */
  const podMetrics = (namespace: string, resource: string, container?: string): Map<string, PodMetric> => {
    const result = new Map<string, PodMetric>();
    for (const item of ctx.metrics.pods(namespace)) {
      let milli = 0;
      let found = false;
      for (const c of item.containers ?? []) {
        if (container && c.name !== container) continue;
        const value = c.usage?.[resource];
        if (value === undefined) continue;
        milli += milliValue(parseQuantity(value));
        found = true;
      }
      if (!found) continue;
      const window = /^(\d+)s$/.exec(String(item.window ?? '10s'));
      result.set(item.metadata.name as string, { milli, timestampMs: Date.parse(item.timestamp), windowMs: window ? Number(window[1]) * 1000 : 10_000 });
    }
    return result;
  };

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const hpa = service.find(types.horizontalPodAutoscalers, namespace, name);
    if (!hpa) {
      histories.delete(key);
      return;
    }
    const now = ctx.clock.now();
    const nowMs = now.getTime();
    const time = timestamp(now);
    const previousStatus = hpa.status ?? {};
    const conditions = new Conditions(structuredClone(previousStatus.conditions ?? []), time);
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const minReplicas: number = typeof hpa.spec?.minReplicas === 'number' ? hpa.spec.minReplicas : 1;
    const maxReplicas: number = hpa.spec?.maxReplicas ?? minReplicas;
    const behavior: Behavior | undefined = hpa.spec?.behavior ?? undefined;

    const write = (status: Record<string, unknown>): void => {
      const next = { ...status, conditions: conditions.all() };
      if (jsonEqual(previousStatus, next)) return;
      service.update(types.horizontalPodAutoscalers, namespace, name, { ...hpa, status: next }, { subresource: 'status' });
    };

    const targetType = typeForKind(service, String(ref.apiVersion ?? ''), String(ref.kind ?? ''));
    const target = targetType && hasScale(targetType) ? service.find(targetType, namespace, String(ref.name ?? '')) : undefined;
    if (!targetType || !target) {
      const why = !targetType
        ? `no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`
        : !hasScale(targetType) ? `${targetType.resource}${targetType.group ? '.' + targetType.group : ''} does not implement the scale subresource`
        : `${targetType.resource}${targetType.group ? '.' + targetType.group : ''} "${ref.name}" not found`;
      ctx.events.record(hpa, 'Warning', 'FailedGetScale', why, SOURCE);
      conditions.set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${why}`);
      write({ ...previousStatus, currentReplicas: previousStatus.currentReplicas ?? 0, desiredReplicas: previousStatus.desiredReplicas ?? 0 });
      return;
    }
    const scale = scaleViewOf(targetType, target);
    conditions.set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = scale.specReplicas;
    let history = histories.get(key) ?? emptyHistory();
    let desiredReplicas: number;
    let rescaleReason = '';
    let metricStatuses: any[] = previousStatus.currentMetrics ?? [];

    if (currentReplicas === 0 && minReplicas !== 0) {
      conditions.set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      desiredReplicas = 0;
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const pods = service.store
        .list(storageKeyOf(types.pods), { namespace, filter: (entry) => matchesLabels(scale.selector, entry.labels) })
        .entries.map(parseEntry);
      const computed = computeForMetrics(metricsOf(hpa), pods, currentReplicas, namespace, nowMs);
      metricStatuses = computed.statuses;
      if (computed.replicas < 0) {
        conditions.set('ScalingActive', 'False', computed.errorReason, `the HPA was unable to compute the replica count: ${computed.error}`);
        ctx.events.record(hpa, 'Warning', computed.errorReason, computed.error, SOURCE);
        ctx.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${computed.invalid} invalid out of ${computed.total}), first error is: ${computed.error}`, SOURCE);
        write({ ...previousStatus, currentReplicas, desiredReplicas: previousStatus.desiredReplicas ?? 0, currentMetrics: metricStatuses.length > 0 ? metricStatuses : null });
        return;
      }
      conditions.set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${computed.metricName}`);
      desiredReplicas = computed.replicas;
      if (desiredReplicas > currentReplicas) rescaleReason = `${computed.metricName} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const normalized = normalizeReplicas({ currentReplicas, desiredReplicas, minReplicas, maxReplicas, behavior, history, nowMs });
      history = normalized.history;
      conditions.set('AbleToScale', 'True', normalized.ableToScale.reason, normalized.ableToScale.message);
      conditions.set('ScalingLimited', normalized.scalingLimited.status, normalized.scalingLimited.reason, normalized.scalingLimited.message);
      desiredReplicas = normalized.replicas;
    }

    const rescale = desiredReplicas !== currentReplicas && !(currentReplicas === 0 && minReplicas !== 0);
    let lastScaleTime = previousStatus.lastScaleTime;
    if (rescale) {
      try {
        applyScale(service, targetType, namespace, target.metadata.name as string, { spec: { replicas: desiredReplicas } });
      } catch (error) {
        const message = (error as Error).message;
        ctx.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`, SOURCE);
        conditions.set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
        write({ ...previousStatus, currentReplicas, desiredReplicas: previousStatus.desiredReplicas ?? 0, currentMetrics: metricStatuses });
        return;
      }
      conditions.set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
      ctx.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`, SOURCE);
      history = recordScale(history, behavior, currentReplicas, desiredReplicas, nowMs);
      lastScaleTime = time;
    } else {
      desiredReplicas = currentReplicas;
    }
    histories.set(key, history);
    write({
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas,
      desiredReplicas,
      ...(metricStatuses.length > 0 ? { currentMetrics: metricStatuses } : {}),
    });
  };

  /** Upstream computeReplicasForMetrics: the largest proposal; -1 when every metric (or any, on a scale-down) failed. */
  const computeForMetrics = (specs: any[], pods: KubeObject[], currentReplicas: number, namespace: string, nowMs: number) => {
    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let error = '';
    let errorReason = '';
    const statuses: any[] = [];
    for (const spec of specs) {
      try {
        const result = computeForMetric(spec, pods, currentReplicas, namespace, nowMs);
        statuses.push(result.status);
        if (result.replicas > replicas) {
          replicas = result.replicas;
          metricName = result.name;
        }
      } catch (e) {
        invalid++;
        if (!error) {
          error = (e as Error).message;
          errorReason = spec?.type === 'Resource' || spec?.type === 'ContainerResource' ? `FailedGet${spec.type}Metric` : 'FailedGetMetric';
        }
        statuses.push({ type: '' });
      }
    }
    const valid = statuses.filter((s) => s.type !== '');
    if (invalid >= specs.length || (invalid > 0 && replicas < currentReplicas)) {
      return { replicas: -1, metricName, statuses: valid, error, errorReason, invalid, total: specs.length };
    }
    return { replicas, metricName, statuses: valid, error, errorReason, invalid, total: specs.length };
  };

  const computeForMetric = (spec: any, pods: KubeObject[], currentReplicas: number, namespace: string, nowMs: number): { replicas: number; name: string; status: any } => {
    const type = spec?.type;
    if (type !== 'Resource' && type !== 'ContainerResource') throw new Error(`unable to get metric of type ${type}: the sandbox serves resource metrics only`);
    const source = type === 'Resource' ? spec.resource : spec.containerResource;
    const resource: string = source?.name;
    const container: string | undefined = type === 'ContainerResource' ? source?.container : undefined;
    const target = source?.target ?? {};
    const metrics = podMetrics(namespace, resource, container);
    if (metrics.size === 0) throw new Error(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    const statusKey = type === 'Resource' ? 'resource' : 'containerResource';
    const identity = type === 'Resource' ? { name: resource } : { name: resource, container };
    const base = { currentReplicas, resource, pods, metrics, nowMs, container };
    if (target.type === 'Utilization' || (target.averageUtilization !== undefined && target.averageValue === undefined)) {
      if (typeof target.averageUtilization !== 'number') throw new Error(`invalid resource metric source: neither a utilization target nor a value target was set`);
      const result = replicasForUtilization({ ...base, targetUtilization: target.averageUtilization });
      return {
        replicas: result.replicas,
        name: `${resource} resource utilization (percentage of request)`,
        status: { type, [statusKey]: { ...identity, current: { averageUtilization: result.utilization, averageValue: formatQuantity(quantityFromMilli(result.averageMilli)) } } },
      };
    }
    if (target.averageValue === undefined) throw new Error('invalid resource metric source: neither a utilization target nor a value target was set');
    const result = replicasForAverageValue({ ...base, targetAverageMilli: milliValue(parseQuantity(target.averageValue)) });
    return {
      replicas: result.replicas,
      name: `${resource} resource`,
      status: { type, [statusKey]: { ...identity, current: { averageValue: formatQuantity(quantityFromMilli(result.averageMilli)) } } },
    };
  };

  const queue = new WorkQueue(ctx, 'horizontal-pod-autoscaler', reconcile);
  const stopWatch = onChange(ctx, types.horizontalPodAutoscalers, (event: StoreEvent) => {
    // our own status writes come back here: only a new autoscaler or a spec change is worth an early sync
    if (event.type === 'MODIFIED' && event.previous) {
      const generation = (entry: typeof event.entry): unknown => parseEntry(entry).metadata.generation;
      if (generation(event.entry) === generation(event.previous)) return;
    }
    queue.add(keyOf(event.entry.namespace, event.entry.name));
  });
  const stopTicker = ctx.clock.every(HPA_SYNC_PERIOD_MS, () => {
    for (const entry of service.store.list(storageKeyOf(types.horizontalPodAutoscalers)).entries) queue.add(keyOf(entry.namespace, entry.name));
  });
  for (const entry of service.store.list(storageKeyOf(types.horizontalPodAutoscalers)).entries) queue.add(keyOf(entry.namespace, entry.name));

  return () => {
    stopWatch();
    stopTicker();
    queue.stop();
  };
}
