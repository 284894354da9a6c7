// The fields each resource exposes to field selectors, as upstream's per-resource field label functions.

import type { KubeObject } from '../../domain/object.ts';
import type { FieldExtractor } from './store.ts';

// Each extractor returns one object literal with every key (no spreading): one is kept per stored object,
// and literals of a fixed shape are several times smaller and faster to build than spread-built ones.

function metadataFields(object: KubeObject): Record<string, string> {
  return { 'metadata.name': object.metadata.name ?? '', 'metadata.namespace': object.metadata.namespace ?? '' };
}

const EXTRACTORS: Record<string, FieldExtractor> = {
  'core/pods': (pod) => ({
    'metadata.name': pod.metadata.name ?? '',
    'metadata.namespace': pod.metadata.namespace ?? '',
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
    'spec.schedulerName': pod.spec?.schedulerName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIP ?? '',
    'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
  }),
  'core/nodes': (node) => ({ 'metadata.name': node.metadata.name ?? '', 'metadata.namespace': node.metadata.namespace ?? '', 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
  'core/events': (event) => ({
    'metadata.name': event.metadata.name ?? '',
    'metadata.namespace': event.metadata.namespace ?? '',
    'involvedObject.kind': event.involvedObject?.kind ?? '',
    'involvedObject.namespace': event.involvedObject?.namespace ?? '',
    'involvedObject.name': event.involvedObject?.name ?? '',
    'involvedObject.uid': event.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': event.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': event.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': event.involvedObject?.fieldPath ?? '',
    reason: event.reason ?? '',
    reportingComponent: event.reportingComponent ?? '',
    source: event.source?.component ?? '',
    type: event.type ?? '',
  }),
  'events.k8s.io/events': (event) => ({
    'metadata.name': event.metadata.name ?? '',
    'metadata.namespace': event.metadata.namespace ?? '',
    'regarding.kind': event.regarding?.kind ?? '',
    'regarding.namespace': event.regarding?.namespace ?? '',
    'regarding.name': event.regarding?.name ?? '',
    'regarding.uid': event.regarding?.uid ?? '',
    reason: event.reason ?? '',
    type: event.type ?? '',
  }),
  'core/namespaces': (ns) => ({ 'metadata.name': ns.metadata.name ?? '', 'metadata.namespace': ns.metadata.namespace ?? '', 'status.phase': ns.status?.phase ?? '' }),
  'core/secrets': (secret) => ({ 'metadata.name': secret.metadata.name ?? '', 'metadata.namespace': secret.metadata.namespace ?? '', type: secret.type ?? '' }),
  'core/replicationcontrollers': (rc) => ({ 'metadata.name': rc.metadata.name ?? '', 'metadata.namespace': rc.metadata.namespace ?? '', 'status.replicas': String(rc.status?.replicas ?? 0) }),
  'apps/replicasets': (rs) => ({ 'metadata.name': rs.metadata.name ?? '', 'metadata.namespace': rs.metadata.namespace ?? '', 'status.replicas': String(rs.status?.replicas ?? 0) }),
  'batch/jobs': (job) => ({ 'metadata.name': job.metadata.name ?? '', 'metadata.namespace': job.metadata.namespace ?? '', 'status.successful': String(job.status?.succeeded ?? 0) }),
  'core/persistentvolumeclaims': (pvc) => ({ 'metadata.name': pvc.metadata.name ?? '', 'metadata.namespace': pvc.metadata.namespace ?? '', 'spec.volumeName': pvc.spec?.volumeName ?? '' }),
};

export function fieldExtractorFor(resource: string): FieldExtractor {
  return EXTRACTORS[resource] ?? metadataFields;
}
