// REST paths of Kubernetes resources: /api/v1/namespaces/default/pods/web-1/log, /apis/apps/v1/deployments ...

export interface ResourceRef {
  /** "" for the core group */
  group: string;
  version: string;
  /** plural: "pods" */
  resource: string;
  /** omitted or "" for cluster-scoped resources and for lists across all namespaces */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function resourcePath(ref: ResourceRef): string {
  let path = groupVersionPath(ref.group, ref.version);
  if (ref.namespace) path += `/namespaces/${encodeURIComponent(ref.namespace)}`;
  path += `/${ref.resource}`;
  if (ref.name !== undefined) path += `/${encodeURIComponent(ref.name)}`;
  if (ref.subresource) {
    if (ref.name === undefined) throw new Error(`subresource "${ref.subresource}" of ${ref.resource} needs an object name`);
    path += `/${ref.subresource}`;
  }
  return path;
}
