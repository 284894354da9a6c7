// Server-side printing: the meta.k8s.io/v1 Table a v1.35 API server returns when kubectl asks for
// `as=Table`. Each printer reproduces the behaviour of upstream's pkg/printers/internalversion (built-in
// types), the apiextensions table convertor (custom resources) and the generic default convertor (types
// without a printer). The server always prints "wide" (every column, priority 1 included); kubectl hides
// the priority-1 columns unless `-o wide`.
//
// Upstream prints the internal (defaulted) form of an object. Where a field that the printers read would
// have been filled in by API defaulting (replicas, service type, job completions...), the printers here
// assume the same default so that an object stored without it prints like it would on a real cluster.

import type { KubeObject, ObjectMeta } from '../../domain/object.ts';
import { isPlainObject } from '../../domain/object.ts';
import type { PrinterColumn, ResourceType } from './resources.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: PartialObjectMetadata | KubeObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions?: TableColumnDefinition[];
  rows: TableRow[];
}

export interface RenderTableOptions {
  /** What each row's `object` carries: nothing, PartialObjectMetadata (the default) or the object itself. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** Leave out columnDefinitions (watch events after the first). */
  noHeaders?: boolean;
  /** List metadata to copy onto the Table. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

type Cell = unknown;

interface Printer {
  columns: TableColumnDefinition[];
  cells(object: any, now: Date): Cell[];
  conditions?(object: any): TableRowCondition[] | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Durations and small formatting helpers

/**
 * Upstream's duration.HumanDuration: about two significant figures ("45s", "3m20s", "10m", "3h5m", "2d3h",
 * "45d", "2y30d"). A duration up to 2 s negative counts as clock skew and prints "0s".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch, or undefined for an absent or unparsable timestamp (Go's zero time). */
function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** translateTimestampSince: the age of a timestamp, "<unknown>" when unset. */
function since(value: unknown, now: Date): string {
  const ms = timeOf(value);
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}

function age(object: any, now: Date): string {
  return since(object?.metadata?.creationTimestamp, now);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

function arr(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

function obj(value: unknown): Record<string, any> {
  return isPlainObject(value) ? value : {};
}

function nameOf(object: any): string {
  return str(object?.metadata?.name);
}

/** A quantity or int-or-string as upstream's String() prints it (quantities are passed through unnormalised). */
function quantity(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return '0';
}

function replicasOf(spec: any): number {
  return typeof spec?.replicas === 'number' ? int(spec.replicas) : 1;
}

// ---------------------------------------------------------------------------------------------------------
// Label selectors, formatted like labels.Selector.String()

function requirementString(key: string, operator: string, values: string[]): string | undefined {
  const sorted = [...values].sort();
  switch (operator) {
    case '=':
      return `${key}=${values[0]}`;
    case 'In':
    case 'NotIn':
      if (values.length === 0) return undefined;
      return `${key} ${operator === 'In' ? 'in' : 'notin'} (${sorted.join(',')})`;
    case 'Exists':
      return values.length === 0 ? key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${key}` : undefined;
    default:
      return undefined;
  }
}

function requirementsString(requirements: Array<{ key: string; text: string }>): string {
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** metav1.LabelSelectorAsSelector(selector).String(); undefined when the selector is invalid. */
function labelSelectorString(selector: unknown): string | undefined {
  if (!isPlainObject(selector)) return '';
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(obj(selector.matchLabels))) {
    requirements.push({ key, text: `${key}=${String(value)}` });
  }
  for (const expression of arr(selector.matchExpressions)) {
    const key = str(expression?.key);
    const text = requirementString(key, str(expression?.operator), arr(expression?.values).map(String));
    if (text === undefined) return undefined;
    requirements.push({ key, text });
  }
  return requirementsString(requirements);
}

/** metav1.FormatLabelSelector: "<none>" for an empty selector, "<error>" for an invalid one. */
function formatLabelSelector(selector: unknown): string {
  const text = labelSelectorString(selector);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
function formatLabels(labels: unknown): string {
  const text = requirementsString(Object.entries(obj(labels)).map(([key, value]) => ({ key, text: `${key}=${String(value)}` })));
  return text === '' ? '<none>' : text;
}

/** layoutContainerCells: container names and images, comma separated. */
function containerCells(podSpec: any): [string, string] {
  const containers = arr(podSpec?.containers);
  return [containers.map((c) => str(c?.name)).join(','), containers.map((c) => str(c?.image)).join(',')];
}

// ---------------------------------------------------------------------------------------------------------
// Column definitions

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATED_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const nameColumn = (): TableColumnDefinition => column('Name', 'string', NAME_DESCRIPTION, 0, 'name');
const ageColumn = (): TableColumnDefinition => column('Age', 'string', CREATED_DESCRIPTION);
const containersColumn = (): TableColumnDefinition => column('Containers', 'string', CONTAINERS_DESCRIPTION, 1);
const imagesColumn = (): TableColumnDefinition => column('Images', 'string', IMAGES_DESCRIPTION, 1);
const selectorColumn = (description = 'A label query over pods that should match the replica count.'): TableColumnDefinition =>
  column('Selector', 'string', description, 1);

// ---------------------------------------------------------------------------------------------------------
// Pods

const PRINTABLE_NODE_LOST = 'NodeLost';

function isRestartableInitContainer(container: any): boolean {
  return container?.restartPolicy === 'Always';
}

function hasCondition(conditions: unknown, type: string): boolean {
  return arr(conditions).some((c) => c?.type === type && c?.status === 'True');
}

function isPodInitialized(status: any): boolean {
  const condition = arr(status?.conditions).find((c) => c?.type === 'Initialized');
  return condition?.status === 'True';
}

function later(current: number | undefined, candidate: number | undefined): number | undefined {
  if (candidate === undefined) return current;
  return current === undefined || current < candidate ? candidate : current;
}

/** STATUS, READY and RESTARTS of a pod, by upstream's printPod rules. */
export function podSummary(pod: any, now: Date): { ready: string; status: string; restarts: string } {
  const spec = obj(pod?.spec);
  const status = obj(pod?.status);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  // A pod is created Pending; a stored pod without a phase has simply not been looked at yet.
  const phase = str(status.phase) || 'Pending';
  let reason = str(status.reason) || phase;
  for (const condition of arr(status.conditions)) {
    if (condition?.type === 'PodScheduled' && condition?.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, any>();
  for (const container of arr(spec.initContainers)) {
    initContainers.set(str(container?.name), container);
    if (isRestartableInitContainer(container)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] ?? {};
    const restartable = isRestartableInitContainer(initContainers.get(str(container.name)));
    const lastTerminated = container.lastState?.terminated;
    restarts += int(container.restartCount);
    if (lastTerminated) lastRestart = later(lastRestart, timeOf(lastTerminated.finishedAt));
    if (restartable) {
      restartableInitRestarts += int(container.restartCount);
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, timeOf(lastTerminated.finishedAt));
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      if (str(terminated.reason) === '') {
        reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
      } else {
        reason = `Init:${str(terminated.reason)}`;
      }
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isPodInitialized(status)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] ?? {};
      restarts += int(container.restartCount);
      const lastTerminated = container.lastState?.terminated;
      if (lastTerminated) lastRestart = later(lastRestart, timeOf(lastTerminated.finishedAt));
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated && str(terminated.reason) !== '') {
        reason = str(terminated.reason);
      } else if (terminated) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (container.ready === true && container.state?.running != null) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is Running (or NotReady), not Completed.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod?.metadata?.deletionTimestamp != null;
  if (deleting && status.reason === PRINTABLE_NODE_LOST) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(pod, now) {
    const summary = podSummary(pod, now);
    const status = obj(pod.status);
    const podIP = str(arr(status.podIPs)[0]?.ip) || str(status.podIP) || '<none>';
    const gates = arr(pod.spec?.readinessGates);
    let readinessGates = '<none>';
    if (gates.length > 0) {
      let trueConditions = 0;
      for (const gate of gates) {
        const condition = arr(status.conditions).find((c) => c?.type === gate?.conditionType);
        if (condition?.status === 'True') trueConditions++;
      }
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    return [
      nameOf(pod),
      summary.ready,
      summary.status,
      summary.restarts,
      age(pod, now),
      podIP,
      str(pod.spec?.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates,
    ];
  },
  conditions(pod) {
    switch (pod?.status?.phase) {
      case 'Succeeded':
        return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
      case 'Failed':
        return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
      default:
        return undefined;
    }
  },
};

// ---------------------------------------------------------------------------------------------------------
// Nodes

function nodeAddress(node: any, type: string): string {
  const address = arr(node?.status?.addresses).find((a) => a?.type === type);
  return address ? str(address.address) : '<none>';
}

function nodeRoles(node: any): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(obj(node?.metadata?.labels))) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value !== '') {
      roles.add(String(value));
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells(node, now) {
    const status: string[] = [];
    const ready = arr(node.status?.conditions).find((c) => c?.type === 'Ready');
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
    const info = obj(node.status?.nodeInfo);
    return [
      nameOf(node),
      status.join(','),
      nodeRoles(node),
      age(node, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

// ---------------------------------------------------------------------------------------------------------
// Workloads

const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells(deployment, now) {
    const status = obj(deployment.status);
    const [names, images] = containerCells(deployment.spec?.template?.spec);
    const selector = labelSelectorString(deployment.spec?.selector);
    return [
      nameOf(deployment),
      `${int(status.readyReplicas)}/${replicasOf(deployment.spec)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(deployment, now),
      names,
      images,
      selector === undefined ? '<invalid>' : selector,
    ];
  },
};

function replicaCountPrinter(selectorOf: (object: any) => string): Printer {
  return {
    columns: [
      nameColumn(),
      column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
      column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      ageColumn(),
      containersColumn(),
      imagesColumn(),
      selectorColumn(),
    ],
    cells(object, now) {
      const status = obj(object.status);
      const [names, images] = containerCells(object.spec?.template?.spec);
      return [nameOf(object), replicasOf(object.spec), int(status.replicas), int(status.readyReplicas), age(object, now), names, images, selectorOf(object)];
    },
  };
}

const replicaSetPrinter = replicaCountPrinter((rs) => formatLabelSelector(rs.spec?.selector));
const replicationControllerPrinter = replicaCountPrinter((rc) => formatLabels(rc.spec?.selector));

const statefulSetPrinter: Printer = {
  columns: [nameColumn(), column('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  cells(sts, now) {
    const [names, images] = containerCells(sts.spec?.template?.spec);
    return [nameOf(sts), `${int(sts.status?.readyReplicas)}/${replicasOf(sts.spec)}`, age(sts, now), names, images];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  cells(ds, now) {
    const status = obj(ds.status);
    const [names, images] = containerCells(ds.spec?.template?.spec);
    return [
      nameOf(ds),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

function jobStatus(job: any): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, 'Complete')) return 'Complete';
  if (hasCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp != null) return 'Terminating';
  if (hasCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(job, now) {
    const spec = obj(job.spec);
    const status = obj(job.status);
    const succeeded = int(status.succeeded);
    // Defaulting: a job with neither completions nor parallelism gets completions=1, parallelism=1.
    const completionsSet = typeof spec.completions === 'number' || spec.parallelism == null;
    let completions: string;
    if (completionsSet) {
      completions = `${succeeded}/${typeof spec.completions === 'number' ? int(spec.completions) : 1}`;
    } else {
      const parallelism = int(spec.parallelism);
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = timeOf(status.startTime);
    const end = timeOf(status.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now.getTime()) - start);
    const [names, images] = containerCells(spec.template?.spec);
    return [nameOf(job), jobStatus(job), completions, duration, age(job, now), names, images, formatLabelSelector(spec.selector)];
  },
};

const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(cronJob, now) {
    const spec = obj(cronJob.spec);
    const status = obj(cronJob.status);
    const jobSpec = obj(spec.jobTemplate?.spec);
    const [names, images] = containerCells(jobSpec.template?.spec);
    // Defaulting sets suspend=false.
    const suspend = typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : 'False';
    return [
      nameOf(cronJob),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      suspend,
      arr(status.active).length,
      status.lastScheduleTime ? since(status.lastScheduleTime, now) : '<none>',
      age(cronJob, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
};

const controllerRevisionPrinter: Printer = {
  columns: [nameColumn(), column('Controller', 'string', 'Controller of the object'), column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), ageColumn()],
  cells(revision, now) {
    const owner = arr(revision.metadata?.ownerReferences).find((o) => o?.controller === true);
    let controller = '<none>';
    if (owner) {
      const apiVersion = str(owner.apiVersion);
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const kind = str(owner.kind);
      controller = kind === '' && group === '' ? str(owner.name) : `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(owner.name)}`;
    }
    return [nameOf(revision), controller, int(revision.revision), age(revision, now)];
  },
};

// ---------------------------------------------------------------------------------------------------------
// Services and networking

function loadBalancerIngress(status: any): string[] {
  const result = new Set<string>();
  for (const ingress of arr(status?.loadBalancer?.ingress)) {
    if (str(ingress?.ip) !== '') result.add(ingress.ip);
    else if (str(ingress?.hostname) !== '') result.add(ingress.hostname);
  }
  return [...result].sort();
}

function serviceExternalIP(service: any): string {
  const spec = obj(service.spec);
  const externalIPs = arr(spec.externalIPs).map(String);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      // The server prints wide, so the address list is never clipped.
      const lb = loadBalancerIngress(service.status);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: unknown): string {
  const pieces = arr(ports).map((port) => {
    const protocol = str(port?.protocol) || 'TCP';
    return int(port?.nodePort) > 0 ? `${int(port.port)}:${int(port.nodePort)}/${protocol}` : `${int(port?.port)}/${protocol}`;
  });
  return pieces.length === 0 ? '<none>' : pieces.join(',');
}

const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(service, now) {
    const spec = obj(service.spec);
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    return [nameOf(service), str(spec.type) || 'ClusterIP', clusterIP, serviceExternalIP(service), servicePorts(spec.ports), age(service, now), formatLabels(spec.selector)];
  },
};

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints: up to three addresses, then " + N more...". */
function formatEndpoints(endpoints: any): string {
  const subsets = arr(endpoints.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const subset of subsets) {
    const addresses = arr(subset?.addresses);
    const ports = arr(subset?.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const address of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(address?.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const address of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(address?.ip), int(port?.port)));
      }
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

const endpointsPrinter: Printer = {
  columns: [nameColumn(), column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageColumn()],
  cells: (endpoints, now) => [nameOf(endpoints), formatEndpoints(endpoints), age(endpoints, now)],
};

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const text = list.join(',');
  if (more) return `${text} + ${count - max} more...`;
  return text === '' ? '<unset>' : text;
}

const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  cells(slice, now) {
    const max = 3;
    const ports: string[] = [];
    let portCount = 0;
    let portsMore = false;
    for (const port of arr(slice.ports)) {
      if (ports.length < max) ports.push(typeof port?.port === 'number' ? String(port.port) : typeof port?.name === 'string' ? port.name : '*');
      else if (ports.length === max) portsMore = true;
      portCount++;
    }
    const addresses: string[] = [];
    let addressCount = 0;
    let addressesMore = false;
    for (const endpoint of arr(slice.endpoints)) {
      for (const address of arr(endpoint?.addresses)) {
        if (addresses.length < max) addresses.push(String(address));
        else if (addresses.length === max) addressesMore = true;
        addressCount++;
      }
    }
    return [
      nameOf(slice),
      str(slice.addressType),
      listWithMore(ports, portsMore, portCount, max),
      listWithMore(addresses, addressesMore, addressCount, max),
      age(slice, now),
    ];
  },
};

function ingressHosts(rules: unknown): string {
  const list: string[] = [];
  const all = arr(rules);
  const max = 3;
  let more = false;
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && str(rule?.host) !== '') list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const text = list.join(',');
  return more ? `${text} + ${all.length - max} more...` : text;
}

const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(ingress, now) {
    const spec = obj(ingress.spec);
    return [
      nameOf(ingress),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      ingressHosts(spec.rules),
      loadBalancerIngress(ingress.status).join(','),
      arr(spec.tls).length > 0 ? '80, 443' : '80',
      age(ingress, now),
    ];
  },
};

const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(ingressClass, now) {
    const parameters = ingressClass.spec?.parameters;
    let text = '<none>';
    if (isPlainObject(parameters)) {
      text = str(parameters.kind);
      if (typeof parameters.apiGroup === 'string') text += `.${parameters.apiGroup}`;
      text += `/${str(parameters.name)}`;
    }
    return [nameOf(ingressClass), str(ingressClass.spec?.controller), text, age(ingressClass, now)];
  },
};

const networkPolicyPrinter: Printer = {
  columns: [nameColumn(), column('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn()],
  cells: (policy, now) => [nameOf(policy), formatLabelSelector(policy.spec?.podSelector ?? {}), age(policy, now)],
};

// ---------------------------------------------------------------------------------------------------------
// Config, storage, policy and the rest

const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(namespace, now) {
    const phase = str(namespace.status?.phase) || (namespace.metadata?.deletionTimestamp != null ? 'Terminating' : 'Active');
    return [nameOf(namespace), phase, age(namespace, now)];
  },
};

const configMapPrinter: Printer = {
  columns: [nameColumn(), column('Data', 'string', 'Data contains the configuration data.'), ageColumn()],
  cells: (cm, now) => [nameOf(cm), Object.keys(obj(cm.data)).length + Object.keys(obj(cm.binaryData)).length, age(cm, now)],
};

const secretPrinter: Printer = {
  columns: [nameColumn(), column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), column('Data', 'string', 'Data contains the secret data.'), ageColumn()],
  cells: (secret, now) => [nameOf(secret), str(secret.type) || 'Opaque', Object.keys(obj(secret.data)).length, age(secret, now)],
};

const serviceAccountPrinter: Printer = {
  columns: [nameColumn(), column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn()],
  cells: (sa, now) => [nameOf(sa), arr(sa.secrets).length, age(sa, now)],
};

function accessModes(modes: unknown): string {
  const present = new Set(arr(modes));
  const result: string[] = [];
  if (present.has('ReadWriteOnce')) result.push('RWO');
  if (present.has('ReadOnlyMany')) result.push('ROX');
  if (present.has('ReadWriteMany')) result.push('RWX');
  if (present.has('ReadWriteOncePod')) result.push('RWOP');
  return result.join(',');
}

const STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function storageClassOf(object: any): string {
  const annotation = object.metadata?.annotations?.[STORAGE_CLASS_ANNOTATION];
  if (typeof annotation === 'string') return annotation;
  return str(object.spec?.storageClassName);
}

const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  cells(pv, now) {
    const spec = obj(pv.spec);
    const claimRef = spec.claimRef;
    const claim = isPlainObject(claimRef) ? `${str(claimRef.namespace)}/${str(claimRef.name)}` : '';
    const phase = pv.metadata?.deletionTimestamp != null ? 'Terminating' : str(pv.status?.phase);
    return [
      nameOf(pv),
      quantity(spec.capacity?.storage),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claim,
      storageClassOf(pv),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      str(pv.status?.reason),
      age(pv, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
  ],
  cells(pvc, now) {
    const spec = obj(pvc.spec);
    const status = obj(pvc.status);
    const phase = pvc.metadata?.deletionTimestamp != null ? 'Terminating' : str(status.phase);
    const bound = str(spec.volumeName) !== '';
    return [
      nameOf(pvc),
      phase,
      str(spec.volumeName),
      bound ? quantity(status.capacity?.storage) : '',
      bound ? accessModes(status.accessModes) : '',
      storageClassOf(pvc),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      age(pvc, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

const storageClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  cells(sc, now) {
    const annotations = obj(sc.metadata?.annotations);
    const isDefault =
      annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
    return [
      isDefault ? `${nameOf(sc)} (default)` : nameOf(sc),
      str(sc.provisioner),
      str(sc.reclaimPolicy) || 'Delete',
      str(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc, now),
    ];
  },
};

const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells: (pc, now) => [nameOf(pc), int(pc.value), pc.globalDefault === true, age(pc, now), str(pc.preemptionPolicy) || 'PreemptLowerPriority'],
};

const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  cells(pdb, now) {
    const spec = obj(pdb.spec);
    const intOrString = (value: unknown): string => (value === undefined || value === null ? 'N/A' : String(value));
    return [nameOf(pdb), intOrString(spec.minAvailable), intOrString(spec.maxUnavailable), int(pdb.status?.disruptionsAllowed), age(pdb, now)];
  },
};

const leasePrinter: Printer = {
  columns: [nameColumn(), column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  cells: (lease, now) => [nameOf(lease), str(lease.spec?.holderIdentity), age(lease, now)],
};

const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageColumn(),
  ],
  cells(quota, now) {
    const hard = obj(quota.status?.hard);
    const used = obj(quota.status?.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort()) {
      const text = `${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`;
      const pieces = resource.split('.');
      (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
    }
    return [nameOf(quota), requests.join(', '), limits.join(', '), age(quota, now)];
  },
};

function subjectLists(subjects: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const subject of arr(subjects)) {
    switch (subject?.kind) {
      case 'ServiceAccount':
        serviceAccounts.push(str(subject.namespace) ? `${subject.namespace}/${str(subject.name)}` : str(subject.name));
        break;
      case 'User':
        users.push(str(subject.name));
        break;
      case 'Group':
        groups.push(str(subject.name));
        break;
    }
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageColumn(),
      column('Users', 'string', `Users in the ${what}`, 1),
      column('Groups', 'string', `Groups in the ${what}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells(binding, now) {
      const roleRef = obj(binding.roleRef);
      return [nameOf(binding), `${str(roleRef.kind)}/${str(roleRef.name)}`, age(binding, now), ...subjectLists(binding.subjects)];
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Autoscaling

function metricCurrent(statuses: any[], index: number, field: string): any {
  return index < statuses.length ? statuses[index]?.[field] : undefined;
}

function quantityOrNil(value: unknown): string {
  return value === undefined || value === null ? '<nil>' : quantity(value);
}

/** formatHPAMetrics over autoscaling/v2 metric specs and statuses. */
function formatHPAMetrics(specs: any[], statuses: any[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  const max = 2;
  specs.forEach((spec, i) => {
    switch (spec?.type) {
      case 'External':
      case 'Object': {
        const field = spec.type === 'External' ? 'external' : 'object';
        const target = obj(spec[field]?.target);
        const current = metricCurrent(statuses, i, field);
        if (target.averageValue != null) {
          const value = current?.current?.averageValue != null ? quantity(current.current.averageValue) : '<unknown>';
          list.push(`${value}/${quantity(target.averageValue)} (avg)`);
        } else {
          const value = current ? quantityOrNil(current.current?.value) : '<unknown>';
          list.push(`${value}/${quantityOrNil(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const current = metricCurrent(statuses, i, 'pods');
        const value = current ? quantityOrNil(current.current?.averageValue) : '<unknown>';
        list.push(`${value}/${quantityOrNil(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const field = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const source = obj(spec[field]);
        const target = obj(source.target);
        const current = metricCurrent(statuses, i, field);
        if (target.averageValue != null) {
          const value = current ? quantityOrNil(current.current?.averageValue) : '<unknown>';
          list.push(`${str(source.name)}: ${value}/${quantity(target.averageValue)}`);
        } else {
          const utilization = current?.current?.averageUtilization;
          const value = typeof utilization === 'number' ? `${int(utilization)}%` : '<unknown>';
          const goal = typeof target.averageUtilization === 'number' ? `${int(target.averageUtilization)}%` : '<auto>';
          list.push(`${str(source.name)}: ${value}/${goal}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

/** The metric specs and statuses of an HPA in v2 form, whichever version it is stored in. */
function hpaMetrics(hpa: any): { specs: any[]; statuses: any[] } {
  const spec = obj(hpa.spec);
  const status = obj(hpa.status);
  if (Array.isArray(spec.metrics) && spec.metrics.length > 0) return { specs: spec.metrics, statuses: arr(status.currentMetrics) };
  // autoscaling/v1, or a v2 object stored before defaulting: the CPU utilization target (80% by default).
  const target = typeof spec.targetCPUUtilizationPercentage === 'number' ? spec.targetCPUUtilizationPercentage : 80;
  const specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }];
  let statuses = arr(status.currentMetrics);
  if (typeof status.currentCPUUtilizationPercentage === 'number') {
    statuses = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  return { specs, statuses };
}

const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Reference', 'string', 'scaleTargetRef points to the target resource to scale.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    ageColumn(),
  ],
  cells(hpa, now) {
    const spec = obj(hpa.spec);
    const ref = obj(spec.scaleTargetRef);
    const { specs, statuses } = hpaMetrics(hpa);
    // Defaulting sets minReplicas=1.
    const minPods = typeof spec.minReplicas === 'number' ? String(int(spec.minReplicas)) : '1';
    return [nameOf(hpa), `${str(ref.kind)}/${str(ref.name)}`, formatHPAMetrics(specs, statuses), minPods, int(spec.maxReplicas), int(hpa.status?.currentReplicas), age(hpa, now)];
  },
};

// ---------------------------------------------------------------------------------------------------------
// Events (core/v1 and events.k8s.io/v1 share the internal printer)

/** An events.k8s.io/v1 Event in the core/v1 field names the printer reads. */
function coreEventOf(event: any): any {
  if (event?.apiVersion !== 'events.k8s.io/v1' && !('regarding' in obj(event)) && !('note' in obj(event))) return event;
  return {
    metadata: event.metadata,
    involvedObject: event.regarding,
    message: event.note,
    reason: event.reason,
    type: event.type,
    source: event.deprecatedSource,
    firstTimestamp: event.deprecatedFirstTimestamp,
    lastTimestamp: event.deprecatedLastTimestamp,
    count: event.deprecatedCount,
    eventTime: event.eventTime,
    series: event.series,
    reportingComponent: event.reportingController,
    reportingInstance: event.reportingInstance,
  };
}

const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    { ...nameColumn(), priority: 1 },
  ],
  cells(raw, now) {
    const event = coreEventOf(raw);
    const firstSeen = timeOf(event.firstTimestamp) !== undefined ? since(event.firstTimestamp, now) : since(event.eventTime, now);
    let lastSeen = timeOf(event.lastTimestamp) !== undefined ? since(event.lastTimestamp, now) : firstSeen;
    let count = int(event.count);
    if (isPlainObject(event.series)) {
      lastSeen = since(event.series.lastObservedTime, now);
      count = int(event.series.count);
    } else if (count === 0) {
      count = 1;
    }
    const involved = obj(event.involvedObject);
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) !== '' ? `${kind}/${involved.name}` : kind;
    const component = str(event.source?.component) || str(event.reportingComponent);
    const instance = str(event.source?.host) || str(event.reportingInstance);
    const source = instance === '' ? component : `${component}, ${instance}`;
    return [lastSeen, str(event.type), str(event.reason), target, str(involved.fieldPath), source, str(event.message).trim(), firstSeen, count, nameOf(event)];
  },
};

// ---------------------------------------------------------------------------------------------------------
// Custom resources: the CRD's additionalPrinterColumns, evaluated as simple JSONPath

/** A tiny JSONPath evaluator for the subset CRD printer columns allow. Returns every match, in order. */
export function evaluateJsonPath(path: string, root: unknown): unknown[] {
  let expression = path.trim();
  if (expression.startsWith('{') && expression.endsWith('}')) expression = expression.slice(1, -1).trim();
  if (expression.startsWith('$')) expression = expression.slice(1);
  let current: unknown[] = [root];
  let i = 0;
  while (i < expression.length && current.length > 0) {
    const char = expression[i];
    if (char === '.') {
      if (expression[i + 1] === '.') return []; // recursive descent is not allowed in printer columns
      i++;
      if (expression[i] === '[') continue;
      if (expression[i] === '*') {
        i++;
        current = current.flatMap((value) => (Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : []));
        continue;
      }
      let name = '';
      while (i < expression.length && expression[i] !== '.' && expression[i] !== '[') {
        if (expression[i] === '\\' && i + 1 < expression.length) i++;
        name += expression[i++];
      }
      if (name === '') continue;
      current = current.flatMap((value) => (isPlainObject(value) && name in value ? [value[name]] : []));
    } else if (char === '[') {
      const close = findBracketEnd(expression, i);
      if (close < 0) return [];
      const inner = expression.slice(i + 1, close).trim();
      i = close + 1;
      current = current.flatMap((value) => applyBracket(inner, value));
    } else {
      return [];
    }
  }
  return current;
}

function findBracketEnd(expression: string, open: number): number {
  let quote = '';
  let depth = 0;
  for (let i = open; i < expression.length; i++) {
    const char = expression[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = '';
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '[' || char === '(') {
      depth++;
    } else if (char === ']' || char === ')') {
      depth--;
      if (depth === 0 && char === ']') return i;
    }
  }
  return -1;
}

function unquote(text: string): string | undefined {
  const match = /^(['"])(.*)\1$/s.exec(text.trim());
  return match ? match[2].replace(/\\(.)/g, '$1') : undefined;
}

function applyBracket(inner: string, value: unknown): unknown[] {
  if (inner === '*') return Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [];
  const key = unquote(inner);
  if (key !== undefined) return isPlainObject(value) && key in value ? [value[key]] : [];
  if (inner.startsWith('?')) {
    const filter = /^\?\s*\((.*)\)$/s.exec(inner)?.[1];
    if (filter === undefined || !Array.isArray(value)) return [];
    return value.filter((item) => matchesFilter(filter, item));
  }
  if (!Array.isArray(value)) return [];
  const slice = /^(-?\d*)\s*:\s*(-?\d*)$/.exec(inner);
  if (slice) {
    const at = (text: string, fallback: number): number => {
      if (text === '') return fallback;
      const n = Number(text);
      return n < 0 ? Math.max(0, value.length + n) : Math.min(n, value.length);
    };
    return value.slice(at(slice[1], 0), at(slice[2], value.length));
  }
  if (/^-?\d+$/.test(inner)) {
    let index = Number(inner);
    if (index < 0) index += value.length;
    return index >= 0 && index < value.length ? [value[index]] : [];
  }
  return [];
}

function filterOperand(text: string, item: unknown): { present: boolean; value: unknown } {
  const trimmed = text.trim();
  if (trimmed.startsWith('@')) {
    const results = evaluateJsonPath(trimmed.slice(1), item);
    return results.length > 0 ? { present: true, value: results[0] } : { present: false, value: undefined };
  }
  const quoted = unquote(trimmed);
  if (quoted !== undefined) return { present: true, value: quoted };
  if (trimmed === 'true' || trimmed === 'false') return { present: true, value: trimmed === 'true' };
  if (trimmed === 'null') return { present: true, value: null };
  const n = Number(trimmed);
  return { present: true, value: Number.isNaN(n) ? trimmed : n };
}

function matchesFilter(filter: string, item: unknown): boolean {
  const match = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/s.exec(filter.trim());
  if (!match) return filterOperand(filter, item).present;
  const left = filterOperand(match[1], item);
  const right = filterOperand(match[3], item);
  if (!left.present || !right.present) return false;
  const [a, b] = [left.value, right.value];
  switch (match[2]) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = b as number | string;
      return match[2] === '<' ? x < y : match[2] === '>' ? x > y : match[2] === '<=' ? x <= y : x >= y;
    }
  }
}

/** Go's json.Marshal: object keys sorted, HTML characters escaped. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** cellForJSONValue, plus the string case that upstream prints through the JSONPath printer. */
function customCell(type: string, value: unknown, now: Date): Cell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (Array.isArray(value) || isPlainObject(value)) return goJson(value);
      return String(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return '<invalid>';
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? '<invalid>' : humanDuration(now.getTime() - ms);
    }
    default:
      return null;
  }
}

function customPrinter(printerColumns: PrinterColumn[]): Printer {
  // A CRD version without additionalPrinterColumns is served with a single Age column.
  const declared: PrinterColumn[] =
    printerColumns.length > 0 ? printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: CREATED_DESCRIPTION }];
  return {
    columns: [
      nameColumn(),
      ...declared.map((c) =>
        column(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.priority ?? 0, c.format ?? ''),
      ),
    ],
    cells(object, now) {
      return [
        nameOf(object),
        ...declared.map((c) => {
          const results = evaluateJsonPath(c.jsonPath, object);
          return results.length === 0 ? null : customCell(c.type, results[0], now);
        }),
      ];
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Types without a printer: upstream's default table convertor

/** Go's time.Format(time.RFC3339) of a UTC timestamp; the zero time for an unset one. */
function rfc3339(value: unknown): string {
  const ms = timeOf(value);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const defaultPrinter: Printer = {
  columns: [nameColumn(), column('Created At', 'date', CREATED_DESCRIPTION)],
  cells: (object) => [nameOf(object), rfc3339(object?.metadata?.creationTimestamp)],
};

const PRINTERS = new Map<string, Printer>([
  ['/pods', podPrinter],
  ['/nodes', nodePrinter],
  ['/namespaces', namespacePrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/events', eventPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['rbac.authorization.k8s.io/rolebindings', bindingPrinter('roleBinding')],
  ['rbac.authorization.k8s.io/clusterrolebindings', bindingPrinter('clusterRoleBinding')],
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['events.k8s.io/events', eventPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
]);

function printerFor(type: ResourceType): Printer {
  if (type.custom) return customPrinter(type.custom.printerColumns);
  return PRINTERS.get(`${type.group}/${type.resource}`) ?? defaultPrinter;
}

/** The column definitions the server sends for a type (every column, as the server always prints wide). */
export function tableColumns(type: ResourceType): TableColumnDefinition[] {
  return printerFor(type).columns.map((c) => ({ ...c }));
}

/** Server-side printing of objects of one type, as a meta.k8s.io/v1 Table. */
export function renderTable(type: ResourceType, objects: KubeObject[], now: Date, options: RenderTableOptions = {}): Table {
  const printer = printerFor(type);
  const includeObject = options.includeObject ?? 'Metadata';
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;

  const rows = objects.map((object): TableRow => {
    const row: TableRow = { cells: printer.cells(object, now) };
    const conditions = printer.conditions?.(object);
    if (conditions) row.conditions = conditions;
    if (includeObject === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata ?? {} };
    } else if (includeObject === 'Object') {
      row.object = object;
    }
    return row;
  });

  // Key order as upstream serialises it: kind, apiVersion, metadata, columnDefinitions, rows.
  const headers = options.noHeaders ? {} : { columnDefinitions: printer.columns.map((c) => ({ ...c })) };
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, ...headers, rows };
}
