// CustomResourceDefinitions: a CRD's served versions become resource types as soon as it is written,
// and its status says so (NamesAccepted, Established), as the apiextensions server does.

import type { KubeObject } from '../../domain/object.ts';
import { parseEntry } from './store.ts';
import type { ObjectService } from './objects.ts';
import { storageKeyOf, type PrinterColumn, type ResourceType, type Subresource } from './resources.ts';

function typesOf(crd: KubeObject): ResourceType[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  return (spec.versions ?? [])
    .filter((version: any) => version.served !== false)
    .map((version: any): ResourceType => {
      const subresources: Subresource[] = [];
      if (version.subresources?.status) subresources.push({ name: 'status', group: spec.group, version: version.name, kind: names.kind, verbs: ['get', 'patch', 'update'] });
      if (version.subresources?.scale) subresources.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      return {
        group: spec.group,
        version: version.name,
        resource: names.plural,
        kind: names.kind,
        singular: names.singular ?? String(names.kind).toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        subresources,
        custom: {
          schema: version.schema?.openAPIV3Schema,
          printerColumns: (version.additionalPrinterColumns ?? []) as PrinterColumn[],
          crdName: crd.metadata.name as string,
          scalePaths: version.subresources?.scale,
        },
      };
    });
}

/** Keeps the registry in step with the stored CRDs. */
export function serveCustomResources(service: ObjectService, now: () => Date): void {
  const registered = new Map<string, ResourceType[]>();
  const crdType = service.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;

  const sync = (crd: KubeObject, deleted: boolean): void => {
    const name = crd.metadata.name as string;
    for (const type of registered.get(name) ?? []) service.registry.remove(type.group, type.version, type.resource);
    registered.delete(name);
    if (deleted) {
      const gone = typesOf(crd)[0];
      if (gone) service.store.dropResource(storageKeyOf(gone));
      return;
    }
    const types = typesOf(crd);
    for (const type of types) service.registry.add(type);
    registered.set(name, types);
  };

  service.onWrite('apiextensions.k8s.io/customresourcedefinitions', (_type, crd, deleted) => {
    sync(crd, deleted);
    if (deleted || crd.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True')) return;
    const time = now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = (type: string, reason: string, message: string): object => ({ type, status: 'True', lastTransitionTime: time, reason, message });
    const status = {
      conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
      acceptedNames: crd.spec.names,
      storedVersions: (crd.spec.versions ?? []).filter((v: any) => v.storage).map((v: any) => v.name),
    };
    service.update(crdType, '', crd.metadata.name as string, { ...crd, status }, { subresource: 'status' });
  });

  // CRDs restored from a data dir
  for (const entry of service.store.list(storageKeyOf(crdType)).entries) sync(parseEntry(entry), false);
}
