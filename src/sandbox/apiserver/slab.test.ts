import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Slab } from './slab.ts';
import { parseEntry, Store } from './store.ts';
import { fieldExtractorFor } from './fields.ts';

test('a slab hands out exactly the bytes of each text, packed until it is full', () => {
  const slab = new Slab();
  const texts = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(i % 50) }));
  const encoded = texts.map((text) => slab.encode(text));
  encoded.forEach((bytes, i) => assert.equal(bytes.toString('utf8'), texts[i]));
  assert.equal(encoded[0].buffer, encoded[1].buffer, 'small objects share a slab');
  assert.notEqual(encoded[0].buffer, encoded[1999].buffer, 'a full slab is followed by a new one');
  const big = 'x'.repeat(10_000);
  const alone = slab.encode(big);
  assert.equal(alone.toString('utf8'), big);
  assert.equal(alone.buffer.byteLength, big.length, 'a big object gets its own allocation');
});

test('Leases and Events are stored in slabs, and read back as any other object', () => {
  const store = new Store(fieldExtractorFor);
  const first = store.put('coordination.k8s.io/leases', { metadata: { namespace: 'kube-node-lease', name: 'n1' }, spec: { holderIdentity: 'n1' } });
  const second = store.put('coordination.k8s.io/leases', { metadata: { namespace: 'kube-node-lease', name: 'n2' }, spec: { holderIdentity: 'n2' } });
  assert.equal(first.json.buffer, second.json.buffer);
  assert.equal(parseEntry(store.get('coordination.k8s.io/leases', 'kube-node-lease', 'n1')!).spec.holderIdentity, 'n1');
  const deleted = store.remove('coordination.k8s.io/leases', 'kube-node-lease', 'n1')!;
  assert.equal(parseEntry(deleted).metadata.resourceVersion, String(deleted.rv));
  assert.equal(parseEntry(second).spec.holderIdentity, 'n2', 'a removal leaves its neighbours alone');
  const pod = store.put('core/pods', { metadata: { namespace: 'default', name: 'p' } });
  assert.equal(pod.json.buffer.byteLength, pod.json.length, 'a pod keeps an allocation of its own');
});
