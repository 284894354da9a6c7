// The semantics of storing Kubernetes objects: create, update, patch and delete with upstream's rules
// (names, defaults, optimistic concurrency, generation, status subresources, graceful deletion, finalizers).
// The HTTP layer and the in-process controllers both go through this.

import { randomBytes, randomUUID } from 'node:crypto';
import { isPlainObject, apiVersionOf, type KubeObject } from '../../domain/object.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, jsonEqual, PatchError } from '../../domain/patch.ts';
import {
  fieldSelectorKeys,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../domain/selectors.ts';
import { validateLabels, validateObjectName } from '../../domain/validation.ts';
import { applyCreateDefaults, applyUpdateDefaults, normalizeOnWrite, tracksGeneration } from './defaults.ts';
import { storageKeyOf, type ResourceRegistry, type ResourceType } from './resources.ts';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './status.ts';
import { allocateServiceAddresses, keepAllocatedValues } from './services.ts';
import { parseEntry, type Entry, type ListPage, type Store } from './store.ts';
import { decodeError, validateAgainstSchema, validateKind, type FieldProblem, type Schema } from './validate.ts';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** 'Strict' rejects unknown fields of custom resources; otherwise they are pruned */
  fieldValidation?: string;
  subresource?: 'status' | 'ephemeralcontainers';
  /** the body was decoded for this request alone and may be changed in place (saves a deep copy) */
  bodyOwned?: boolean;
  /**
   * update: the stored object as the caller already parsed it, with that entry's resourceVersion, to spare
   * parsing it again (simulated kubelets post a status for every pod they start); it is not changed
   */
  current?: { object: KubeObject; rv: number };
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** Matches entries against a list/watch request's label and field selectors. */
export type EntryFilter = (entry: Entry) => boolean;

/** Hook run after every committed write of a resource type (CRDs register their types this way). */
export type WriteHook = (type: ResourceType, object: KubeObject, deleted: boolean) => void;

export class ObjectService {
  private readonly hooks = new Map<string, WriteHook[]>();

  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
    private readonly now: () => Date,
  ) {}

  onWrite(resource: string, hook: WriteHook): void {
    const hooks = this.hooks.get(resource) ?? [];
    hooks.push(hook);
    this.hooks.set(resource, hooks);
  }

  private committed(type: ResourceType, object: KubeObject, deleted: boolean): void {
    for (const hook of this.hooks.get(storageKeyOf(type)) ?? []) hook(type, object, deleted);
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  getEntry(type: ResourceType, namespace: string, name: string): Entry {
    const entry = this.store.get(storageKeyOf(type), type.namespaced ? namespace : '', name);
    if (!entry) throw notFound(type, name);
    return entry;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    return parseEntry(this.getEntry(type, namespace, name));
  }

  find(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.getObject(storageKeyOf(type), type.namespaced ? namespace : '', name);
  }

  filterFor(type: ResourceType, query: { labelSelector?: string; fieldSelector?: string }): EntryFilter | undefined {
    try {
      const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
      const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : undefined;
      if (fields) {
        const known = new Set(Object.keys(this.store.fieldsFor(storageKeyOf(type))));
        for (const key of fieldSelectorKeys(fields)) {
          if (!known.has(key)) throw badRequest(`field label not supported: ${key}`);
        }
      }
      if (!labels && !fields) return undefined;
      return (entry) => (!labels || matchesLabels(labels, entry.labels)) && (!fields || matchesFields(fields, entry.fields));
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
  }

  /** A continued list reports the first page's resourceVersion, so a watch started from it misses nothing. */
  list(type: ResourceType, namespace: string, query: ListQuery): ListPage {
    const token = query.continue ? decodeContinue(query.continue) : undefined;
    const page = this.store.list(storageKeyOf(type), {
      namespace: type.namespaced && namespace ? namespace : undefined,
      filter: this.filterFor(type, query),
      limit: query.limit,
      after: token?.start,
    });
    return token ? { ...page, rv: token.rv } : page;
  }

  create(type: ResourceType, namespace: string, input: unknown, options: WriteOptions = {}, operation: 'Update' | 'Apply' = 'Update'): KubeObject {
    const object = this.checkBody(type, namespace, input, options.bodyOwned);
    this.checkDecodable(type, object);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (!meta.name) throw invalid(type, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
    if (type.namespaced) this.checkNamespaceAcceptsContent(namespace || meta.namespace || 'default');
    const resource = storageKeyOf(type);
    if (this.store.get(resource, meta.namespace ?? '', meta.name)) throw alreadyExists(type, meta.name);
    for (const field of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'creationTimestamp', 'generation', 'selfLink']) delete meta[field];
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    if (tracksGeneration(resource, !!type.custom)) meta.generation = 1;
    if (options.fieldManager) meta.managedFields = [managedFieldsEntry(options.fieldManager, operation, object, this.timestamp())];
    applyCreateDefaults(resource, object);
    normalizeOnWrite(resource, object);
    const allocation = resource === 'core/services' ? allocateServiceAddresses(object, this.otherServices(object)) : [];
    this.validate(type, object, options, allocation);
    if (options.dryRun) return object;
    this.store.put(resource, object);
    this.committed(type, object, false);
    return object;
  }

  /** PUT: replaces the object (or only its status/ephemeral containers through a subresource). */
  update(type: ResourceType, namespace: string, name: string, input: unknown, options: WriteOptions = {}): KubeObject {
    const object = this.checkBody(type, namespace, input, options.bodyOwned);
    if (object.metadata.name && object.metadata.name !== name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
    object.metadata.name = name;
    const entry = this.store.get(storageKeyOf(type), type.namespaced ? namespace : '', name);
    if (!entry) throw notFound(type, name);
    const current = options.current?.rv === entry.rv ? options.current.object : parseEntry(entry);
    const wanted = object.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(type, name);
    return this.replace(type, current, object, options);
  }

  /** Applies a patch of the given type; server-side apply creates the object when it is absent. */
  patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options: WriteOptions & { force?: boolean } = {}): { object: KubeObject; created: boolean } {
    const current = this.find(type, namespace, name);
    if (!current) {
      if (patchType !== 'apply') throw notFound(type, name);
      if (!isPlainObject(patch)) throw badRequest('the apply body must be an object');
      const body = { ...patch, metadata: { ...(patch.metadata ?? {}), name } };
      try {
        const created = this.create(type, namespace, body, { ...options, fieldManager: options.fieldManager ?? 'kubectl' }, 'Apply');
        return { object: created, created: true };
      } catch (error) {
        if (error instanceof StrictDecodingError) throw typedPatchError(type, namespace, name, error.fields);
        throw error;
      }
    }
    const next = patchedObject(type, current, patchType, patch);
    if (!isPlainObject(next) || !isPlainObject(next.metadata)) throw badRequest('the patched object has no metadata');
    const wanted = next.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(type, name);
    if (next.metadata.name !== name) throw badRequest('the patch may not change the object name');
    try {
      return { object: this.replace(type, current, next, options, patchType === 'apply' ? 'Apply' : 'Update'), created: false };
    } catch (error) {
      if (!(error instanceof StrictDecodingError)) throw error;
      if (patchType === 'apply') throw typedPatchError(type, namespace, name, error.fields);
      // the patch handler reports unknown fields against the patched object, as a 422 on the field "patch"
      // replace() pruned `next`; the message shows the patched object as it was, derived again on this rare path
      const message = `Invalid value: ${JSON.stringify(JSON.stringify(patchedObject(type, current, patchType, patch)))}: ${error.decodingError}`;
      throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
    }
  }

  private replace(type: ResourceType, current: KubeObject, next: KubeObject, options: WriteOptions, operation: 'Update' | 'Apply' = 'Update'): KubeObject {
    this.checkDecodable(type, next);
    const meta = next.metadata;
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'] as const) {
      if (current.metadata[field] === undefined) delete meta[field];
      else meta[field] = current.metadata[field] as never;
    }
    const hasStatus = type.subresources.some((s) => s.name === 'status');
    if (options.subresource === 'status') {
      // a status write changes only status: the stored spec and metadata were validated when written, so only
      // the status is compared (controllers and kubelets write status far more often than anything else)
      const written: KubeObject = { ...current, status: next.status, metadata: { ...current.metadata } };
      if (options.dryRun || jsonEqual(written.status, current.status)) return options.dryRun ? written : current;
      this.store.put(storageKeyOf(type), written);
      this.committed(type, written, false);
      return written;
    }
    if (options.subresource === 'ephemeralcontainers') {
      next = { ...current, spec: { ...current.spec, ephemeralContainers: next.spec?.ephemeralContainers ?? [] }, metadata: { ...current.metadata } };
    } else if (hasStatus && current.status !== undefined) {
      next.status = current.status;
    }
    const problems: FieldProblem[] = [];
    if (options.subresource === undefined) {
      applyUpdateDefaults(storageKeyOf(type), next);
      normalizeOnWrite(storageKeyOf(type), next);
      if (storageKeyOf(type) === 'core/services') {
        problems.push(...keepAllocatedValues(current, next), ...allocateServiceAddresses(next, this.otherServices(next)));
      }
    }
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    // compared as values, not text: a manifest with its keys in another order changes nothing
    if (next.metadata.generation !== undefined && !jsonEqual(next.spec, current.spec)) next.metadata.generation++;
    if (options.fieldManager && options.subresource === undefined) {
      // one entry per manager and operation: an Apply and an Update by the same manager are tracked apart
      const entries = (current.metadata.managedFields ?? []).filter((e: any) => e.manager !== options.fieldManager || e.operation !== operation);
      next.metadata.managedFields = [...entries, managedFieldsEntry(options.fieldManager, operation, next, this.timestamp())];
    }
    this.validate(type, next, options, problems);
    if (options.dryRun) return next;
    if (jsonEqual({ ...next, metadata: { ...next.metadata, resourceVersion: undefined, managedFields: undefined } },
      { ...current, metadata: { ...current.metadata, resourceVersion: undefined, managedFields: undefined } })) {
      return current; // a no-op write keeps its resourceVersion, as upstream
    }
    if (next.metadata.deletionTimestamp && !hasFinalizers(type, next) && !this.awaitsKubelet(type, next)) {
      this.store.remove(storageKeyOf(type), next.metadata.namespace ?? '', next.metadata.name as string);
      this.committed(type, next, true);
      return next;
    }
    this.store.put(storageKeyOf(type), next);
    this.committed(type, next, false);
    return next;
  }

  /** A bound pod deleted with a grace period stays until its kubelet confirms the containers stopped. */
  private awaitsKubelet(type: ResourceType, object: KubeObject): boolean {
    return type.resource === 'pods' && type.group === '' && !!object.spec?.nodeName && (object.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): { object: KubeObject; gone: boolean } {
    const current = this.find(type, namespace, name);
    if (!current) throw notFound(type, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const next: KubeObject = structuredClone(current);
    const meta = next.metadata;
    const grace = this.gracePeriod(type, current, options);
    const finalizers = new Set(meta.finalizers ?? []);
    if (options.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
    if (options.propagationPolicy === 'Orphan') finalizers.add('orphan');
    const blocked = finalizers.size > 0 || hasFinalizers(type, current);
    if (meta.deletionTimestamp) {
      // already terminating: a shorter grace period may still shorten it, as upstream
      if (grace === 0 && this.awaitsKubelet(type, current)) {
        if (options.dryRun) return { object: current, gone: true };
        this.store.remove(storageKeyOf(type), meta.namespace ?? '', name);
        this.committed(type, current, true);
        return { object: current, gone: true };
      }
      const asked = options.gracePeriodSeconds;
      const pending = meta.deletionGracePeriodSeconds;
      if (asked === undefined || pending === undefined || asked <= 0 || asked >= pending) return { object: current, gone: false };
      // a shorter grace period moves the deadline forward, counted from the first request, as upstream does
      meta.deletionTimestamp = apiTimestamp(Date.parse(meta.deletionTimestamp) + (asked - pending) * 1000);
      meta.deletionGracePeriodSeconds = asked;
      if (options.dryRun) return { object: next, gone: false };
      this.store.put(storageKeyOf(type), next);
      this.committed(type, next, false);
      return { object: next, gone: false };
    }
    if (!blocked && grace === 0) {
      if (options.dryRun) return { object: current, gone: true };
      this.store.remove(storageKeyOf(type), meta.namespace ?? '', name);
      this.committed(type, current, true);
      return { object: current, gone: true };
    }
    meta.deletionTimestamp = apiTimestamp(this.now().getTime() + grace * 1000);
    meta.deletionGracePeriodSeconds = grace;
    if (finalizers.size > 0) meta.finalizers = [...finalizers];
    if (options.dryRun) return { object: next, gone: false };
    this.store.put(storageKeyOf(type), next);
    this.committed(type, next, false);
    return { object: next, gone: false };
  }

  private gracePeriod(type: ResourceType, object: KubeObject, options: DeleteOptions): number {
    if (!(type.resource === 'pods' && type.group === '')) return 0;
    // unscheduled and finished pods have no kubelet to wait for
    if (!object.spec?.nodeName || ['Succeeded', 'Failed'].includes(object.status?.phase)) return 0;
    const grace = options.gracePeriodSeconds ?? object.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  deleteCollection(type: ResourceType, namespace: string, query: ListQuery, options: DeleteOptions): KubeObject[] {
    const removed: KubeObject[] = [];
    for (const entry of this.list(type, namespace, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector }).entries) {
      removed.push(this.delete(type, entry.namespace, entry.name, options).object);
    }
    return removed;
  }

  /** Parses and checks a request body's apiVersion, kind and namespace against the URL. */
  private checkBody(type: ResourceType, namespace: string, input: unknown, owned = false): KubeObject {
    if (!isPlainObject(input)) throw badRequest('the request body must be a JSON object');
    const object = (owned ? input : structuredClone(input)) as KubeObject;
    checkTypeMeta(type, object);
    object.apiVersion = apiVersionOf(type.group, type.version);
    object.kind = type.kind;
    if (object.metadata === undefined || object.metadata === null) object.metadata = {};
    if (!isPlainObject(object.metadata)) throw badRequest('metadata must be an object');
    if (type.namespaced) {
      const given = object.metadata.namespace;
      if (given && namespace && given !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace || given || 'default';
    } else {
      delete object.metadata.namespace;
    }
    return object;
  }

  private checkNamespaceAcceptsContent(namespace: string): void {
    const ns = this.store.getObject('core/namespaces', '', namespace);
    const nsType = this.registry.get('', 'v1', 'namespaces')!;
    if (!ns) throw notFound(nsType, namespace);
    if (ns.status?.phase === 'Terminating') {
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, {
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** Built-in kinds are decoded into typed structs first; a value of the wrong JSON type is a 400. */
  private checkDecodable(type: ResourceType, object: KubeObject): void {
    if (type.custom) return;
    const problem = decodeError(storageKeyOf(type), type.kind, object);
    if (problem) throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${problem}`);
  }

  /** Every stored service but this one: what the service IP and node port allocators must avoid. */
  private otherServices(service: KubeObject): KubeObject[] {
    const self = `${service.metadata.namespace ?? ''}/${service.metadata.name}`;
    return this.store
      .list('core/services')
      .entries.filter((entry) => `${entry.namespace}/${entry.name}` !== self)
      .map(parseEntry);
  }

  private validate(type: ResourceType, object: KubeObject, options: WriteOptions, earlier: FieldProblem[] = []): void {
    const name = object.metadata.name as string;
    const problems: FieldProblem[] = [...earlier];
    for (const message of validateObjectName(type.resource, name)) problems.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${message}` });
    if (object.metadata.labels !== undefined && !isPlainObject(object.metadata.labels)) problems.push({ field: 'metadata.labels', message: 'Invalid value: must be a map of strings' });
    else for (const p of validateLabels(object.metadata.labels ?? {})) problems.push({ field: p.field, message: p.message });
    problems.push(...validateKind(storageKeyOf(type), object));
    if (type.custom) {
      const { problems: schemaProblems, unknown } = validateAgainstSchema(object, type.custom.schema as Schema | undefined, options.fieldValidation === 'Strict');
      if (unknown.length > 0) throw new StrictDecodingError(type, unknown);
      problems.push(...schemaProblems);
    }
    if (problems.length > 0) throw invalid(type, name, problems);
  }
}

/** Unknown fields under fieldValidation=Strict: the decoder's error, reported as upstream's create and update handlers do. */
class StrictDecodingError extends ApiError {
  readonly decodingError: string;
  constructor(type: ResourceType, readonly fields: string[]) {
    const decodingError = `strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`;
    super(400, 'BadRequest', `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${decodingError}`);
    this.decodingError = decodingError;
  }
}

/**
 * Server-side apply converts the applied object to its schema's type first; an undeclared field fails that
 * conversion. Upstream still answers this with a plain error, so a 500 without a reason (kubernetes#139253).
 */
/** The object a patch of the given type makes of the current one (inputs are not modified). */
function patchedObject(type: ResourceType, current: KubeObject, patchType: PatchType, patch: unknown): KubeObject {
  try {
    switch (patchType) {
      case 'merge':
        return applyMergePatch(current, patch) as KubeObject;
      case 'json':
        if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations');
        return applyJsonPatch(current, patch) as KubeObject;
      case 'strategic':
        if (type.custom) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
        return applyStrategicMergePatch(current, patch) as KubeObject;
      case 'apply':
        if (!isPlainObject(patch)) throw badRequest('the apply body must be an object');
        checkTypeMeta(type, patch);
        return (type.custom ? applyMergePatch(current, patch) : applyStrategicMergePatch(current, patch)) as KubeObject;
    }
  } catch (error) {
    if (error instanceof PatchError) throw new ApiError(422, 'Invalid', error.message);
    throw error;
  }
}

function typedPatchError(type: ResourceType, namespace: string, name: string, fields: string[]): ApiError {
  const problems = fields.map((f) => `.${f}: field not declared in schema`);
  const detail = problems.length === 1 ? problems[0] : ['errors:', ...problems.map((p) => `  ${p}`)].join('\n');
  const gvk = `${type.group}/${type.version}, Kind=${type.kind}`;
  return new ApiError(500, '', `failed to create typed patch object (${type.namespaced ? namespace : ''}/${name}; ${gvk}): ${detail}`);
}

/** Finalizers that hold a deleted object back: metadata.finalizers, and a namespace's spec.finalizers. */
function hasFinalizers(type: ResourceType, object: KubeObject): boolean {
  if ((object.metadata.finalizers?.length ?? 0) > 0) return true;
  return type.resource === 'namespaces' && type.group === '' && (object.spec?.finalizers?.length ?? 0) > 0;
}

function checkTypeMeta(type: ResourceType, object: Record<string, any>): void {
  const expected = apiVersionOf(type.group, type.version);
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`);
  }
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** random bytes drawn 4 KiB at a time: a call into the crypto library for every generated name costs more than the name */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function randomSuffix(): string {
  if (randomAt + 5 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomAt = 0;
  }
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[randomPool[randomAt++] % SUFFIX_ALPHABET.length];
  return suffix;
}

function managedFieldsEntry(manager: string, operation: string, object: KubeObject, time: string): object {
  const fields: Record<string, object> = {};
  for (const key of Object.keys(object)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(key)) fields[`f:${key}`] = {};
  return { manager, operation, apiVersion: object.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: fields };
}

export function encodeContinue(rv: number, afterKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: afterKey })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof decoded.start !== 'string' || !Number.isInteger(decoded.rv)) throw new Error('malformed');
    return { rv: decoded.rv, start: decoded.start };
  } catch {
    throw badRequest('continue key is not valid: malformed continue token');
  }
}

/** A time as the API server writes metadata timestamps: RFC 3339 in whole seconds. */
function apiTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
