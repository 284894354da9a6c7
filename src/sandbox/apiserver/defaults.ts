// Defaults a real API server fills in, for the fields kubectl output and kmaint rely on. Most come from API
// defaulting, which runs on every write (so a `kubectl replace -f` of a bare manifest keeps them); the parts
// upstream does only on create (strategy PrepareForCreate, admission plugins) are marked `create`.

import type { KubeObject } from '../../domain/object.ts';

type Defaulter = (object: KubeObject, create: boolean) => void;

function setDefault<T extends Record<string, any>, K extends keyof T>(target: T, key: K, value: T[K]): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function defaultContainer(container: any): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image: string = container.image ?? '';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tagged = lastPart.includes(':') || image.includes('@');
  setDefault(container, 'imagePullPolicy', !tagged || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent');
  setDefault(container, 'resources', {});
  for (const port of container.ports ?? []) setDefault(port, 'protocol', 'TCP');
}

/** Pod spec defaults, shared by pods and every pod template. */
export function defaultPodSpec(spec: any): void {
  if (!spec) return;
  for (const list of ['initContainers', 'containers']) for (const container of spec[list] ?? []) defaultContainer(container);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const volume of spec.volumes ?? []) {
    if (volume.secret) setDefault(volume.secret, 'defaultMode', 420);
    if (volume.configMap) setDefault(volume.configMap, 'defaultMode', 420);
  }
}

function defaultTemplate(object: KubeObject): void {
  defaultPodSpec(object.spec?.template?.spec);
}

const DEFAULTERS: Record<string, Defaulter> = {
  'core/pods': (pod, create) => {
    pod.spec ??= {};
    defaultPodSpec(pod.spec);
    // the ServiceAccount and Priority admission plugins
    if (create) setDefault(pod.spec, 'serviceAccountName', 'default');
    setDefault(pod.spec, 'serviceAccount', pod.spec.serviceAccountName);
    setDefault(pod.spec, 'enableServiceLinks', true);
    if (create) setDefault(pod.spec, 'priority', 0);
    if (create) setDefault(pod.spec, 'preemptionPolicy', 'PreemptLowerPriority');
    if (!create) return;
    // the DefaultTolerationSeconds admission plugin: evict from a failed node after 300 s
    const tolerations: any[] = (pod.spec.tolerations ??= []);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key || (t.operator === 'Exists' && !t.key))) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    pod.status ??= {};
    setDefault(pod.status, 'phase', 'Pending');
    setDefault(pod.status, 'qosClass', qosClassOf(pod.spec));
  },
  'core/namespaces': (ns, create) => {
    if (create) {
      ns.spec ??= {};
      setDefault(ns.spec, 'finalizers', ['kubernetes']);
      ns.status ??= {};
      setDefault(ns.status, 'phase', 'Active');
    }
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name as string };
  },
  'core/services': (svc) => {
    svc.spec ??= {};
    setDefault(svc.spec, 'type', 'ClusterIP');
    setDefault(svc.spec, 'sessionAffinity', 'None');
    setDefault(svc.spec, 'internalTrafficPolicy', 'Cluster');
    setDefault(svc.spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(svc.spec, 'ipFamilies', ['IPv4']);
    for (const port of svc.spec.ports ?? []) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
    svc.status ??= { loadBalancer: {} };
  },
  'core/secrets': (secret) => setDefault(secret, 'type', 'Opaque'),
  'core/nodes': (node) => {
    node.spec ??= {};
    node.status ??= {};
  },
  'core/persistentvolumeclaims': (pvc) => {
    pvc.spec ??= {};
    setDefault(pvc.spec, 'volumeMode', 'Filesystem');
    pvc.status ??= {};
    setDefault(pvc.status, 'phase', 'Pending');
  },
  'core/persistentvolumes': (pv) => {
    pv.spec ??= {};
    setDefault(pv.spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(pv.spec, 'volumeMode', 'Filesystem');
    pv.status ??= {};
    setDefault(pv.status, 'phase', 'Available');
  },
  'core/replicationcontrollers': (rc) => {
    rc.spec ??= {};
    setDefault(rc.spec, 'replicas', 1);
    if (!rc.spec.selector && rc.spec.template?.metadata?.labels) rc.spec.selector = { ...rc.spec.template.metadata.labels };
    defaultTemplate(rc);
    rc.status ??= { replicas: 0 };
  },
  'apps/deployments': (deploy) => {
    deploy.spec ??= {};
    setDefault(deploy.spec, 'replicas', 1);
    setDefault(deploy.spec, 'strategy', { type: 'RollingUpdate' });
    if (deploy.spec.strategy.type === 'RollingUpdate') {
      deploy.spec.strategy.rollingUpdate ??= {};
      setDefault(deploy.spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
      setDefault(deploy.spec.strategy.rollingUpdate, 'maxSurge', '25%');
    }
    setDefault(deploy.spec, 'revisionHistoryLimit', 10);
    setDefault(deploy.spec, 'progressDeadlineSeconds', 600);
    defaultTemplate(deploy);
    deploy.status ??= {};
  },
  'apps/replicasets': (rs) => {
    rs.spec ??= {};
    setDefault(rs.spec, 'replicas', 1);
    defaultTemplate(rs);
    rs.status ??= { replicas: 0 };
  },
  'apps/statefulsets': (sts) => {
    sts.spec ??= {};
    setDefault(sts.spec, 'replicas', 1);
    setDefault(sts.spec, 'podManagementPolicy', 'OrderedReady');
    setDefault(sts.spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    setDefault(sts.spec, 'revisionHistoryLimit', 10);
    setDefault(sts.spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    defaultTemplate(sts);
    sts.status ??= { replicas: 0, availableReplicas: 0 };
  },
  'apps/daemonsets': (ds) => {
    ds.spec ??= {};
    setDefault(ds.spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    setDefault(ds.spec, 'revisionHistoryLimit', 10);
    defaultTemplate(ds);
    ds.status ??= { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  'batch/jobs': (job, create) => {
    job.spec ??= {};
    if (create && job.spec.manualSelector !== true) generateJobSelector(job);
    setDefault(job.spec, 'parallelism', 1);
    setDefault(job.spec, 'completions', 1);
    setDefault(job.spec, 'backoffLimit', 6);
    setDefault(job.spec, 'completionMode', 'NonIndexed');
    setDefault(job.spec, 'suspend', false);
    defaultTemplate(job);
    job.status ??= {};
  },
  'batch/cronjobs': (cj) => {
    cj.spec ??= {};
    setDefault(cj.spec, 'concurrencyPolicy', 'Allow');
    setDefault(cj.spec, 'suspend', false);
    setDefault(cj.spec, 'successfulJobsHistoryLimit', 3);
    setDefault(cj.spec, 'failedJobsHistoryLimit', 1);
    defaultPodSpec(cj.spec.jobTemplate?.spec?.template?.spec);
    cj.status ??= {};
  },
  'policy/poddisruptionbudgets': (pdb) => {
    pdb.spec ??= {};
    pdb.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
};

export function applyCreateDefaults(resource: string, object: KubeObject): void {
  DEFAULTERS[resource]?.(object, true);
}

/** API defaulting on update (PUT and patches): what a write that leaves a defaulted field out gets back. */
export function applyUpdateDefaults(resource: string, object: KubeObject): void {
  DEFAULTERS[resource]?.(object, false);
}

/**
 * The job strategy's generated selector: the pods of a Job are picked by the Job's uid, and its template
 * carries the uid and name labels (old and batch.kubernetes.io/ spellings). Needs metadata.uid.
 */
function generateJobSelector(job: KubeObject): void {
  const uid = job.metadata.uid as string;
  const name = job.metadata.name as string;
  job.spec.template ??= {};
  job.spec.template.metadata ??= {};
  const labels = (job.spec.template.metadata.labels ??= {});
  setDefault(labels, 'batch.kubernetes.io/controller-uid', uid);
  setDefault(labels, 'batch.kubernetes.io/job-name', name);
  setDefault(labels, 'controller-uid', uid);
  setDefault(labels, 'job-name', name);
  job.spec.selector ??= {};
  const matchLabels = (job.spec.selector.matchLabels ??= {});
  setDefault(matchLabels, 'batch.kubernetes.io/controller-uid', uid);
}

/** ObjectMeta's omitempty maps and lists: an empty one is not stored (removing the last label leaves none). */
const OMIT_EMPTY_META = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'] as const;

/**
 * What decoding and conversion do on every write (create, update, patch), not only on create: empty
 * metadata maps and lists are dropped as Go's omitempty drops them, and a Secret's write-only stringData
 * is merged over data (base64) and never stored.
 */
export function normalizeOnWrite(resource: string, object: KubeObject): void {
  for (const field of OMIT_EMPTY_META) {
    const value = object.metadata[field];
    if (value !== undefined && (value === null || (typeof value === 'object' && Object.keys(value).length === 0))) delete object.metadata[field];
  }
  if (resource === 'core/secrets' && object.stringData !== undefined && object.stringData !== null) {
    const data: Record<string, string> = { ...(object.data ?? {}) };
    for (const [key, value] of Object.entries(object.stringData as Record<string, unknown>)) {
      data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }
}

// Kinds whose strategies set metadata.generation and bump it on spec changes; services, nodes, namespaces,
// volumes, quotas and the like have a spec but no generation.
const GENERATION_TRACKED = new Set([
  'core/pods',
  'core/replicationcontrollers',
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'policy/poddisruptionbudgets',
  'autoscaling/horizontalpodautoscalers',
  'networking.k8s.io/networkpolicies',
  'networking.k8s.io/ingresses',
  'apiextensions.k8s.io/customresourcedefinitions',
]);

/** Does metadata.generation count spec changes? Custom resources always do. */
export function tracksGeneration(resource: string, custom: boolean): boolean {
  return custom || GENERATION_TRACKED.has(resource);
}

/** The pod's QoS class, by the Kubernetes algorithm (requests default to limits when only limits are set). */
export function qosClassOf(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: any[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const requests = container.resources?.requests ?? {};
    const limits = container.resources?.limits ?? {};
    for (const resource of ['cpu', 'memory']) {
      const request = requests[resource] ?? limits[resource];
      const limit = limits[resource];
      if (request !== undefined || limit !== undefined) anySet = true;
      if (limit === undefined || String(request) !== String(limit)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
