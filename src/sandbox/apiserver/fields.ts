// The fields each resource exposes to field selectors, as upstream's per-resource field label functions.

import type { KubeObject } from '../../domain/object.ts';
import type { FieldExtractor } from './store.ts';

function metadataFields(object: KubeObject): Record<string, string> {
  return { 'metadata.name': object.metadata.name ?? '', 'metadata.namespace': object.metadata.namespace ?? '' };
}

const EXTRACTORS: Record<string, FieldExtractor> = {
  'core/pods': (pod) => ({
    ...metadataFields(pod),
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
    'spec.schedulerName': pod.spec?.schedulerName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIP ?? '',
    'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
  }),
  'core/nodes': (node) => ({ ...metadataFields(node), 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
  'core/events': (event) => ({
    ...metadataFields(event),
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
    ...metadataFields(event),
    'regarding.kind': event.regarding?.kind ?? '',
    'regarding.namespace': event.regarding?.namespace ?? '',
    'regarding.name': event.regarding?.name ?? '',
    'regarding.uid': event.regarding?.uid ?? '',
    reason: event.reason ?? '',
    type: event.type ?? '',
  }),
  'core/namespaces': (ns) => ({ ...metadataFields(ns), 'status.phase': ns.status?.phase ?? '' }),
  'core/secrets': (secret) => ({ ...metadataFields(secret), type: secret.type ?? '' }),
  'core/replicationcontrollers': (rc) => ({ ...metadataFields(rc), 'status.replicas': String(rc.status?.replicas ?? 0) }),
  'apps/replicasets': (rs) => ({ ...metadataFields(rs), 'status.replicas': String(rs.status?.replicas ?? 0) }),
  'batch/jobs': (job) => ({ ...metadataFields(job), 'status.successful': String(job.status?.succeeded ?? 0) }),
  'core/persistentvolumeclaims': (pvc) => ({ ...metadataFields(pvc), 'spec.volumeName': pvc.spec?.volumeName ?? '' }),
};

export function fieldExtractorFor(resource: string): FieldExtractor {
  return EXTRACTORS[resource] ?? metadataFields;
}
