// The three patch types of the Kubernetes API:
//   application/merge-patch+json            RFC 7386                 applyMergePatch
//   application/json-patch+json             RFC 6902                 applyJsonPatch
//   application/strategic-merge-patch+json  Kubernetes strategic     applyStrategicMergePatch
// Every function works on deep copies: inputs are never mutated and the result shares nothing
// with them.

import { isPlainObject } from './object.ts';

type JsonObject = Record<string, any>;

/**
 * A patch that cannot be applied. `code` is the HTTP status an API server answers with:
 * 400 for a malformed patch, 422 for a well-formed patch that does not fit the object.
 */
export class PatchError extends Error {
  readonly code: 400 | 422;
  constructor(message: string, code: 400 | 422 = 422) {
    super(message);
    this.name = 'PatchError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers that are safe with hostile keys such as "__proto__".

function hasOwn(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key);
}

function getOwn(object: JsonObject, key: string): unknown {
  return hasOwn(object, key) ? object[key] : undefined;
}

function setOwn(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : cloneJson(item))) as T;
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) setOwn(out, key, cloneJson(value[key]));
    }
    return out as T;
  }
  return value;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value === null) {
      delete target[key];
    } else if (isPlainObject(value)) {
      const current = getOwn(target, key);
      setOwn(target, key, mergeInto(isPlainObject(current) ? current : {}, value));
    } else {
      setOwn(target, key, cloneJson(value));
    }
  }
  return target;
}

/**
 * Applies an RFC 7386 merge patch: objects merge recursively, `null` deletes a member, anything
 * else (arrays included) replaces. A patch that is not an object replaces the whole document.
 */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isPlainObject(patch)) return cloneJson(patch) as T;
  const base = isPlainObject(target) ? cloneJson(target) : {};
  return mergeInto(base, patch) as T;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

const JSON_PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function validateOperations(operations: unknown): JsonObject[] {
  if (!Array.isArray(operations)) throw new PatchError('json patch must be a JSON array of operations', 400);
  operations.forEach((operation, i) => {
    if (!isPlainObject(operation)) throw new PatchError(`json patch operation ${i} is not an object`, 400);
    const { op } = operation;
    if (typeof op !== 'string' || !JSON_PATCH_OPS.has(op)) throw new PatchError(`Unexpected kind: ${describe(op)}`, 400);
    if (typeof operation.path !== 'string') throw new PatchError(`json patch operation ${i} (${op}) is missing a "path" string`, 400);
    if ((op === 'add' || op === 'replace' || op === 'test') && !hasOwn(operation, 'value')) {
      throw new PatchError(`json patch operation ${i} (${op} ${operation.path}) is missing "value"`, 400);
    }
    if ((op === 'move' || op === 'copy') && typeof operation.from !== 'string') {
      throw new PatchError(`json patch operation ${i} (${op} ${operation.path}) is missing a "from" string`, 400);
    }
  });
  return operations;
}

/** Splits an RFC 6901 JSON pointer into unescaped reference tokens. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${describe(pointer)}: must be empty or start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new PatchError(`invalid JSON pointer ${describe(pointer)}: "~" must be followed by 0 or 1`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** An array index token: "0" or digits without a leading zero. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

type Lookup = { found: true; value: unknown } | { found: false };

function resolve(doc: unknown, tokens: string[]): Lookup {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = arrayIndex(token);
      if (index === undefined || index >= current.length) return { found: false };
      current = current[index];
    } else if (isPlainObject(current)) {
      if (!hasOwn(current, token)) return { found: false };
      current = current[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

class JsonPatchDocument {
  constructor(public doc: unknown) {}

  private parentOf(op: string, path: string, tokens: string[]): unknown {
    const parent = resolve(this.doc, tokens.slice(0, -1));
    if (!parent.found || (!Array.isArray(parent.value) && !isPlainObject(parent.value))) {
      throw new PatchError(`${op} operation does not apply: doc is missing path: ${describe(path)}`);
    }
    return parent.value;
  }

  get(op: string, path: string): unknown {
    const found = resolve(this.doc, parseJsonPointer(path));
    if (!found.found) throw new PatchError(`${op} operation does not apply: doc is missing path: ${describe(path)}`);
    return found.value;
  }

  add(path: string, value: unknown, op = 'add'): void {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) {
      this.doc = value;
      return;
    }
    const parent = this.parentOf(op, path, tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      if (last === '-') {
        parent.push(value);
        return;
      }
      const index = arrayIndex(last);
      if (index === undefined || index > parent.length) {
        throw new PatchError(`${op} operation does not apply: index ${describe(last)} out of bounds at ${describe(path)}`);
      }
      parent.splice(index, 0, value);
    } else {
      setOwn(parent as JsonObject, last, value);
    }
  }

  remove(path: string, op = 'remove'): unknown {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) throw new PatchError(`${op} operation does not apply: cannot remove the whole document`);
    const parent = this.parentOf(op, path, tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const index = arrayIndex(last);
      if (index === undefined || index >= parent.length) {
        throw new PatchError(`${op} operation does not apply: index ${describe(last)} out of bounds at ${describe(path)}`);
      }
      return parent.splice(index, 1)[0];
    }
    const object = parent as JsonObject;
    if (!hasOwn(object, last)) throw new PatchError(`${op} operation does not apply: doc is missing path: ${describe(path)}`);
    const removed = object[last];
    delete object[last];
    return removed;
  }

  replace(path: string, value: unknown): void {
    const tokens = parseJsonPointer(path);
    if (tokens.length === 0) {
      this.doc = value;
      return;
    }
    const parent = this.parentOf('replace', path, tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const index = arrayIndex(last);
      if (index === undefined || index >= parent.length) {
        throw new PatchError(`replace operation does not apply: index ${describe(last)} out of bounds at ${describe(path)}`);
      }
      parent[index] = value;
      return;
    }
    const object = parent as JsonObject;
    if (!hasOwn(object, last)) throw new PatchError(`replace operation does not apply: doc is missing key: ${describe(path)}`);
    setOwn(object, last, value);
  }
}

/**
 * Applies RFC 6902 operations in order. Any failing operation (a missing path, an index out of
 * bounds, a failed `test`) aborts the whole patch with a PatchError.
 */
export function applyJsonPatch<T>(target: T, operations: readonly JsonPatchOperation[]): T {
  const ops = validateOperations(operations);
  const document = new JsonPatchDocument(cloneJson(target));
  for (const operation of ops) {
    const path: string = operation.path;
    switch (operation.op) {
      case 'add':
        document.add(path, cloneJson(operation.value));
        break;
      case 'remove':
        document.remove(path);
        break;
      case 'replace':
        document.replace(path, cloneJson(operation.value));
        break;
      case 'move': {
        const from: string = operation.from;
        document.get('move', from);
        if (from === path) break;
        if (path.startsWith(`${from}/`)) {
          throw new PatchError(`move operation does not apply: cannot move ${describe(from)} into its own child ${describe(path)}`);
        }
        document.add(path, document.remove(from, 'move'), 'move');
        break;
      }
      case 'copy':
        document.add(path, cloneJson(document.get('copy', operation.from)), 'copy');
        break;
      case 'test': {
        const actual = resolve(document.doc, parseJsonPointer(path));
        if (!actual.found) throw new PatchError(`testing value ${describe(path)} failed: doc is missing path`);
        if (!jsonEqual(actual.value, operation.value)) throw new PatchError(`testing value ${describe(path)} failed: test failed`);
        break;
      }
    }
  }
  return document.doc as T;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

/**
 * A list field that strategic merge patch merges instead of replacing, from the Go struct tags
 * `patchStrategy:"merge"` / `patchMergeKey:"..."`. `path` names the field by its trailing field
 * names (list levels add no segment), so "containers.ports" is a container's ports at any depth
 * while "spec.ports" is a Service's. `fromRoot` anchors the path at the object's root.
 * Without `mergeKey` the list holds scalars and is merged as a set.
 */
export interface MergeListRule {
  readonly path: string;
  readonly mergeKey?: string;
  readonly fromRoot?: boolean;
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

export const STRATEGIC_MERGE_LISTS: readonly MergeListRule[] = [
  // metav1.ObjectMeta (also inside pod templates)
  { path: 'metadata.finalizers' },
  { path: 'metadata.ownerReferences', mergeKey: 'uid' },
  // core/v1 PodSpec, wherever a pod template sits (spec, spec.template.spec, spec.jobTemplate...)
  ...CONTAINER_LISTS.map((field) => ({ path: `spec.${field}`, mergeKey: 'name' })),
  { path: 'spec.volumes', mergeKey: 'name' },
  { path: 'spec.imagePullSecrets', mergeKey: 'name' },
  { path: 'spec.hostAliases', mergeKey: 'ip' },
  { path: 'spec.topologySpreadConstraints', mergeKey: 'topologyKey' },
  { path: 'spec.schedulingGates', mergeKey: 'name' },
  { path: 'spec.resourceClaims', mergeKey: 'name' },
  // core/v1 Container and EphemeralContainerCommon
  ...CONTAINER_LISTS.flatMap((field) => [
    { path: `${field}.ports`, mergeKey: 'containerPort' },
    { path: `${field}.env`, mergeKey: 'name' },
    { path: `${field}.volumeMounts`, mergeKey: 'mountPath' },
    { path: `${field}.volumeDevices`, mergeKey: 'devicePath' },
  ]),
  // core/v1 ServiceSpec
  { path: 'spec.ports', mergeKey: 'port' },
  // core/v1 NodeSpec and NodeStatus
  { path: 'spec.podCIDRs' },
  { path: 'status.addresses', mergeKey: 'type' },
  // Conditions of pods, nodes, namespaces, PVCs, services, RCs, deployments, replicasets,
  // statefulsets, daemonsets, jobs, PDBs, HPAs
  { path: 'status.conditions', mergeKey: 'type' },
  // core/v1 PodStatus
  { path: 'status.podIPs', mergeKey: 'ip' },
  { path: 'status.hostIPs', mergeKey: 'ip' },
  { path: 'status.resourceClaimStatuses', mergeKey: 'name' },
  // core/v1 ServiceAccount (its imagePullSecrets, unlike a PodSpec's, are atomic)
  { path: 'secrets', mergeKey: 'name', fromRoot: true },
];

/**
 * Finds the merge rule for the list at `path` (field names from the object's root). The rule
 * with the longest matching suffix wins; undefined means the list is atomic and is replaced.
 */
export function lookupMergeList(
  path: readonly string[] | string,
  rules: readonly MergeListRule[] = STRATEGIC_MERGE_LISTS,
): MergeListRule | undefined {
  const segments = typeof path === 'string' ? path.split('.') : path;
  let best: MergeListRule | undefined;
  let bestLength = -1;
  for (const rule of rules) {
    const ruleSegments = rule.path.split('.');
    if (ruleSegments.length > segments.length || ruleSegments.length <= bestLength) continue;
    if (rule.fromRoot && ruleSegments.length !== segments.length) continue;
    const offset = segments.length - ruleSegments.length;
    if (ruleSegments.every((segment, i) => segments[offset + i] === segment)) {
      best = rule;
      bestLength = ruleSegments.length;
    }
  }
  return best;
}

const DIRECTIVE_MARKER = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList/';
/** `$`-prefixed names that are real API fields (apiextensions JSONSchemaProps), not directives. */
const DOLLAR_FIELDS = new Set(['$ref', '$schema']);

const isDirectiveKey = (key: string) => key.startsWith('$') && !DOLLAR_FIELDS.has(key);

export interface StrategicMergeOptions {
  /** The merge-list table; defaults to STRATEGIC_MERGE_LISTS (core, apps, batch, policy). */
  lists?: readonly MergeListRule[];
}

const ERR_RETAIN_KEYS_FORMAT = 'invalid patch format of retainKeys';
const ERR_RETAIN_KEYS_CONTENT = "patch content doesn't match retainKeys list";
const ERR_PRIMITIVE_LIST_FORMAT = 'invalid patch format of primitive list';
const ERR_SET_ELEMENT_ORDER_FORMAT = 'invalid patch format of setElementOrder list';

function noMergeKey(item: unknown, mergeKey: string): PatchError {
  return new PatchError(`map: ${describe(item)} does not contain declared merge key: ${mergeKey}`);
}

/** Identity of a list element: its merge-key value for lists of maps, itself for scalars. */
function identity(item: unknown, mergeKey: string | undefined): unknown {
  return mergeKey !== undefined && isPlainObject(item) ? getOwn(item, mergeKey) : item;
}

function indexOfItem(list: readonly unknown[], item: unknown, mergeKey: string | undefined): number {
  const id = identity(item, mergeKey);
  return list.findIndex((candidate) => jsonEqual(identity(candidate, mergeKey), id));
}

function stableSortBy(items: unknown[], order: readonly unknown[], mergeKey: string | undefined): unknown[] {
  return items
    .map((item, position) => {
      const index = indexOfItem(order, item, mergeKey);
      return { item, position, index: index < 0 ? Number.MAX_SAFE_INTEGER : index };
    })
    .sort((a, b) => a.index - b.index || a.position - b.position)
    .map((entry) => entry.item);
}

/**
 * Upstream's normalizeElementOrder: patch items follow `patchOrder`, server-only items keep their
 * live order, and the two are interleaved by live position where both are known. A patch item
 * absent from the live list is placed before the server-only item it is compared with.
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const right = stableSortBy(patchItems, patchOrder, mergeKey);
  const left = stableSortBy(serverOnly, serverOrder, mergeKey);
  const merged: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) merged.push(right[j++]);
    else if (j >= right.length) merged.push(left[i++]);
    else {
      const li = indexOfItem(serverOrder, left[i], mergeKey);
      const ri = indexOfItem(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) merged.push(left[i++]);
      else merged.push(right[j++]);
    }
  }
  return merged;
}

function partition(merged: unknown[], by: readonly unknown[], mergeKey: string | undefined): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of merged) (indexOfItem(by, item, mergeKey) >= 0 ? present : absent).push(item);
  return [present, absent];
}

/** Removes directives and nulls from a value that is taken as-is (the items of atomic lists). */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    if (isDirectiveKey(key) || value[key] === null || value[key] === undefined) continue;
    setOwn(out, key, stripDirectives(value[key]));
  }
  return out;
}

class StrategicMerger {
  constructor(private readonly rules: readonly MergeListRule[]) {}

  /** Merges `patch` into `original`; both are private copies and may be modified. */
  mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject {
    if (hasOwn(patch, DIRECTIVE_MARKER)) {
      const directive = patch[DIRECTIVE_MARKER];
      delete patch[DIRECTIVE_MARKER];
      if (directive === 'delete') return {};
      if (directive === 'replace') return this.mergeMap({}, patch, path);
      if (directive !== 'merge') {
        throw new PatchError(`unknown patch type: ${describe(directive)} in map: ${describe({ ...patch, $patch: directive })}`, 400);
      }
    }
    this.applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, path);

    for (const key of Object.keys(patch)) {
      const patchValue = patch[key];
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
        this.deleteFromPrimitiveList(original, key, patchValue);
        continue;
      }
      if (isDirectiveKey(key) || patchValue === undefined) continue;
      if (patchValue === null) {
        delete original[key];
        continue;
      }
      const fieldPath = [...path, key];
      const current = getOwn(original, key);
      if (isPlainObject(current) && isPlainObject(patchValue)) {
        setOwn(original, key, this.mergeMap(current, patchValue, fieldPath));
      } else if (Array.isArray(current) && Array.isArray(patchValue)) {
        setOwn(original, key, this.mergeList(current, patchValue, fieldPath));
      } else {
        setOwn(original, key, this.fresh(patchValue, fieldPath));
      }
    }
    return original;
  }

  /** A patch value with nothing to merge into still has its directives and nulls processed. */
  private fresh(value: unknown, path: string[]): unknown {
    if (isPlainObject(value)) return this.mergeMap({}, value, path);
    if (Array.isArray(value)) return this.mergeList([], value, path);
    return value;
  }

  mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
    const rule = lookupMergeList(path, this.rules);
    if (!rule) return patch.map(stripDirectives);
    if (original.length === 0 && patch.length === 0) return [];
    if ([...original, ...patch].some(Array.isArray)) throw new PatchError('lists of lists are not supported');
    return rule.mergeKey === undefined
      ? this.mergeScalarList(original, patch, path)
      : this.mergeMapList(original, patch, path, rule.mergeKey);
  }

  private mergeScalarList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
    if ([...original, ...patch].some(isPlainObject)) {
      throw new PatchError(`cannot merge lists without merge key for ${describe(path.join('.'))}`);
    }
    const merged: unknown[] = [];
    for (const item of [...original, ...patch]) {
      if (indexOfItem(merged, item, undefined) < 0) merged.push(item);
    }
    const [patchItems, serverOnly] = partition(merged, patch, undefined);
    return normalizeElementOrder(patchItems, serverOnly, patch, original, undefined);
  }

  private mergeMapList(original: unknown[], patch: unknown[], path: string[], mergeKey: string): unknown[] {
    for (const item of [...original, ...patch]) {
      if (!isPlainObject(item)) {
        throw new PatchError(`list ${describe(path.join('.'))} is merged by ${describe(mergeKey)} and may only contain objects, found ${describe(item)}`);
      }
    }
    let live = original as JsonObject[];
    const items: JsonObject[] = [];
    let replace = false;
    for (const item of patch as JsonObject[]) {
      if (!hasOwn(item, DIRECTIVE_MARKER)) {
        items.push(item);
        continue;
      }
      const directive = item[DIRECTIVE_MARKER];
      switch (directive) {
        case 'delete': {
          if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
          const id = item[mergeKey];
          live = live.filter((candidate) => !(hasOwn(candidate, mergeKey) && jsonEqual(candidate[mergeKey], id)));
          break;
        }
        case 'replace':
          replace = true;
          break;
        case 'merge': {
          const rest = { ...item };
          delete rest[DIRECTIVE_MARKER];
          items.push(rest);
          break;
        }
        default:
          throw new PatchError(`unknown patch type: ${describe(directive)} in map: ${describe(item)}`, 400);
      }
    }
    if (replace) return items.map((item) => this.mergeMap({}, item, path));

    for (const item of [...live, ...items]) {
      if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
    const merged = [...live];
    for (const item of items) {
      const index = merged.findIndex((candidate) => jsonEqual(candidate[mergeKey], item[mergeKey]));
      if (index >= 0) merged[index] = this.mergeMap(merged[index], item, path);
      else merged.push(this.mergeMap({}, item, path));
    }
    const [patchItems, serverOnly] = partition(merged, items, mergeKey);
    return normalizeElementOrder(patchItems, serverOnly, items, live, mergeKey);
  }

  /** `$retainKeys: [...]` clears every key of the original that is not listed. */
  private applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!hasOwn(patch, RETAIN_KEYS)) return;
    const retain = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw new PatchError(ERR_RETAIN_KEYS_FORMAT, 400);
    const keep = new Set(retain);
    for (const key of Object.keys(patch)) {
      if (patch[key] === null || key.startsWith('$')) continue;
      if (!keep.has(key)) throw new PatchError(ERR_RETAIN_KEYS_CONTENT);
    }
    for (const key of Object.keys(original)) {
      if (!keep.has(key)) delete original[key];
    }
  }

  /**
   * `$setElementOrder/<field>: [...]` merges the field's patch list, then orders the result:
   * listed items in the listed order, the others interleaved by their live position.
   */
  private applySetElementOrder(original: JsonObject, patch: JsonObject, path: string[]): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const order = patch[key];
      delete patch[key];
      const field = key.slice(SET_ELEMENT_ORDER_PREFIX.length);
      if (!Array.isArray(order) || field === '') throw new PatchError(ERR_SET_ELEMENT_ORDER_FORMAT, 400);
      const fieldPath = [...path, field];
      const mergeKey = lookupMergeList(fieldPath, this.rules)?.mergeKey;

      const live = getOwn(original, field);
      const patchList = getOwn(patch, field);
      if (patchList === null) continue; // the list is being deleted: nothing to order
      if (patchList !== undefined && !Array.isArray(patchList)) throw new PatchError(ERR_SET_ELEMENT_ORDER_FORMAT, 400);
      const liveList = Array.isArray(live) ? live : undefined;
      if (mergeKey !== undefined) {
        for (const item of order) if (!isPlainObject(item) || !hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      }
      validateAgainstOrder(patchList ?? [], order, mergeKey);
      if (!liveList && !patchList) continue;

      const merged = patchList ? this.mergeList(liveList ?? [], patchList, fieldPath) : liveList!;
      const [listed, unlisted] = partition(merged, order, mergeKey);
      setOwn(original, field, normalizeElementOrder(listed, unlisted, order, liveList ?? [], mergeKey));
      delete patch[field];
    }
  }

  private deleteFromPrimitiveList(original: JsonObject, key: string, toDelete: unknown): void {
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST_PREFIX.length);
    if (!Array.isArray(toDelete) || field === '') throw new PatchError(ERR_PRIMITIVE_LIST_FORMAT, 400);
    const current = getOwn(original, field);
    if (!Array.isArray(current)) return;
    setOwn(
      original,
      field,
      current.filter((item) => !toDelete.some((victim) => jsonEqual(victim, item))),
    );
  }
}

/**
 * Items of the patch list (other than deletions) must appear in the `$setElementOrder` list, in
 * the same relative order.
 */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = patchList.filter((item) => !(isPlainObject(item) && hasOwn(item, DIRECTIVE_MARKER)));
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (mergeKey !== undefined && (!isPlainObject(items[p]) || !hasOwn(items[p] as JsonObject, mergeKey))) {
      throw noMergeKey(items[p], mergeKey);
    }
    if (jsonEqual(identity(items[p], mergeKey), identity(order[o], mergeKey))) p++;
    o++;
  }
  if (p < items.length) {
    throw new PatchError(`The order in patch list: ${describe(patchList)} doesn't match $setElementOrder list: ${describe(order)}`);
  }
}

/**
 * Applies a Kubernetes strategic merge patch the way the API server does (with
 * IgnoreUnmatchedNulls and parallel deletion lists): maps merge, `null` deletes, lists listed in
 * the merge table merge by their key, other lists are replaced. Supports `$patch`
 * (replace / merge / delete, in maps and list items), `$setElementOrder/<field>`,
 * `$retainKeys` and `$deleteFromPrimitiveList/<field>`; other `$` keys are dropped.
 */
export function applyStrategicMergePatch<T>(target: T, patch: unknown, options: StrategicMergeOptions = {}): T {
  if (!isPlainObject(patch)) throw new PatchError('strategic merge patch must be a JSON object', 400);
  if (!isPlainObject(target)) throw new PatchError('strategic merge patch can only be applied to a JSON object', 400);
  const merger = new StrategicMerger(options.lists ?? STRATEGIC_MERGE_LISTS);
  return merger.mergeMap(cloneJson(target), cloneJson(patch), []) as T;
}
