// Resolving what an owner reference or a scaleTargetRef names (apiVersion + kind) to a served resource type, and
// reading a workload's scale the way the scale subresource does, built-in or custom.

import type { ControllerLookup } from '../../domain/disruption.ts';
import type { KubeObject } from '../../domain/object.ts';
import { labelSelectorFromSpec, labelSelectorFromSet, selectorToString, parseLabelSelector, type LabelSelector } from '../../domain/selectors.ts';
import type { ObjectService } from '../apiserver/objects.ts';
import type { ResourceType } from '../apiserver/resources.ts';

export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const kindCache = new WeakMap<ObjectService, { generation: number; types: Map<string, ResourceType | undefined> }>();

/** The type serving this kind: the exact apiVersion when served, else any served version of the same group. */
export function typeForKind(service: ObjectService, apiVersion: string, kind: string): ResourceType | undefined {
  let cache = kindCache.get(service);
  if (!cache || cache.generation !== service.registry.generation) {
    cache = { generation: service.registry.generation, types: new Map() };
    kindCache.set(service, cache);
  }
  const key = `${apiVersion}|${kind}`;
  if (cache.types.has(key)) return cache.types.get(key);
  const group = groupOfApiVersion(apiVersion);
  const type = service.registry.byKind(apiVersion, kind) ?? service.registry.all().find((t) => t.kind === kind && t.group === group && !t.virtual);
  cache.types.set(key, type);
  return type;
}

export function hasScale(type: ResourceType): boolean {
  return type.subresources.some((s) => s.name === 'scale');
}

/** A simple JSONPath of a CRD's scale subresource (".spec.replicas") read from an object. */
function readPath(object: KubeObject, path: unknown): unknown {
  if (typeof path !== 'string' || !path.startsWith('.')) return undefined;
  let value: any = object;
  for (const part of path.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[part];
  }
  return value;
}

export interface ScaleView {
  uid: string;
  specReplicas: number;
  statusReplicas: number;
  /** the pods the workload runs, as its scale's status.selector says */
  selector: LabelSelector;
  selectorText: string;
}

/** The autoscaling/v1 Scale of a workload: built-in kinds from spec.replicas and spec.selector, custom ones by their scale paths. */
export function scaleViewOf(type: ResourceType, object: KubeObject): ScaleView {
  const uid = object.metadata.uid as string;
  if (type.custom) {
    const paths = (type.custom.scalePaths ?? {}) as { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string };
    const spec = readPath(object, paths.specReplicasPath);
    const status = readPath(object, paths.statusReplicasPath);
    const text = readPath(object, paths.labelSelectorPath);
    const selectorText = typeof text === 'string' ? text : '';
    return {
      uid,
      specReplicas: typeof spec === 'number' ? spec : 0,
      statusReplicas: typeof status === 'number' ? status : 0,
      selector: selectorText ? parseLabelSelector(selectorText) : { kind: 'nothing' },
      selectorText,
    };
  }
  const selector = type.kind === 'ReplicationController' ? labelSelectorFromSet(object.spec?.selector ?? {}) : labelSelectorFromSpec(object.spec?.selector);
  return {
    uid,
    specReplicas: typeof object.spec?.replicas === 'number' ? object.spec.replicas : 1,
    statusReplicas: object.status?.replicas ?? 0,
    selector,
    selectorText: selectorToString(selector),
  };
}

/** The disruption arithmetic's view of the cluster, through the object service. */
export function serviceControllerLookup(service: ObjectService): ControllerLookup {
  return {
    get(apiVersion, kind, namespace, name) {
      const type = typeForKind(service, apiVersion, kind);
      return type ? service.find(type, namespace, name) : undefined;
    },
    scale(apiVersion, kind, namespace, name) {
      const type = typeForKind(service, apiVersion, kind);
      if (!type) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
      if (!hasScale(type)) throw new Error(`${type.resource}${type.group ? '.' + type.group : ''} does not implement the scale subresource`);
      const object = service.find(type, namespace, name);
      if (!object) return undefined;
      const view = scaleViewOf(type, object);
      return { uid: view.uid, replicas: view.specReplicas };
    },
  };
}
