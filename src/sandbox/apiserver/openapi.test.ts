import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { openApiGroupVersion, openApiGroupVersionPath, openApiHash, openApiIndex } from './openapi.ts';
import { ResourceRegistry, type ResourceType } from './resources.ts';

const widgetSchema = {
  type: 'object',
  properties: {
    spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string', enum: ['red', 'blue'] } } },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

function widgets(version = 'v1', schema: unknown = widgetSchema): ResourceType {
  return {
    group: 'example.com',
    version,
    resource: 'widgets',
    kind: 'Widget',
    singular: 'widget',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: [],
    categories: [],
    subresources: [{ name: 'status', group: 'example.com', version, kind: 'Widget', verbs: ['get', 'patch', 'update'] }],
    custom: { crdName: 'widgets.example.com', printerColumns: [], schema },
  };
}

function doc(registry: ResourceRegistry, group: string, version: string): any {
  const document = openApiGroupVersion(registry, group, version);
  assert.ok(document, `${group}/${version} has a document`);
  return document;
}

function hashOf(registry: ResourceRegistry, key: string): string {
  const url = openApiIndex(registry).paths[key]?.serverRelativeURL;
  assert.ok(url, `${key} is in the index`);
  return new URL(url, 'https://x').searchParams.get('hash') ?? '';
}

// kubectl's QueryParamVerifierV3.supportsQueryParamV3: the first PATCH operation for the GVK decides.
function supportsFieldValidation(document: any, gvk: { group: string; version: string; kind: string }): boolean | 'no-path' {
  for (const path of Object.values<any>(document.paths)) {
    const op = path?.patch;
    if (!op) continue;
    const tag = op['x-kubernetes-group-version-kind'];
    if (tag?.group === gvk.group && tag?.version === gvk.version && tag?.kind === gvk.kind) {
      return op.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query');
    }
  }
  return 'no-path';
}

describe('openApiIndex', () => {
  it('lists every served group version with a hashed URL', () => {
    const registry = new ResourceRegistry();
    const { paths } = openApiIndex(registry);
    assert.match(paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    assert.match(paths['apis/apps/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    assert.ok(paths['apis/rbac.authorization.k8s.io/v1']);
    assert.ok(paths['apis/autoscaling/v2']);
    assert.equal(paths['apis/example.com/v1'], undefined);
    assert.equal(openApiGroupVersionPath('', 'v1'), 'api/v1');
    assert.equal(openApiGroupVersionPath('apps', 'v1'), 'apis/apps/v1');
  });

  it('hashes are stable, match the document, and change only with the group version', () => {
    const registry = new ResourceRegistry();
    const apps = hashOf(registry, 'apis/apps/v1');
    assert.equal(hashOf(registry, 'apis/apps/v1'), apps);
    assert.equal(openApiHash(doc(registry, 'apps', 'v1')), apps);

    registry.add(widgets());
    const widgetHash = hashOf(registry, 'apis/example.com/v1');
    assert.equal(hashOf(registry, 'apis/apps/v1'), apps, 'an unrelated group version keeps its hash');

    registry.add(widgets('v1', { ...widgetSchema, description: 'changed' }));
    assert.notEqual(hashOf(registry, 'apis/example.com/v1'), widgetHash, 'a changed CRD schema changes the hash');

    const core = hashOf(registry, 'api/v1');
    registry.add({ ...registry.get('', 'v1', 'configmaps')!, resource: 'podtemplates', kind: 'PodTemplate', singular: 'podtemplate' });
    assert.notEqual(hashOf(registry, 'api/v1'), core, 'a new resource changes its group version hash');

    registry.remove('example.com', 'v1', 'widgets');
    assert.equal(openApiIndex(registry).paths['apis/example.com/v1'], undefined);
  });
});

describe('openApiGroupVersion', () => {
  const registry = new ResourceRegistry();
  registry.add(widgets());

  it('is undefined for group versions that are not served', () => {
    assert.equal(openApiGroupVersion(registry, 'apps', 'v1beta1'), undefined);
    assert.equal(openApiGroupVersion(registry, 'nope.example.com', 'v1'), undefined);
  });

  it('describes namespaced collection, item, all-namespaces and subresource paths', () => {
    const apps = doc(registry, 'apps', 'v1');
    assert.equal(apps.openapi, '3.0.0');
    const collection = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.deepEqual(Object.keys(collection).sort(), ['delete', 'get', 'parameters', 'post']);
    assert.equal(collection.get['x-kubernetes-action'], 'list');
    assert.equal(collection.delete['x-kubernetes-action'], 'deletecollection');
    assert.equal(collection.post.operationId, 'createAppsV1NamespacedDeployment');
    assert.ok(collection.post.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));

    const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.equal(item.patch.operationId, 'patchAppsV1NamespacedDeployment');
    assert.deepEqual(
      item.parameters.map((p: any) => [p.name, p.in]),
      [
        ['name', 'path'],
        ['namespace', 'path'],
        ['pretty', 'query'],
      ],
    );
    assert.ok(item.put.parameters.some((p: any) => p.name === 'fieldValidation'));

    assert.equal(apps.paths['/apis/apps/v1/deployments'].get.operationId, 'listAppsV1DeploymentForAllNamespaces');
    const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  });

  it('describes cluster-scoped and create-only resources', () => {
    const core = doc(registry, '', 'v1');
    assert.ok(core.paths['/api/v1/nodes/{name}'].patch);
    assert.equal(core.paths['/api/v1/nodes/{name}'].patch.operationId, 'patchCoreV1Node');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/nodes'], undefined);
    const eviction = core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'];
    assert.deepEqual(Object.keys(eviction).sort(), ['parameters', 'post']);
    assert.deepEqual(eviction.post['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' });
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'], undefined);

    const authz = doc(registry, 'authorization.k8s.io', 'v1');
    assert.deepEqual(Object.keys(authz.paths), ['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews']);
    assert.deepEqual(Object.keys(authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']).sort(), ['parameters', 'post']);
    assert.equal(doc(registry, 'rbac.authorization.k8s.io', 'v1').paths['/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}'].patch.operationId, 'patchRbacAuthorizationV1ClusterRole');
  });

  it('publishes a schema per kind, tagged with its GVK, and permissive for built-in kinds', () => {
    const apps = doc(registry, 'apps', 'v1');
    const deployment = apps.components.schemas['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    assert.equal(deployment.type, 'object');
    assert.equal(deployment['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(apps.components.schemas['io.k8s.api.apps.v1.DeploymentList']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'DeploymentList' }]);
    assert.ok(doc(registry, '', 'v1').components.schemas['io.k8s.api.core.v1.Pod']);
    assert.ok(doc(registry, 'apiextensions.k8s.io', 'v1').components.schemas['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition']);

    // Every $ref resolves within the document.
    for (const [group, versions] of registry.groups()) {
      for (const version of versions.keys()) {
        const document = doc(registry, group, version);
        const refs = JSON.stringify(document).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
        for (const ref of refs) {
          const name = ref.slice('"#/components/schemas/'.length, -1);
          assert.ok(document.components.schemas[name], `${group}/${version}: ${name} is defined`);
        }
      }
    }
  });

  it("publishes a custom resource's CRD schema with apiVersion, kind and metadata", () => {
    const document = doc(registry, 'example.com', 'v1');
    const schema = document.components.schemas['com.example.v1.Widget'];
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
    assert.deepEqual(schema.properties.spec, widgetSchema.properties.spec);
    assert.equal(schema.properties.apiVersion.type, 'string');
    assert.equal(schema.properties.kind.type, 'string');
    assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    assert.equal((widgetSchema.properties as Record<string, unknown>).apiVersion, undefined, 'the CRD schema itself is not modified');
    assert.equal(document.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch.operationId, 'patchExampleComV1NamespacedWidget');

    const schemaless = new ResourceRegistry();
    schemaless.add(widgets('v2', null));
    const permissive = doc(schemaless, 'example.com', 'v2').components.schemas['com.example.v2.Widget'];
    assert.equal(permissive['x-kubernetes-preserve-unknown-fields'], true);
  });

  it("satisfies kubectl's field-validation check for every patchable kind, and never offers strategic merge", () => {
    for (const [group, versions] of registry.groups()) {
      for (const [version, types] of versions) {
        const document = doc(registry, group, version);
        for (const type of types) {
          const verdict = supportsFieldValidation(document, { group, version, kind: type.kind });
          assert.equal(verdict, type.verbs.includes('patch') ? true : 'no-path', `${group}/${version} ${type.kind}`);
        }
        for (const path of Object.values<any>(document.paths)) {
          if (!path.patch) continue;
          const content = Object.keys(path.patch.requestBody.content);
          assert.deepEqual(content.sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
        }
      }
    }
  });
});
