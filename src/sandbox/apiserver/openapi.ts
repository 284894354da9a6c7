// The OpenAPI v3 documents kubectl reads before apply/create/replace/edit (see reference/kubectl-wire.md):
// `/openapi/v3` lists one document per group version, and each document describes the resource paths with
// their operations.
//
// What kubectl v1.35 takes from them:
// - Field validation: for the object's group/version/kind it looks for a PATCH operation tagged with
//   `x-kubernetes-group-version-kind` whose parameters include the `fieldValidation` query parameter. If it
//   finds one, validation is left to the server (`?fieldValidation=Strict`); otherwise it falls back to the
//   OpenAPI v2 document, which the sandbox does not serve. So every PATCH operation carries the parameter.
// - Client-side apply: if that PATCH operation accepts `application/strategic-merge-patch+json`, kubectl
//   computes the strategic merge patch from the component schema carrying the same GVK, and needs that schema
//   to be complete (patch merge keys on every list). The sandbox publishes permissive schemas for built-in
//   kinds, so its PATCH operations do NOT list the strategic-merge media type: kubectl then uses the Go types
//   compiled into it, which carry the exact patch metadata. Custom resources never accept strategic merge
//   patches (upstream does not list it either), and kubectl uses a JSON merge patch for them.
// - `kubectl explain` reads the component schemas; custom resources get their CRD's openAPIV3Schema.

import { createHash } from 'node:crypto';

import { isPlainObject } from '../../domain/object.ts';
import type { ResourceRegistry, ResourceType, Subresource, Verb } from './resources.ts';

/** The Kubernetes version the documents describe (info.version). */
export const OPENAPI_KUBERNETES_VERSION = 'v1.35.0';

type Json = Record<string, any>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;

/** Index key and URL path of a group version: "api/v1", "apis/apps/v1". */
export function openApiGroupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The content hash the index puts in each document's URL (upper-case hex SHA-512, as upstream). */
export function openApiHash(document: object): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
}

/** The `/openapi/v3` index: one entry per served group version, its URL carrying the document's hash. */
export function openApiIndex(registry: ResourceRegistry): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const [version, types] of versions) {
      const key = openApiGroupVersionPath(group, version);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiHash(groupVersionDocument(group, version, types))}` };
    }
  }
  return { paths };
}

/** The OpenAPI v3 document of one group version, or undefined if no resource is served in it. */
export function openApiGroupVersion(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.groups().get(group)?.get(version);
  if (!types || types.length === 0) return undefined;
  return groupVersionDocument(group, version, types);
}

// ---------------------------------------------------------------------------------------------------------
// Names

const BUILT_IN_PACKAGES: Record<string, string> = {
  '': 'io.k8s.api.core',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'metrics.k8s.io': 'io.k8s.metrics.pkg.apis.metrics',
};

function isBuiltInGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

/** Component schema name of a kind: io.k8s.api.apps.v1.Deployment, com.example.v1.Widget for a CRD. */
function schemaName(gvk: Gvk, custom: boolean): string {
  if (!custom && isBuiltInGroup(gvk.group)) {
    const pkg = BUILT_IN_PACKAGES[gvk.group] ?? `io.k8s.api.${gvk.group.split('.')[0]}`;
    return `${pkg}.${gvk.version}.${gvk.kind}`;
  }
  return `${gvk.group.split('.').reverse().join('.')}.${gvk.version}.${gvk.kind}`;
}

function camel(text: string): string {
  return text
    .split(/[.\-_]/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** "Core", "Apps", "RbacAuthorization", "ExampleCom": the group as upstream spells it in operation ids. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return camel(group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group);
}

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

// ---------------------------------------------------------------------------------------------------------
// Parameters

function queryParameter(name: string, type: string, description: string): Json {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function pathParameter(name: string, description: string): Json {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

const P = {
  pretty: queryParameter('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: queryParameter(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: queryParameter('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: queryParameter(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: queryParameter('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.'),
  allowWatchBookmarks: queryParameter('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  continue: queryParameter('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: queryParameter('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: queryParameter('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: queryParameter('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  resourceVersion: queryParameter('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: queryParameter('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  sendInitialEvents: queryParameter('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  timeoutSeconds: queryParameter('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  watch: queryParameter('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  gracePeriodSeconds: queryParameter('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  propagationPolicy: queryParameter('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  orphanDependents: queryParameter('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.'),
  name: (kind: string) => pathParameter('name', `name of the ${kind}`),
  namespace: pathParameter('namespace', 'object name and auth scope, such as for teams and projects'),
};

const LIST_PARAMETERS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const WRITE_PARAMETERS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMETERS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

// ---------------------------------------------------------------------------------------------------------
// Operations

function jsonContent(schema: Json): Json {
  return { 'application/json': { schema }, 'application/yaml': { schema }, 'application/vnd.kubernetes.protobuf': { schema } };
}

function responses(codes: Array<[string, string]>, schema: Json): Json {
  const result: Json = {};
  for (const [code, description] of codes) result[code] = { description, content: jsonContent(schema) };
  result['401'] = { description: 'Unauthorized' };
  return result;
}

interface OperationSpec {
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  operationId: string;
  description: string;
  tag: string;
  gvk: Gvk;
  parameters: Json[];
  requestBody?: Json;
  responses: Json;
}

function operation(spec: OperationSpec): Json {
  const op: Json = {
    tags: [spec.tag],
    description: spec.description,
    operationId: spec.operationId,
    parameters: spec.parameters,
  };
  if (spec.requestBody) op.requestBody = spec.requestBody;
  op.responses = spec.responses;
  op['x-kubernetes-action'] = spec.action;
  op['x-kubernetes-group-version-kind'] = { group: spec.gvk.group, version: spec.gvk.version, kind: spec.gvk.kind };
  return op;
}

function bodyOf(schema: Json): Json {
  return { content: { '*/*': { schema } }, required: true };
}

// Strategic merge is deliberately absent: see the comment at the top of this file.
function patchBody(): Json {
  const schema = ref(PATCH);
  return {
    content: {
      'application/apply-patch+yaml': { schema },
      'application/json-patch+json': { schema },
      'application/merge-patch+json': { schema },
    },
    required: true,
  };
}

function has(verbs: Verb[], verb: Verb): boolean {
  return verbs.includes(verb);
}

interface PathContext {
  type: ResourceType;
  tag: string;
  word: string; // e.g. "CoreV1"
  gvk: Gvk;
  schema: string;
  listSchema: string;
  scope: string; // "Namespaced" or ""
}

function collectionPath(ctx: PathContext): Json | undefined {
  const { type, gvk } = ctx;
  const item: Json = {};
  const noun = `${ctx.scope}${gvk.kind}`;
  if (has(type.verbs, 'list')) {
    item.get = operation({
      action: 'list',
      operationId: `list${ctx.word}${noun}`,
      description: `list or watch objects of kind ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: LIST_PARAMETERS,
      responses: responses([['200', 'OK']], ref(ctx.listSchema)),
    });
  }
  if (has(type.verbs, 'create')) {
    item.post = operation({
      action: 'post',
      operationId: `create${ctx.word}${noun}`,
      description: `create a ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: WRITE_PARAMETERS,
      requestBody: bodyOf(ref(ctx.schema)),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
          ['202', 'Accepted'],
        ],
        ref(ctx.schema),
      ),
    });
  }
  if (has(type.verbs, 'deletecollection')) {
    item.delete = operation({
      action: 'deletecollection',
      operationId: `delete${ctx.word}Collection${noun}`,
      description: `delete collection of ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: [...DELETE_PARAMETERS, ...LIST_PARAMETERS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')],
      requestBody: bodyOf(ref(DELETE_OPTIONS)),
      responses: responses([['200', 'OK']], ref(STATUS)),
    });
  }
  if (Object.keys(item).length === 0) return undefined;
  const parameters = type.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  return { ...item, parameters };
}

function itemPath(ctx: PathContext): Json | undefined {
  const { type, gvk } = ctx;
  const item: Json = {};
  const noun = `${ctx.scope}${gvk.kind}`;
  const self = ref(ctx.schema);
  if (has(type.verbs, 'get')) {
    item.get = operation({
      action: 'get',
      operationId: `read${ctx.word}${noun}`,
      description: `read the specified ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: [],
      responses: responses([['200', 'OK']], self),
    });
  }
  if (has(type.verbs, 'update')) {
    item.put = operation({
      action: 'put',
      operationId: `replace${ctx.word}${noun}`,
      description: `replace the specified ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: WRITE_PARAMETERS,
      requestBody: bodyOf(self),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
        ],
        self,
      ),
    });
  }
  if (has(type.verbs, 'delete')) {
    item.delete = operation({
      action: 'delete',
      operationId: `delete${ctx.word}${noun}`,
      description: `delete a ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: DELETE_PARAMETERS,
      requestBody: bodyOf(ref(DELETE_OPTIONS)),
      responses: responses(
        [
          ['200', 'OK'],
          ['202', 'Accepted'],
        ],
        ref(STATUS),
      ),
    });
  }
  if (has(type.verbs, 'patch')) {
    item.patch = operation({
      action: 'patch',
      operationId: `patch${ctx.word}${noun}`,
      description: `partially update the specified ${gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: [...WRITE_PARAMETERS, P.force],
      requestBody: patchBody(),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
        ],
        self,
      ),
    });
  }
  if (Object.keys(item).length === 0) return undefined;
  const parameters = type.namespaced ? [P.name(gvk.kind), P.namespace, P.pretty] : [P.name(gvk.kind), P.pretty];
  return { ...item, parameters };
}

function subresourcePath(ctx: PathContext, sub: Subresource, subSchema: string): Json | undefined {
  const gvk: Gvk = { group: sub.group, version: sub.version, kind: sub.kind };
  const noun = `${ctx.scope}${ctx.gvk.kind}${camel(sub.name)}`;
  const self = ref(subSchema);
  const item: Json = {};
  if (has(sub.verbs, 'get')) {
    item.get = operation({
      action: 'get',
      operationId: `read${ctx.word}${noun}`,
      description: `read ${sub.name} of the specified ${ctx.gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: [],
      responses: responses([['200', 'OK']], self),
    });
  }
  if (has(sub.verbs, 'create')) {
    item.post = operation({
      action: 'post',
      operationId: `create${ctx.word}${noun}`,
      description: `create ${sub.name} of a ${ctx.gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: WRITE_PARAMETERS,
      requestBody: bodyOf(self),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
          ['202', 'Accepted'],
        ],
        self,
      ),
    });
  }
  if (has(sub.verbs, 'update')) {
    item.put = operation({
      action: 'put',
      operationId: `replace${ctx.word}${noun}`,
      description: `replace ${sub.name} of the specified ${ctx.gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: WRITE_PARAMETERS,
      requestBody: bodyOf(self),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
        ],
        self,
      ),
    });
  }
  if (has(sub.verbs, 'patch')) {
    item.patch = operation({
      action: 'patch',
      operationId: `patch${ctx.word}${noun}`,
      description: `partially update ${sub.name} of the specified ${ctx.gvk.kind}`,
      tag: ctx.tag,
      gvk,
      parameters: [...WRITE_PARAMETERS, P.force],
      requestBody: patchBody(),
      responses: responses(
        [
          ['200', 'OK'],
          ['201', 'Created'],
        ],
        self,
      ),
    });
  }
  if (Object.keys(item).length === 0) return undefined;
  const name = P.name(ctx.gvk.kind);
  return { ...item, parameters: ctx.type.namespaced ? [name, P.namespace, P.pretty] : [name, P.pretty] };
}

// ---------------------------------------------------------------------------------------------------------
// Schemas

function gvkExtension(gvk: Gvk): Json[] {
  return [{ group: gvk.group, version: gvk.version, kind: gvk.kind }];
}

const API_VERSION_PROPERTY = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  type: 'string',
};
const KIND_PROPERTY = {
  description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.',
  type: 'string',
};
const METADATA_PROPERTY = { description: "Standard object's metadata.", default: {}, allOf: [ref(OBJECT_META)] };

/** A permissive schema: any fields are accepted (the server validates what it needs). */
function permissiveSchema(kind: string, gvk: Gvk): Json {
  return {
    description: `${kind}. The sandbox publishes no field-level schema for this kind.`,
    type: 'object',
    properties: { apiVersion: API_VERSION_PROPERTY, kind: KIND_PROPERTY, metadata: METADATA_PROPERTY },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': gvkExtension(gvk),
  };
}

/** The CRD's openAPIV3Schema as upstream publishes it: apiVersion, kind and ObjectMeta filled in. */
function customSchema(schema: unknown, gvk: Gvk): Json {
  const published: Json = isPlainObject(schema) ? structuredClone(schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (published.type === undefined) published.type = 'object';
  const properties: Json = isPlainObject(published.properties) ? published.properties : {};
  published.properties = { ...properties, apiVersion: API_VERSION_PROPERTY, kind: KIND_PROPERTY, metadata: METADATA_PROPERTY };
  published['x-kubernetes-group-version-kind'] = gvkExtension(gvk);
  return published;
}

function listSchema(kind: string, itemSchema: string, gvk: Gvk): Json {
  return {
    description: `${kind}List is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: API_VERSION_PROPERTY,
      items: { description: `List of ${kind}`, type: 'array', items: { default: {}, allOf: [ref(itemSchema)] } },
      kind: KIND_PROPERTY,
      metadata: { description: 'Standard list metadata.', default: {}, allOf: [ref(LIST_META)] },
    },
    'x-kubernetes-group-version-kind': gvkExtension({ ...gvk, kind: `${gvk.kind}List` }),
  };
}

function metaSchemas(): Json {
  const stringMap = { type: 'object', additionalProperties: { type: 'string', default: '' } };
  return {
    [OBJECT_META]: {
      description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      type: 'object',
      properties: {
        annotations: stringMap,
        creationTimestamp: { type: 'string', format: 'date-time' },
        deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
        deletionTimestamp: { type: 'string', format: 'date-time' },
        finalizers: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set' },
        generateName: { type: 'string' },
        generation: { type: 'integer', format: 'int64' },
        labels: stringMap,
        managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        name: { type: 'string' },
        namespace: { type: 'string' },
        ownerReferences: {
          type: 'array',
          items: {
            type: 'object',
            required: ['apiVersion', 'kind', 'name', 'uid'],
            properties: {
              apiVersion: { type: 'string', default: '' },
              blockOwnerDeletion: { type: 'boolean' },
              controller: { type: 'boolean' },
              kind: { type: 'string', default: '' },
              name: { type: 'string', default: '' },
              uid: { type: 'string', default: '' },
            },
            'x-kubernetes-map-type': 'atomic',
          },
          'x-kubernetes-list-map-keys': ['uid'],
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-patch-strategy': 'merge',
        },
        resourceVersion: { type: 'string' },
        selfLink: { type: 'string' },
        uid: { type: 'string' },
      },
    },
    [LIST_META]: {
      description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
      type: 'object',
      properties: { continue: { type: 'string' }, remainingItemCount: { type: 'integer', format: 'int64' }, resourceVersion: { type: 'string' }, selfLink: { type: 'string' } },
    },
    [STATUS]: {
      description: 'Status is a return value for calls that don\'t return other objects.',
      type: 'object',
      properties: {
        apiVersion: API_VERSION_PROPERTY,
        code: { type: 'integer', format: 'int32' },
        details: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        kind: KIND_PROPERTY,
        message: { type: 'string' },
        metadata: { default: {}, allOf: [ref(LIST_META)] },
        reason: { type: 'string' },
        status: { type: 'string' },
      },
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
    },
    [DELETE_OPTIONS]: {
      description: 'DeleteOptions may be provided when deleting an API object.',
      type: 'object',
      properties: {
        apiVersion: API_VERSION_PROPERTY,
        dryRun: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' },
        gracePeriodSeconds: { type: 'integer', format: 'int64' },
        kind: KIND_PROPERTY,
        orphanDependents: { type: 'boolean' },
        preconditions: { type: 'object', properties: { resourceVersion: { type: 'string' }, uid: { type: 'string' } } },
        propagationPolicy: { type: 'string' },
      },
    },
    [PATCH]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The document

function groupVersionDocument(group: string, version: string, types: ResourceType[]): Json {
  const tag = `${groupWord(group)[0].toLowerCase()}${groupWord(group).slice(1)}_${version}`;
  const word = `${groupWord(group)}${camel(version)}`;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Json = {};
  const schemas: Json = metaSchemas();

  for (const type of types) {
    const custom = type.custom !== undefined;
    const gvk: Gvk = { group, version, kind: type.kind };
    const schema = schemaName(gvk, custom);
    const list = `${schema}List`;
    schemas[schema] = custom ? customSchema(type.custom?.schema, gvk) : permissiveSchema(type.kind, gvk);
    if (has(type.verbs, 'list')) schemas[list] = listSchema(type.kind, schema, gvk);

    const ctx: PathContext = { type, tag, word, gvk, schema, listSchema: list, scope: type.namespaced ? 'Namespaced' : '' };
    const collection = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.resource}` : `${prefix}/${type.resource}`;
    const collectionItem = collectionPath(ctx);
    if (collectionItem) paths[collection] = collectionItem;
    const itemItem = itemPath(ctx);
    if (itemItem) paths[`${collection}/{name}`] = itemItem;

    if (type.namespaced && has(type.verbs, 'list')) {
      paths[`${prefix}/${type.resource}`] = {
        get: operation({
          action: 'list',
          operationId: `list${word}${type.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${type.kind}`,
          tag,
          gvk,
          parameters: LIST_PARAMETERS,
          responses: responses([['200', 'OK']], ref(list)),
        }),
        parameters: [P.pretty],
      };
    }

    for (const sub of type.subresources) {
      if (sub.name === 'log') continue; // plain text, not an object
      const subGvk: Gvk = { group: sub.group, version: sub.version, kind: sub.kind };
      const sameKind = sub.group === group && sub.version === version && sub.kind === type.kind;
      const subSchema = sameKind ? schema : schemaName(subGvk, false);
      if (!schemas[subSchema]) schemas[subSchema] = permissiveSchema(sub.kind, subGvk);
      const subItem = subresourcePath(ctx, sub, subSchema);
      if (subItem) paths[`${collection}/{name}/${sub.name}`] = subItem;
    }
  }

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: OPENAPI_KUBERNETES_VERSION },
    paths,
    components: { schemas },
  };
}
