import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEntry, Store, TooOldError, type StoreEvent } from './store.ts';
import { fieldExtractorFor } from './fields.ts';

const pod = (namespace: string, name: string, labels?: Record<string, string>) => ({ metadata: { namespace, name, labels }, spec: { nodeName: 'n1' } });

test('every write takes the next global resourceVersion and is visible in the served JSON', () => {
  const store = new Store(fieldExtractorFor);
  const a = store.put('core/pods', pod('default', 'a'));
  const b = store.put('core/configmaps', { metadata: { namespace: 'default', name: 'b' } });
  assert.equal(b.rv, a.rv + 1);
  assert.equal(parseEntry(store.get('core/pods', 'default', 'a')!).metadata.resourceVersion, String(a.rv));
  assert.equal(store.resourceVersion, b.rv);
});

test('lists come in namespace/name order, page by page, and namespace-scoped', () => {
  const store = new Store(fieldExtractorFor);
  const names = ['z', 'b', 'm', 'a', 'q'];
  for (const ns of ['kube-system', 'default']) for (const name of names) store.put('core/pods', pod(ns, name));
  const first = store.list('core/pods', { limit: 4 });
  assert.deepEqual(first.entries.map((e) => `${e.namespace}/${e.name}`), ['default/a', 'default/b', 'default/m', 'default/q']);
  assert.equal(first.continueAfter, 'default/q');
  assert.equal(first.remaining, 6);
  const second = store.list('core/pods', { limit: 4, after: first.continueAfter });
  assert.deepEqual(second.entries.map((e) => `${e.namespace}/${e.name}`), ['default/z', 'kube-system/a', 'kube-system/b', 'kube-system/m']);
  const scoped = store.list('core/pods', { namespace: 'kube-system' });
  assert.deepEqual(scoped.entries.map((e) => e.name), ['a', 'b', 'm', 'q', 'z']);
  assert.equal(scoped.continueAfter, undefined);
});

test('keys added and removed between pages keep the order (lazy index merge)', () => {
  const store = new Store(fieldExtractorFor);
  for (let i = 0; i < 1000; i++) store.put('core/pods', pod('ns', `p${String(i).padStart(4, '0')}`));
  store.list('core/pods', { limit: 1 });
  store.remove('core/pods', 'ns', 'p0001');
  store.put('core/pods', pod('ns', 'p0000a'));
  const all = store.list('core/pods').entries.map((e) => e.name);
  assert.equal(all.length, 1000);
  assert.deepEqual(all.slice(0, 3), ['p0000', 'p0000a', 'p0002']);
});

test('filters see labels and selectable fields', () => {
  const store = new Store(fieldExtractorFor);
  store.put('core/pods', pod('default', 'a', { app: 'web' }));
  store.put('core/pods', pod('default', 'b', { app: 'db' }));
  const web = store.list('core/pods', { filter: (e) => e.labels?.app === 'web' });
  assert.deepEqual(web.entries.map((e) => e.name), ['a']);
  assert.equal(store.get('core/pods', 'default', 'a')!.fields['spec.nodeName'], 'n1');
});

test('watchers get events in order, and a resume replays what they missed', () => {
  const store = new Store(fieldExtractorFor);
  const seen: StoreEvent[] = [];
  const stop = store.watch('core/pods', (e) => seen.push(e));
  const start = store.put('core/pods', pod('default', 'a')).rv;
  store.put('core/pods', pod('default', 'a'));
  store.put('core/configmaps', { metadata: { namespace: 'default', name: 'x' } });
  store.remove('core/pods', 'default', 'a');
  stop();
  assert.deepEqual(seen.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.ok(seen[2].rv > seen[1].rv);
  assert.equal(seen[2].previous?.name, 'a');
  const replay = store.eventsSince('core/pods', start);
  assert.deepEqual(replay.map((e) => e.type), ['MODIFIED', 'DELETED']);
});

test('a resume from before the event window is refused as too old', () => {
  const store = new Store(fieldExtractorFor, { historySize: 8 });
  for (let i = 0; i < 40; i++) store.put('core/pods', pod('default', `p${i}`));
  assert.throws(() => store.eventsSince('core/pods', 2), TooOldError);
  const recent = store.eventsSince('core/pods', store.resourceVersion - 2);
  assert.equal(recent.length, 2);
});

test('durable() waits for the sink to acknowledge every earlier write', async () => {
  const store = new Store(fieldExtractorFor);
  const written: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  store.attachSink({ append: async (records) => { await gate; written.push(...records.map((r) => r.key)); } });
  store.put('core/pods', pod('default', 'a'));
  let done = false;
  const durable = store.durable().then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  release();
  await durable;
  assert.deepEqual(written, ['core/pods/default/a']);
});

test('an event window whose size is not a multiple of 4 still trims cleanly', () => {
  const store = new Store(fieldExtractorFor, { historySize: 50 });
  for (let i = 0; i < 300; i++) store.put('core/pods', pod('default', `p${i}`));
  assert.ok(Number.isInteger(store.oldestWatchableRv));
  assert.equal(store.eventsSince('core/pods', store.resourceVersion - 5).length, 5);
});

test('a deletion is announced with the object at its new resourceVersion, nested fields untouched', () => {
  const store = new Store(fieldExtractorFor);
  const written = store.put('core/events', { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'default', name: 'e' }, involvedObject: { name: 'p', resourceVersion: '1' } });
  const seen: StoreEvent[] = [];
  store.watch('core/events', (e) => seen.push(e));
  const removed = store.remove('core/events', 'default', 'e')!;
  const object = parseEntry(removed);
  assert.ok(removed.rv > written.rv);
  assert.equal(object.metadata.resourceVersion, String(removed.rv));
  assert.equal(object.involvedObject.resourceVersion, '1');
  assert.equal(seen[0].type, 'DELETED');
  assert.equal(parseEntry(seen[0].entry).metadata.resourceVersion, String(removed.rv));
});
