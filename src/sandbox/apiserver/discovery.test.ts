import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscovery, legacyResourceList } from './discovery.ts';
import { ResourceRegistry } from './resources.ts';

test('groups come by kube-apiserver priority (CRD groups after built-ins, metrics last) and resources by name', () => {
  const registry = new ResourceRegistry();
  registry.add({
    group: 'kmaint.io', version: 'v1', resource: 'backups', kind: 'Backup', singular: 'backup', namespaced: true,
    verbs: ['get', 'list'], shortNames: [], categories: [], subresources: [], custom: { printerColumns: [], crdName: 'backups.kmaint.io' },
  });
  const groups = (aggregatedDiscovery(registry, false) as { items: Array<{ metadata: { name: string } }> }).items.map((g) => g.metadata.name);
  assert.deepEqual(groups.slice(0, 6), ['apps', 'events.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'networking.k8s.io']);
  assert.deepEqual(groups.slice(-2), ['kmaint.io', 'metrics.k8s.io']);

  const core = legacyResourceList(registry, '', 'v1') as { resources: Array<{ name: string }> };
  const names = core.resources.map((r) => r.name).filter((name) => !name.includes('/'));
  assert.deepEqual(names, [...names].sort());
  // what `kubectl get all` prints first: pods, then replicationcontrollers, then services
  assert.ok(names.indexOf('pods') < names.indexOf('replicationcontrollers') && names.indexOf('replicationcontrollers') < names.indexOf('services'));
});
