// Namespace lifecycle: every namespace gets its default ServiceAccount; a deleted namespace turns Terminating,
// its contents are deleted, and it goes once empty (the "kubernetes" finalizer), as upstream's controllers do.

import { parseEntry } from '../apiserver/store.ts';
import type { ObjectService } from '../apiserver/objects.ts';
import { storageKeyOf } from '../apiserver/resources.ts';

export function runNamespaceLifecycle(service: ObjectService): void {
  const registry = service.registry;
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  const serviceAccounts = registry.get('', 'v1', 'serviceaccounts')!;
  const pending = new Set<string>();

  const finalize = (name: string): void => {
    pending.delete(name);
    const ns = service.find(namespaces, '', name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const type of registry.all()) {
      if (!type.namespaced || type.virtual || type.version !== preferredVersion(type.group)) continue;
      for (const entry of service.store.list(storageKeyOf(type), { namespace: name }).entries) {
        remaining++;
        const object = parseEntry(entry);
        if (!object.metadata.deletionTimestamp) service.delete(type, name, entry.name, { propagationPolicy: 'Background' });
      }
    }
    if (remaining > 0) {
      // pods still terminating: look again shortly
      setTimeout(() => schedule(name), 200).unref();
      return;
    }
    // with its last finalizer gone, the namespace itself is removed
    service.update(namespaces, '', name, { ...ns, spec: { ...ns.spec, finalizers: [] } });
  };

  const preferredVersion = (group: string): string => [...(registry.groups().get(group)?.keys() ?? [])][0];

  const schedule = (name: string): void => {
    if (pending.has(name)) return;
    pending.add(name);
    setImmediate(() => finalize(name));
  };

  service.onWrite('core/namespaces', (_type, ns, deleted) => {
    const name = ns.metadata.name as string;
    if (deleted) return;
    if (ns.metadata.deletionTimestamp) {
      if (ns.status?.phase !== 'Terminating') {
        service.update(namespaces, '', name, { ...ns, status: { ...ns.status, phase: 'Terminating' } }, { subresource: 'status' });
      }
      schedule(name);
      return;
    }
    if (!service.find(serviceAccounts, name, 'default')) {
      service.create(serviceAccounts, name, { metadata: { name: 'default' } });
    }
  });
}
