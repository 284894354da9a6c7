// The disruption controller: keeps every PodDisruptionBudget's status true (expectedPods, currentHealthy,
// desiredHealthy, disruptionsAllowed, disruptedPods, observedGeneration, the DisruptionAllowed condition), which
// is what the eviction subresource decides by. The arithmetic is src/domain/disruption.ts; this file only
// watches, lists and writes. Changes are picked up in the same event-loop turn's batch, so an eviction right
// after a pod turns Ready sees the new budget.

import { evaluateBudget, type BudgetStatus } from '../../domain/disruption.ts';
import type { KubeObject } from '../../domain/object.ts';
import { jsonEqual } from '../../domain/patch.ts';
import { labelSelectorFromSpec, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { parseEntry, type StoreEvent } from '../apiserver/store.ts';
import { storageKeyOf } from '../apiserver/resources.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import { serviceControllerLookup } from './typelookup.ts';

const SOURCE = { component: 'controllermanager' };

export function startDisruptionController(ctx: ClusterContext): Stop {
  const { service, types } = ctx;
  const lookup = serviceControllerLookup(service);
  /** namespace -> budget name -> selector ('invalid' when it cannot be parsed: such a budget is synced on any pod change) */
  const budgets = new Map<string, Map<string, LabelSelector | 'invalid'>>();

  const remember = (pdb: KubeObject): void => {
    const namespace = pdb.metadata.namespace as string;
    let inNamespace = budgets.get(namespace);
    if (!inNamespace) budgets.set(namespace, (inNamespace = new Map()));
    let selector: LabelSelector | 'invalid';
    try {
      selector = labelSelectorFromSpec(pdb.spec?.selector);
    } catch {
      selector = 'invalid';
    }
    inNamespace.set(pdb.metadata.name as string, selector);
  };

  const forget = (namespace: string, name: string): void => {
    const inNamespace = budgets.get(namespace);
    inNamespace?.delete(name);
    if (inNamespace?.size === 0) budgets.delete(namespace);
  };

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const pdb = service.find(types.podDisruptionBudgets, namespace, name);
    if (!pdb) return;
    const now = ctx.clock.now();
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(pdb.spec?.selector);
    } catch (error) {
      writeStatus(pdb, failSafe(pdb, `invalid selector: ${(error as Error).message}`, now));
      return;
    }
    const pods = service.store
      .list(storageKeyOf(types.pods), { namespace, filter: (entry) => matchesLabels(selector, entry.labels) })
      .entries.map(parseEntry);
    if (pods.length === 0) ctx.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found', SOURCE);
    const result = evaluateBudget(pdb, pods, lookup, now);
    if (result.error) ctx.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', result.error, SOURCE);
    if (result.unmanagedPods.length > 0) {
      ctx.events.record(pdb, 'Warning', 'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
        SOURCE);
    }
    for (const podName of result.notDeleted) {
      const pod = pods.find((p) => p.metadata.name === podName);
      if (pod) ctx.events.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${namespace}/${name} to be deleted but it wasn't`, SOURCE);
    }
    writeStatus(pdb, result.status);
    if (result.recheckAt !== undefined) queue.addAfter(key, Math.max(0, result.recheckAt - now.getTime()));
  };

  const writeStatus = (pdb: KubeObject, status: BudgetStatus): void => {
    if (jsonEqual(pdb.status ?? {}, status)) return;
    service.update(types.podDisruptionBudgets, pdb.metadata.namespace as string, pdb.metadata.name as string,
      { ...pdb, status }, { subresource: 'status' });
  };

  const queue = new WorkQueue(ctx, 'disruption', reconcile);

  const enqueueMatching = (namespace: string, labels: Record<string, string> | undefined): void => {
    const inNamespace = budgets.get(namespace);
    if (!inNamespace) return;
    for (const [name, selector] of inNamespace) {
      if (selector === 'invalid' || matchesLabels(selector, labels)) queue.add(keyOf(namespace, name));
    }
  };

  const stops: Array<() => void> = [];
  stops.push(onChange(ctx, types.podDisruptionBudgets, (event: StoreEvent) => {
    const { namespace, name } = event.entry;
    if (event.type === 'DELETED') forget(namespace, name);
    else remember(parseEntry(event.entry));
    queue.add(keyOf(namespace, name));
  }));

  stops.push(onChange(ctx, types.pods, (event: StoreEvent) => {
    const namespace = event.entry.namespace;
    if (!budgets.has(namespace)) return;
    enqueueMatching(namespace, event.entry.labels);
    if (event.previous && event.previous.labels !== event.entry.labels) enqueueMatching(namespace, event.previous.labels);
  }));

  // a workload's scale is the denominator of percentage budgets: resync the namespace's budgets when it changes
  for (const type of [types.deployments, types.replicaSets, types.statefulSets, types.replicationControllers]) {
    stops.push(onChange(ctx, type, (event: StoreEvent) => {
      const inNamespace = budgets.get(event.entry.namespace);
      if (!inNamespace) return;
      const replicas = (entry: typeof event.entry | undefined): unknown => (entry ? parseEntry(entry).spec?.replicas : undefined);
      if (event.type !== 'MODIFIED' || replicas(event.entry) !== replicas(event.previous)) {
        for (const name of inNamespace.keys()) queue.add(keyOf(event.entry.namespace, name));
      }
    }));
  }

  for (const entry of service.store.list(storageKeyOf(types.podDisruptionBudgets)).entries) {
    remember(parseEntry(entry));
    queue.add(keyOf(entry.namespace, entry.name));
  }

  return () => {
    for (const stop of stops) stop();
    queue.stop();
  };
}

function failSafe(pdb: KubeObject, message: string, now: Date): BudgetStatus {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const previous = pdb.status ?? {};
  const conditions = (previous.conditions ?? []).filter((c: any) => c.type !== 'DisruptionAllowed');
  const old = (previous.conditions ?? []).find((c: any) => c.type === 'DisruptionAllowed');
  conditions.push({
    type: 'DisruptionAllowed',
    status: 'False',
    reason: 'SyncFailed',
    message,
    observedGeneration: previous.observedGeneration,
    lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : time,
  });
  return { ...previous, disruptionsAllowed: 0, conditions };
}
