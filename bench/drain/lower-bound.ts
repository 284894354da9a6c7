// The shortest time in which ANY tool could drain a set of nodes of a scenario, from the scenario alone: its
// PodDisruptionBudgets, where its pods run, and the simulated kubelet's timings. Pure: no cluster needed.
//
// For one Deployment with k pods on the drained nodes, whose budget lets `a` of its pods be down at once
// (maxUnavailable, or replicas - minAvailable; percentages rounded up as the disruption controller does;
// a = k when no budget covers it):
//
//   - at most `a` of its pods can be evicted at t = 0; each further eviction needs a disruption back, i.e. the
//     replacement of an earlier evicted pod Ready, which takes at least T_start after that eviction (the
//     replacement is created the moment its predecessor is evicted: no scheduling, API or controller delay
//     is counted);
//   - so its pods leave in waves = ceil(k / a), the last wave evicted at (waves - 1) x T_start at the earliest;
//   - a drain is done when its pods are gone, and an evicted pod is gone T_stop after its eviction at the earliest.
//
//   bound(Deployment) = (ceil(k / a) - 1) x T_start + T_stop
//   bound(drain)      = max over Deployments of bound(Deployment)
//
// T_start = image pull (when imagePullPolicy is Always; otherwise the image may be on the node already: 0)
//           + container start + the readiness probe's initialDelaySeconds (the kubelet's defaults below);
// T_stop  = min(terminationGracePeriodSeconds, the time the container takes to stop after SIGTERM)
//           (sandbox.kmaint.io/stop-seconds, else the kubelet's default), less 1 s: the API server writes
//           deletionTimestamp (eviction time + grace) to the second, rounded down, and the kubelet ends the pod
//           by it, so a pod can be gone up to 1 s before its grace period has run (a pod evicted at 12.9 s
//           with 10 s of grace is gone at 22 s). The bound takes the earliest.
// Everything else (cordoning, listing, API round trips, budget status updates, scheduling) is taken as free,
// so no real drain can beat the bound; DaemonSet pods are not evicted (--ignore-daemonsets).

import type { KubeObject } from '../../src/domain/object.ts';
import { scaledValue } from '../../src/domain/disruption.ts';
import { labelSelectorFromSpec, matchesLabels } from '../../src/domain/selectors.ts';
import type { Scenario } from '../../src/sandbox/scenarios/format.ts';
import { scenarioObjects } from '../../src/sandbox/scenarios/loader.ts';

/** The simulated kubelet's defaults (src/sandbox/kubelet/fleet.ts, KubeletOptions; the sandbox starts it with them). */
export const KUBELET_DEFAULTS = { pullMs: 1000, startMs: 1000, stopMs: 2000 };
/** metav1.Time's resolution: deletionTimestamp is written to the second, rounded down */
const TIMESTAMP_RESOLUTION_SECONDS = 1;
const STOP_SECONDS = 'sandbox.kmaint.io/stop-seconds';

export interface WorkloadBound {
  deployment: string;
  replicas: number;
  /** its pods on the drained nodes */
  drainedPods: number;
  budget?: string;
  /** how many of its pods may be down at once */
  allowedAtOnce: number;
  waves: number;
  startSeconds: number;
  stopSeconds: number;
  seconds: number;
}

export interface LowerBound {
  seconds: number;
  /** the Deployment whose chain of evictions is longest */
  critical: string;
  formula: string;
  workloads: WorkloadBound[];
}

/** Seconds from a pod's creation to Ready at the earliest, and from its eviction to gone at the earliest, for a pod template. */
export function podTimings(template: KubeObject): { startSeconds: number; stopSeconds: number } {
  const spec = template.spec ?? {};
  const containers: any[] = spec.containers ?? [];
  const pulls = containers.some((c) => c.imagePullPolicy === 'Always');
  const readiness = Math.max(0, ...containers.map((c) => Number(c.readinessProbe?.initialDelaySeconds ?? 0)));
  const startSeconds = ((pulls ? KUBELET_DEFAULTS.pullMs : 0) + KUBELET_DEFAULTS.startMs) / 1000 + readiness;
  const grace = Number(spec.terminationGracePeriodSeconds ?? 30);
  const stopAnnotation = template.metadata?.annotations?.[STOP_SECONDS];
  const stop = stopAnnotation !== undefined ? Number(stopAnnotation) : KUBELET_DEFAULTS.stopMs / 1000;
  return { startSeconds, stopSeconds: Math.max(0, Math.min(grace, stop) - TIMESTAMP_RESOLUTION_SECONDS) };
}

/** How many of a Deployment's pods the budget lets be down at once (at full health). */
export function allowedAtOnce(pdb: KubeObject, replicas: number): number {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) return scaledValue(spec.maxUnavailable, replicas, true);
  if (spec.minAvailable !== undefined) return replicas - scaledValue(spec.minAvailable, replicas, true);
  return replicas;
}

export function drainLowerBound(scenario: Scenario, drained: ReadonlySet<string>): LowerBound {
  const objects = scenarioObjects(scenario);
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const workloads: WorkloadBound[] = [];
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    const namespace = deployment.metadata.namespace ?? 'default';
    const name = deployment.metadata.name as string;
    const placement = (scenario.placement ?? []).find((p) => p.kind === 'Deployment' && (p.namespace ?? 'default') === namespace && p.name === name);
    if (!placement) throw new Error(`scenario ${scenario.name}: Deployment ${namespace}/${name} has no placement, so where its pods run is not known`);
    const replicas = Number(deployment.spec?.replicas ?? 1);
    const drainedPods = placement.nodes.slice(0, replicas).filter((node) => drained.has(node)).length;
    if (drainedPods === 0) continue;
    const template = deployment.spec.template;
    const labels = template.metadata?.labels ?? {};
    const covering = pdbs.filter((pdb) => (pdb.metadata.namespace ?? 'default') === namespace && matchesLabels(labelSelectorFromSpec(pdb.spec?.selector), labels));
    if (covering.length > 1) throw new Error(`Deployment ${namespace}/${name} is covered by ${covering.length} budgets: its pods cannot be evicted at all`);
    const allowed = covering.length === 1 ? allowedAtOnce(covering[0], replicas) : drainedPods;
    if (allowed <= 0) throw new Error(`the budget of Deployment ${namespace}/${name} allows no disruption: the drain never ends`);
    const { startSeconds, stopSeconds } = podTimings(template);
    const waves = Math.ceil(drainedPods / allowed);
    workloads.push({
      deployment: `${namespace}/${name}`,
      replicas,
      drainedPods,
      budget: covering[0] ? `${namespace}/${covering[0].metadata.name}` : undefined,
      allowedAtOnce: allowed,
      waves,
      startSeconds,
      stopSeconds,
      seconds: (waves - 1) * startSeconds + stopSeconds,
    });
  }
  if (workloads.length === 0) throw new Error('no Deployment has pods on the drained nodes');
  const critical = workloads.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  return {
    seconds: critical.seconds,
    critical: critical.deployment,
    formula: `max over Deployments of (ceil(pods on drained nodes / pods its budget lets be down at once) - 1) x T_start + T_stop; here ${critical.deployment}: (${critical.waves} - 1) x ${critical.startSeconds} s + ${critical.stopSeconds} s`,
    workloads,
  };
}
