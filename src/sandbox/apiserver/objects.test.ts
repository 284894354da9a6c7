import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldExtractorFor } from './fields.ts';
import { ObjectService } from './objects.ts';
import { ResourceRegistry, type ResourceType } from './resources.ts';
import { ApiError } from './status.ts';
import { Store } from './store.ts';

function service(): { objects: ObjectService; type: (group: string, version: string, resource: string) => ResourceType } {
  const registry = new ResourceRegistry();
  const objects = new ObjectService(new Store(fieldExtractorFor), registry, () => new Date('2026-01-01T00:00:00Z'));
  objects.create(registry.get('', 'v1', 'namespaces')!, '', { metadata: { name: 'default' } });
  return { objects, type: (group, version, resource) => registry.get(group, version, resource)! };
}

const SERVICE_CIDR = /^10\.(9[6-9]|10\d|11[01])\.\d{1,3}\.\d{1,3}$/;

test('a Secret\'s stringData is merged into data as base64 and not stored, on create and on patch', () => {
  const { objects, type } = service();
  const secrets = type('', 'v1', 'secrets');
  const created = objects.create(secrets, 'default', { metadata: { name: 's' }, data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'hunter2' } });
  assert.deepEqual(created.data, { a: 'eA==', b: Buffer.from('hunter2').toString('base64') });
  assert.equal(created.stringData, undefined);
  assert.equal(objects.get(secrets, 'default', 's').stringData, undefined);
  const { object } = objects.patch(secrets, 'default', 's', 'merge', { stringData: { c: 'z' } });
  assert.equal(object.data.c, 'eg==');
  assert.equal(object.stringData, undefined);
});

test('services get a cluster IP from 10.96.0.0/12, node ports for NodePort, and keep both when a replace leaves them out', () => {
  const { objects, type } = service();
  const services = type('', 'v1', 'services');
  const a = objects.create(services, 'default', { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } });
  assert.match(a.spec.clusterIP, SERVICE_CIDR);
  assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP]);
  const np = objects.create(services, 'default', { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } });
  assert.notEqual(np.spec.clusterIP, a.spec.clusterIP);
  const nodePort = np.spec.ports[0].nodePort;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);

  const replaced = objects.update(services, 'default', 'np', { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } });
  assert.equal(replaced.spec.clusterIP, np.spec.clusterIP);
  assert.equal(replaced.spec.ports[0].nodePort, nodePort);
  assert.equal(replaced.spec.sessionAffinity, 'None', 'API defaults apply on update too');
  assert.equal(replaced.metadata.resourceVersion, np.metadata.resourceVersion, 'nothing changed, so nothing was written');
  assert.equal(replaced.metadata.generation, undefined, 'services have no generation');
});

test('a taken or out-of-range cluster IP is refused, and a set one may not change', () => {
  const { objects, type } = service();
  const services = type('', 'v1', 'services');
  objects.create(services, 'default', { metadata: { name: 'a' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 53 }] } });
  assert.throws(
    () => objects.create(services, 'default', { metadata: { name: 'b' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 53 }] } }),
    (error: ApiError) => error.code === 422 && /spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.0\.10"\}: failed to allocate IP 10\.96\.0\.10: provided IP is already allocated/.test(error.message),
  );
  assert.throws(
    () => objects.create(services, 'default', { metadata: { name: 'c' }, spec: { clusterIP: '192.168.0.1', ports: [{ port: 53 }] } }),
    (error: ApiError) => error.code === 422 && /not in the valid range/.test(error.message),
  );
  assert.throws(
    () => objects.patch(services, 'default', 'a', 'merge', { spec: { clusterIP: '10.96.0.11' } }),
    (error: ApiError) => error.code === 422 && /spec\.clusterIPs\[0\].*may not change once set/.test(error.message),
  );
  const headless = objects.create(services, 'default', { metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
  assert.deepEqual(headless.spec.clusterIPs, ['None']);
});

test('a Job gets a selector on its uid and the job labels on its template, unless manualSelector', () => {
  const { objects, type } = service();
  const jobs = type('batch', 'v1', 'jobs');
  const template = { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } };
  const job = objects.create(jobs, 'default', { metadata: { name: 'once' }, spec: { template } });
  const uid = job.metadata.uid;
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual(job.spec.template.metadata.labels, {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'once',
    'controller-uid': uid,
    'job-name': 'once',
  });
  const manual = objects.create(jobs, 'default', {
    metadata: { name: 'manual' },
    spec: { manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { ...template, metadata: { labels: { app: 'x' } } } },
  });
  assert.deepEqual(manual.spec.selector, { matchLabels: { app: 'x' } });
  assert.deepEqual(manual.spec.template.metadata.labels, { app: 'x' });
});

test('generation is tracked by the kinds whose strategies track it, and not bumped by key order', () => {
  const { objects, type } = service();
  const node = objects.create(type('', 'v1', 'nodes'), '', { metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } });
  assert.equal(node.metadata.generation, undefined);
  const deployments = type('apps', 'v1', 'deployments');
  const spec = { replicas: 1, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'm', image: 'nginx' }] } } };
  const created = objects.create(deployments, 'default', { metadata: { name: 'w' }, spec });
  assert.equal(created.metadata.generation, 1);
  // the same spec, keys in another order and defaults left out, as `kubectl replace -f` sends it
  const reordered = { template: spec.template, selector: spec.selector, replicas: 1 };
  const replaced = objects.update(deployments, 'default', 'w', { metadata: { name: 'w' }, spec: reordered });
  assert.equal(replaced.metadata.generation, 1);
  assert.equal(replaced.spec.revisionHistoryLimit, 10);
  const scaled = objects.update(deployments, 'default', 'w', { metadata: { name: 'w' }, spec: { ...spec, replicas: 2 } });
  assert.equal(scaled.metadata.generation, 2);
});

test('server-side apply records its manager with operation Apply on create and on update', () => {
  const { objects, type } = service();
  const configmaps = type('', 'v1', 'configmaps');
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'one' } };
  const first = objects.patch(configmaps, 'default', 'c', 'apply', body, { fieldManager: 'kubectl' });
  assert.equal(first.created, true);
  assert.deepEqual(objects.get(configmaps, 'default', 'c').metadata.managedFields!.map((e: any) => e.operation), ['Apply'], 'as stored, not only as returned');
  assert.deepEqual(first.object.metadata.managedFields!.map((e: any) => [e.manager, e.operation]), [['kubectl', 'Apply']]);
  objects.patch(configmaps, 'default', 'c', 'merge', { metadata: { labels: { x: 'y' } } }, { fieldManager: 'kubectl' });
  const second = objects.patch(configmaps, 'default', 'c', 'apply', { ...body, data: { k: 'two' } }, { fieldManager: 'kubectl' });
  assert.equal(second.object.data.k, 'two');
  const stored = objects.get(configmaps, 'default', 'c');
  assert.deepEqual(stored.metadata.managedFields!.map((e: any) => [e.manager, e.operation]), [['kubectl', 'Update'], ['kubectl', 'Apply']]);
  assert.deepEqual(second.object.metadata.managedFields!.map((e: any) => [e.manager, e.operation]), [['kubectl', 'Update'], ['kubectl', 'Apply']]);
});

test('a value of the wrong JSON type fails decoding with the decoder\'s message, on create and on patch', () => {
  const { objects, type } = service();
  const configmaps = type('', 'v1', 'configmaps');
  const refused = (fn: () => unknown, message: string): void => {
    assert.throws(fn, (error: ApiError) => error.code === 400 && error.reason === 'BadRequest' && error.message === message);
  };
  refused(
    () => objects.create(configmaps, 'default', { metadata: { name: 'c' }, data: { enabled: true } }),
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
  );
  refused(
    () => objects.create(type('', 'v1', 'pods'), 'default', { metadata: { name: 'p', labels: { version: 5 } }, spec: { containers: [{ name: 'm', image: 'i' }] } }),
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
  );
  refused(
    () => objects.create(type('', 'v1', 'secrets'), 'default', { metadata: { name: 's' }, data: { key: 'not base64!' } }),
    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
  );
  objects.create(configmaps, 'default', { metadata: { name: 'ok' }, data: { enabled: 'true' } });
  refused(
    () => objects.patch(configmaps, 'default', 'ok', 'merge', { data: { count: 3 } }),
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
  );
});

test('removing the last label or annotation leaves no empty map behind', () => {
  const { objects, type } = service();
  const configmaps = type('', 'v1', 'configmaps');
  objects.create(configmaps, 'default', { metadata: { name: 'c', labels: { a: 'b' }, annotations: { x: 'y' } } });
  const { object } = objects.patch(configmaps, 'default', 'c', 'merge', { metadata: { labels: { a: null }, annotations: { x: null } } });
  assert.equal(object.metadata.labels, undefined);
  assert.equal(object.metadata.annotations, undefined);
  assert.equal(objects.create(configmaps, 'default', { metadata: { name: 'd', labels: {} } }).metadata.labels, undefined);
});

test('unknown fields under strict validation: create names the kind, a patch names the patched object, apply fails typing', () => {
  const { objects } = service();
  const backups: ResourceType = {
    group: 'kmaint.io', version: 'v1', resource: 'backups', kind: 'Backup', singular: 'backup', namespaced: true,
    verbs: ['create', 'get', 'list', 'patch', 'update'], shortNames: [], categories: [], subresources: [],
    custom: { crdName: 'backups.kmaint.io', printerColumns: [], schema: { type: 'object', properties: { spec: { type: 'object', properties: { schedule: { type: 'string' } } } } } },
  };
  objects.registry.add(backups);
  const strict = { fieldValidation: 'Strict', fieldManager: 'kubectl' };
  const body = { apiVersion: 'kmaint.io/v1', kind: 'Backup', metadata: { name: 'b' }, spec: { schedule: 'x', colour: 'blue' } };
  assert.throws(() => objects.create(backups, 'default', body, strict), (error: ApiError) =>
    error.code === 400 && error.message === 'Backup in version "v1" cannot be handled as a Backup: strict decoding error: unknown field "spec.colour"');
  assert.throws(() => objects.patch(backups, 'default', 'b', 'apply', body, strict), (error: ApiError) =>
    error.code === 500 && error.reason === '' && error.message === 'failed to create typed patch object (default/b; kmaint.io/v1, Kind=Backup): .spec.colour: field not declared in schema');
  objects.create(backups, 'default', { ...body, spec: { schedule: 'x' } }, strict);
  assert.throws(() => objects.patch(backups, 'default', 'b', 'merge', { spec: { colour: 'blue' } }, strict), (error: ApiError) =>
    error.code === 422 && error.reason === 'Invalid' && /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec\.colour"$/.test(error.message));
  // without strict validation the unknown field is dropped
  const { object } = objects.patch(backups, 'default', 'b', 'merge', { spec: { colour: 'blue' } }, { fieldManager: 'kubectl' });
  assert.deepEqual(object.spec, { schedule: 'x' });
});
