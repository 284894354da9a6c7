// The sandbox's storage: every object in memory as its serialized JSON (compact enough for 150,000 pods),
// one global resourceVersion counter, key order for paged lists, and a window of recent events for watches.

import type { KubeObject } from '../../domain/object.ts';
import type { PersistedRecord } from './persistence.ts';
import { exactBytes, Slab } from './slab.ts';

export interface Entry {
  namespace: string;
  name: string;
  rv: number;
  /** the object exactly as served (UTF-8 JSON, resourceVersion included): sent as it is, and pages are concatenations */
  json: Buffer;
  labels: Record<string, string> | undefined;
  /** the values field selectors can see (metadata.name, spec.nodeName, ...) */
  fields: Record<string, string>;
}

/** The stored object, parsed. */
export function parseEntry(entry: Entry): KubeObject {
  return JSON.parse(entry.json.toString('utf8'));
}

/** An entry's bytes: its own allocation, or a slab's for objects that die in bulk (see slab.ts). */
function encodeJson(object: KubeObject, slab?: Slab): Buffer {
  const text = JSON.stringify(object);
  return slab ? slab.encode(text) : exactBytes(text);
}

/**
 * Resources whose objects die in bulk: Leases (renewed every 10 s) and Events (trimmed oldest first), and Nodes,
 * whose statuses the kubelets post in bursts on their heartbeat and which are few enough that a slab kept alive
 * by one of them wastes little.
 */
const SLABBED_RESOURCES = new Set(['coordination.k8s.io/leases', 'core/events', 'core/nodes']);

/**
 * The stored bytes with metadata.resourceVersion replaced: a deletion is announced at a new resourceVersion, and
 * rewriting the one field beats parsing and serializing the object (the first match after "metadata" is its own).
 */
function withResourceVersion(entry: Entry, rv: number): Buffer {
  const json = entry.json;
  const field = Buffer.from(`"resourceVersion":"${entry.rv}"`);
  const metadataAt = json.indexOf('"metadata":{');
  const at = metadataAt < 0 ? -1 : json.indexOf(field, metadataAt);
  if (at < 0) {
    const object = parseEntry(entry);
    object.metadata.resourceVersion = String(rv);
    return encodeJson(object);
  }
  return Buffer.concat([json.subarray(0, at), Buffer.from(`"resourceVersion":"${rv}"`), json.subarray(at + field.length)]);
}

/**
 * The entry a deletion is announced with: the last state at the deletion's resourceVersion. Its bytes are made
 * only when read (a watch sends it, a watch resumes over it): most deletions are the event recorder's trims,
 * which nobody reads.
 */
class DeletionEntry implements Entry {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string> | undefined;
  readonly fields: Record<string, string>;
  private bytes: Buffer | undefined;

  constructor(
    private readonly last: Entry,
    readonly rv: number,
  ) {
    this.namespace = last.namespace;
    this.name = last.name;
    this.labels = last.labels;
    this.fields = last.fields;
  }

  get json(): Buffer {
    return (this.bytes ??= withResourceVersion(this.last, this.rv));
  }
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** storage key of the resource type: "core/pods" */
  resource: string;
  rv: number;
  entry: Entry;
  /** the entry before this change, so a filtered watch can tell an object leaving its selection */
  previous?: Entry;
}

/**
 * Told of every change, inside the write. `object` is the object just stored (ADDED, MODIFIED), equal to
 * entry.json, so that a watcher need not parse what was just serialized: read it during the call only, never
 * keep or change it (its writer may go on using it).
 */
export type Watcher = (event: StoreEvent, object: KubeObject | undefined) => void;

export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** Extracts what field selectors may match on; differs per resource. */
export type FieldExtractor = (object: KubeObject) => Record<string, string>;

/** All objects of one resource type, kept sortable by namespace/name as etcd keys are. */
class Bucket {
  readonly byKey = new Map<string, Entry>();
  private sorted: string[] = [];
  private pending: string[] = [];

  set(key: string, entry: Entry): void {
    if (!this.byKey.has(key)) this.pending.push(key);
    this.byKey.set(key, entry);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Keys in order; deleted keys are dropped lazily, new keys merged in on demand. */
  keys(): string[] {
    if (this.pending.length > 0 || this.sorted.length > this.byKey.size * 2 + 1024) {
      const live = this.sorted.filter((key) => this.byKey.has(key));
      if (this.pending.length > 256) {
        this.sorted = [...new Set([...live, ...this.pending.filter((key) => this.byKey.has(key))])].sort(compareKeys);
      } else {
        this.sorted = live;
        for (const key of this.pending) {
          if (!this.byKey.has(key)) continue;
          const at = lowerBound(this.sorted, key);
          if (this.sorted[at] !== key) this.sorted.splice(at, 0, key);
        }
      }
      this.pending = [];
    }
    return this.sorted;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index whose key is >= the given key. */
export function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export interface ListPage {
  entries: Entry[];
  rv: number;
  /** key to continue after, when the page was cut at the limit */
  continueAfter?: string;
  remaining?: number;
}

export interface ListOptions {
  namespace?: string;
  filter?: (entry: Entry) => boolean;
  limit?: number;
  /** exclusive start key from a continue token */
  after?: string;
}

/** Durable sink for committed writes; the store awaits it before a write is acknowledged. */
export interface WriteSink {
  append(records: PersistedRecord[]): Promise<void>;
}

export class Store {
  private readonly buckets = new Map<string, Bucket>();
  private readonly slabs = new Map<string, Slab>();
  private readonly watchers = new Set<{ resource: string; fn: Watcher }>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  private rvCounter: number;
  private sink?: WriteSink;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly fieldsOf: (resource: string) => FieldExtractor,
    options: { historySize?: number; initialRv?: number } = {},
  ) {
    // recent events kept for resuming watches; each holds the object as it was, so the window bounds memory too
    this.historySize = options.historySize ?? 100_000;
    this.rvCounter = options.initialRv ?? 1;
  }

  private readonly historySize: number;

  /** Persists every write from now on; see durable(). */
  attachSink(sink: WriteSink): void {
    this.sink = sink;
  }

  /** Resolves once every write made so far is durable (the sink group-commits, so later writes cover earlier ones). */
  durable(): Promise<void> {
    return this.lastWrite;
  }

  private persist(resource: string, entry: Entry, deleted: boolean): void {
    if (!this.sink) return;
    const key = `${resource}/${objectKey(entry.namespace, entry.name)}`;
    this.lastWrite = this.sink.append([{ key, rv: entry.rv, json: deleted ? null : entry.json.toString('utf8') }]);
    // a failed write is reported to whoever awaits durable(); keep it from becoming an unhandled rejection
    this.lastWrite.catch(() => {});
  }

  get resourceVersion(): number {
    return this.rvCounter;
  }

  /** Oldest resourceVersion a watch may still start from. */
  get oldestWatchableRv(): number {
    return this.history.length > this.historyStart ? this.history[this.historyStart].rv - 1 : this.rvCounter;
  }

  private bucket(resource: string): Bucket {
    let bucket = this.buckets.get(resource);
    if (!bucket) this.buckets.set(resource, (bucket = new Bucket()));
    return bucket;
  }

  /** The field names field selectors may use on a resource. */
  fieldsFor(resource: string): Record<string, string> {
    return this.fieldsOf(resource)({ metadata: {} });
  }

  get(resource: string, namespace: string, name: string): Entry | undefined {
    return this.buckets.get(resource)?.byKey.get(objectKey(namespace, name));
  }

  getObject(resource: string, namespace: string, name: string): KubeObject | undefined {
    const entry = this.get(resource, namespace, name);
    return entry ? parseEntry(entry) : undefined;
  }

  count(resource: string): number {
    return this.buckets.get(resource)?.byKey.size ?? 0;
  }

  list(resource: string, options: ListOptions = {}): ListPage {
    const bucket = this.buckets.get(resource);
    const rv = this.rvCounter;
    if (!bucket) return { entries: [], rv };
    const keys = bucket.keys();
    const prefix = options.namespace !== undefined ? `${options.namespace}/` : '';
    let index = lowerBound(keys, options.after !== undefined && options.after >= prefix ? options.after : prefix);
    if (options.after !== undefined && keys[index] === options.after) index++;
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const entries: Entry[] = [];
    for (; index < keys.length; index++) {
      const key = keys[index];
      if (prefix && !key.startsWith(prefix)) break;
      const entry = bucket.byKey.get(key);
      if (!entry || (options.filter && !options.filter(entry))) continue;
      if (entries.length === limit) {
        return { entries, rv, continueAfter: objectKey(entries[entries.length - 1].namespace, entries[entries.length - 1].name), remaining: this.remainingFrom(keys, index, prefix) };
      }
      entries.push(entry);
    }
    return { entries, rv };
  }

  private remainingFrom(keys: string[], index: number, prefix: string): number {
    if (!prefix) return keys.length - index;
    return lowerBound(keys, prefix + '\uffff') - index;
  }

  /**
   * Commits a new state of an object (create or update) and returns its entry.
   * The object is given its new resourceVersion before it is serialized.
   */
  put(resource: string, object: KubeObject): Entry {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name as string;
    const bucket = this.bucket(resource);
    const key = objectKey(namespace, name);
    const previous = bucket.byKey.get(key);
    const rv = ++this.rvCounter;
    object.metadata.resourceVersion = String(rv);
    const entry = this.entryOf(resource, object, rv);
    bucket.set(key, entry);
    this.persist(resource, entry, false);
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', resource, rv, entry, previous }, object);
    return entry;
  }

  /** Removes an object; the DELETED event carries its last state with a new resourceVersion, as upstream. */
  remove(resource: string, namespace: string, name: string): Entry | undefined {
    const bucket = this.buckets.get(resource);
    const key = objectKey(namespace, name);
    const previous = bucket?.byKey.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    const rv = ++this.rvCounter;
    const entry = new DeletionEntry(previous, rv);
    this.persist(resource, entry, true);
    this.emit({ type: 'DELETED', resource, rv, entry, previous }, undefined);
    return entry;
  }

  /** Loads objects from durable state without emitting events. */
  restore(resource: string, json: string): void {
    const object = JSON.parse(json) as KubeObject;
    const rv = Number(object.metadata.resourceVersion);
    this.bucket(resource).set(objectKey(object.metadata.namespace ?? '', object.metadata.name as string), this.entryOf(resource, object, rv));
  }

  setResourceVersion(rv: number): void {
    this.rvCounter = Math.max(this.rvCounter, rv);
  }

  /** Every live object, for snapshots: storage key -> json. */
  *allObjects(): Generator<[string, string, Entry]> {
    for (const [resource, bucket] of this.buckets) {
      for (const [key, entry] of bucket.byKey) yield [resource, key, entry];
    }
  }

  private slabFor(resource: string): Slab | undefined {
    if (!SLABBED_RESOURCES.has(resource)) return undefined;
    let slab = this.slabs.get(resource);
    if (!slab) this.slabs.set(resource, (slab = new Slab()));
    return slab;
  }

  private entryOf(resource: string, object: KubeObject, rv: number): Entry {
    return {
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name as string,
      rv,
      json: encodeJson(object, this.slabFor(resource)),
      labels: object.metadata.labels,
      fields: this.fieldsOf(resource)(object),
    };
  }

  private emit(event: StoreEvent, object: KubeObject | undefined): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historySize) {
      this.historyStart += Math.ceil(this.historySize / 4);
      if (this.historyStart > this.history.length / 2) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const watcher of this.watchers) {
      if (watcher.resource === event.resource) watcher.fn(event, object);
    }
  }

  /** Recorded events of a resource after the given resourceVersion, for a watch resuming from it. */
  eventsSince(resource: string, rv: number): StoreEvent[] {
    if (rv < this.oldestWatchableRv) throw new TooOldError(rv, this.oldestWatchableRv);
    const events: StoreEvent[] = [];
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) {
      if (this.history[i].resource === resource) events.push(this.history[i]);
    }
    return events;
  }

  watch(resource: string, fn: Watcher): () => void {
    const watcher = { resource, fn };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Drops every object of a resource type (a deleted CRD's custom resources). */
  dropResource(resource: string): void {
    this.buckets.delete(resource);
  }
}
