// kubectl drain's pod filters (k8s.io/kubectl/pkg/drain/filters.go) as data: which pods of a node a drain
// removes, which it leaves, and which stop it, with kubectl's words. No I/O: the one question kubectl asks
// the API server (does this pod's DaemonSet still exist?) is a lookup passed in, and the clock is `now`.
//
// kubectl runs each pod through skipDeleted -> daemonSet -> mirror -> localStorage -> unreplicated. The first
// filter that says "do not delete" ends the chain, and only the status of the last filter run is kept: a
// warning from an earlier filter is overwritten by a later filter's "okay" (upstream's own TODO says so). So
// `kubectl drain --force` prints nothing for an orphaned DaemonSet pod, and `--delete-emptydir-data` never
// prints "deleting Pods with local storage" in practice. The outcome here is kubectl's; the overwritten
// warnings are kept apart in `dropped` so that kmaint can still explain them.

import type { KubeObject, OwnerReference } from '../object.ts';

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'Pods that declare no controller (use --force to override)';
/** kubectl up to v1.35 had "cannot delete " inside the constant too, so its error says it twice. */
export const UNMANAGED_FATAL_V1_35 = `cannot delete ${UNMANAGED_FATAL}`;
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** The text kubectl prints: v1.35 (the binary the parity tests run) or upstream after kubernetes#135817. */
export type MessageStyle = 'v1.35' | 'upstream';

export interface DrainFilterOptions {
  /** --force: delete pods with no controller and orphaned DaemonSet pods */
  force?: boolean;
  /** --ignore-daemonsets */
  ignoreDaemonSets?: boolean;
  /** --delete-emptydir-data */
  deleteEmptyDirData?: boolean;
  /** --skip-wait-for-delete-timeout; only values > 0 do anything */
  skipWaitForDeleteTimeoutSeconds?: number;
  /** which kubectl's error text to give; default 'v1.35' */
  messages?: MessageStyle;
}

/**
 * kubectl GETs a pod's DaemonSet: true when it exists, false for NotFound. Throwing stands for any other API
 * error; its message becomes the pod's error, as kubectl does.
 */
export type DaemonSetExists = (namespace: string, name: string) => boolean;

export type PodKind = 'daemonset' | 'orphaned-daemonset' | 'mirror' | 'finished' | 'emptydir' | 'bare' | 'managed' | 'deleted-long-ago';

/** What the filter chain decided for one pod. */
export interface PodDecision {
  pod: KubeObject;
  /** ns/name as kubectl prints it */
  ref: string;
  /** evict: the drain removes it (eviction, or DELETE with --disable-eviction); skip: it stays */
  action: 'evict' | 'skip';
  /**
   * What the pod is, most telling first: deleted-long-ago (skipped by --skip-wait-for-delete-timeout),
   * daemonset / orphaned-daemonset (unfinished, controller kind DaemonSet), mirror, finished, bare (no
   * controller), emptydir (managed, with an emptyDir), managed.
   */
  kind: PodKind;
  /** the kept status is a warning (kubectl prints it under "Warning:") */
  warning?: string;
  /** the kept status is an error: the drain of this node stops before anything is evicted */
  error?: string;
  /** warnings of earlier filters that kubectl overwrote with a later status and so never prints */
  dropped?: string[];
  controller?: OwnerReference;
  /** the pod has an emptyDir volume (what kubectl calls local storage) */
  emptyDir: boolean;
}

export interface FilterResult {
  pods: PodDecision[];
  /** pods the drain removes, in the node's order */
  toEvict: PodDecision[];
  /** pods that stay (DaemonSet, mirror, deleted long ago) and, when there are errors, those that stop it */
  skipped: PodDecision[];
  /** one per distinct error, `cannot delete <msg>: ns/a, ns/b`; non-empty means kubectl refuses the node */
  errors: string[];
  /** the errors as kubectl's aggregate prints them (one as is, several as `[a, b]`); undefined when none */
  error?: string;
  /** one per distinct warning, `<msg>: ns/a, ns/b` */
  warnings: string[];
  /** `warnings` joined by "; ", what kubectl prints after "Warning: "; empty when none */
  warningText: string;
}

type Status =
  | { type: 'okay' }
  | { type: 'skip' }
  | { type: 'warning'; remove: boolean; message: string }
  | { type: 'error'; message: string };

const OKAY: Status = { type: 'okay' };
const SKIP: Status = { type: 'skip' };

export function isFinished(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** metav1.GetControllerOf: the first owner reference marked as controller. */
export function controllerRef(pod: KubeObject): OwnerReference | undefined {
  return (pod.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/**
 * The controller when it is an apps/v1 DaemonSet. kubectl v1.35 compares the whole group/version/kind: a
 * DaemonSet controller of any other version (apps/v1beta2, extensions/v1beta1) is an ordinary controller to it,
 * never looked up and evicted like a ReplicaSet's pod (checked against the binary in test/node-drain-parity).
 */
export function daemonSetControllerRef(pod: KubeObject): OwnerReference | undefined {
  const ref = controllerRef(pod);
  return ref?.kind === 'DaemonSet' && ref.apiVersion === 'apps/v1' ? ref : undefined;
}

export function hasEmptyDir(pod: KubeObject): boolean {
  return (pod.spec?.volumes ?? []).some((volume: any) => volume?.emptyDir !== undefined && volume?.emptyDir !== null);
}

export function isMirrorPod(pod: KubeObject): boolean {
  return Object.hasOwn(pod.metadata.annotations ?? {}, MIRROR_ANNOTATION);
}

export function podRef(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** shouldSkipPod: deleted more than N whole seconds ago (kubectl truncates to seconds, then compares >). */
export function deletedLongAgo(pod: KubeObject, timeoutSeconds: number | undefined, now: Date): boolean {
  const deleted = pod.metadata.deletionTimestamp;
  if (!timeoutSeconds || timeoutSeconds <= 0 || !deleted) return false;
  const seconds = Math.trunc((now.getTime() - Date.parse(deleted)) / 1000);
  return seconds > timeoutSeconds;
}

/** The client-go NotFound text for a DaemonSet. */
export function daemonSetNotFound(name: string): string {
  return `daemonsets.apps "${name}" not found`;
}

export interface PodFilter {
  name: string;
  run(pod: KubeObject): Status;
}

/** kubectl's filter chain for these options, in its order. */
export function drainFilters(options: DrainFilterOptions, daemonSetExists: DaemonSetExists, now: Date): PodFilter[] {
  const unmanagedFatal = (options.messages ?? 'v1.35') === 'v1.35' ? UNMANAGED_FATAL_V1_35 : UNMANAGED_FATAL;
  return [
    { name: 'skipDeleted', run: (pod) => (deletedLongAgo(pod, options.skipWaitForDeleteTimeoutSeconds, now) ? SKIP : OKAY) },
    {
      name: 'daemonSet',
      run(pod) {
        const ref = daemonSetControllerRef(pod);
        if (!ref || isFinished(pod)) return OKAY;
        let exists: boolean;
        try {
          exists = daemonSetExists(pod.metadata.namespace ?? '', ref.name);
        } catch (error) {
          return { type: 'error', message: (error as Error).message };
        }
        if (!exists) {
          const message = daemonSetNotFound(ref.name);
          return options.force ? { type: 'warning', remove: true, message } : { type: 'error', message };
        }
        return options.ignoreDaemonSets ? { type: 'warning', remove: false, message: DAEMONSET_WARNING } : { type: 'error', message: DAEMONSET_FATAL };
      },
    },
    { name: 'mirror', run: (pod) => (isMirrorPod(pod) ? SKIP : OKAY) },
    {
      name: 'localStorage',
      run(pod) {
        if (!hasEmptyDir(pod) || isFinished(pod)) return OKAY;
        return options.deleteEmptyDirData ? { type: 'warning', remove: true, message: LOCAL_STORAGE_WARNING } : { type: 'error', message: LOCAL_STORAGE_FATAL };
      },
    },
    {
      name: 'unreplicated',
      run(pod) {
        if (isFinished(pod) || controllerRef(pod)) return OKAY;
        return options.force ? { type: 'warning', remove: true, message: UNMANAGED_WARNING } : { type: 'error', message: unmanagedFatal };
      },
    },
  ];
}

function removes(status: Status): boolean {
  return status.type === 'okay' || (status.type === 'warning' && status.remove);
}

function kindOf(pod: KubeObject, skippedAsDeleted: boolean, daemonSetGone: boolean): PodKind {
  if (skippedAsDeleted) return 'deleted-long-ago';
  const ref = controllerRef(pod);
  if (daemonSetControllerRef(pod) && !isFinished(pod)) return daemonSetGone ? 'orphaned-daemonset' : 'daemonset';
  if (isMirrorPod(pod)) return 'mirror';
  if (isFinished(pod)) return 'finished';
  if (!ref) return 'bare';
  if (hasEmptyDir(pod)) return 'emptydir';
  return 'managed';
}

/** Runs one pod through the chain. */
export function decidePod(pod: KubeObject, filters: readonly PodFilter[]): PodDecision {
  let status: Status = OKAY;
  const dropped: string[] = [];
  let daemonSetGone = false;
  let skippedAsDeleted = false;
  for (const filter of filters) {
    if (status.type === 'warning') dropped.push(status.message);
    status = filter.run(pod);
    if (filter.name === 'skipDeleted') skippedAsDeleted = status.type === 'skip';
    if (filter.name === 'daemonSet' && (status.type === 'warning' || status.type === 'error')) {
      daemonSetGone = status.message === daemonSetNotFound(controllerRef(pod)?.name ?? '');
    }
    if (!removes(status)) break;
  }
  const decision: PodDecision = {
    pod,
    ref: podRef(pod),
    action: removes(status) ? 'evict' : 'skip',
    kind: kindOf(pod, skippedAsDeleted, daemonSetGone),
    controller: controllerRef(pod),
    emptyDir: hasEmptyDir(pod),
  };
  if (status.type === 'warning') decision.warning = status.message;
  if (status.type === 'error') decision.error = status.message;
  if (dropped.length > 0) decision.dropped = dropped;
  return decision;
}

/** Groups pods by message, keeping first-seen order (kubectl's order is Go map order, i.e. random). */
function grouped(decisions: readonly PodDecision[], pick: (d: PodDecision) => string | undefined): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const decision of decisions) {
    const message = pick(decision);
    if (message === undefined) continue;
    const key = message === '' ? 'unexpected error' : message;
    const refs = groups.get(key);
    if (refs) refs.push(decision.ref);
    else groups.set(key, [decision.ref]);
  }
  return groups;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several de-duplicated inside brackets. */
export function aggregateError(messages: readonly string[]): string | undefined {
  const unique = [...new Set(messages)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/**
 * kubectl's GetPodsForDeletion over one node's pods (the caller applies --pod-selector first, as kubectl's
 * list call does). With errors kubectl evicts nothing on that node.
 */
export function filterPods(pods: readonly KubeObject[], options: DrainFilterOptions, daemonSetExists: DaemonSetExists, now: Date): FilterResult {
  const filters = drainFilters(options, daemonSetExists, now);
  const decisions = pods.map((pod) => decidePod(pod, filters));
  const errors = [...grouped(decisions, (d) => d.error)].map(([message, refs]) => `cannot delete ${message}: ${refs.join(', ')}`);
  const warnings = [...grouped(decisions, (d) => d.warning)].map(([message, refs]) => `${message}: ${refs.join(', ')}`);
  return {
    pods: decisions,
    toEvict: decisions.filter((d) => d.action === 'evict'),
    skipped: decisions.filter((d) => d.action === 'skip'),
    errors,
    error: aggregateError(errors),
    warnings,
    warningText: warnings.join('; '),
  };
}
