import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PatchError,
  STRATEGIC_MERGE_LISTS,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  jsonEqual,
  lookupMergeList,
  parseJsonPointer,
  type JsonPatchOperation,
} from './patch.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a PatchError');
}

const names = (list: Array<{ name: string }>) => list.map((item) => item.name);

// ---------------------------------------------------------------------------------------------

describe('applyMergePatch (RFC 7386)', () => {
  // The examples of RFC 7386 Appendix A.
  const rfcCases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  rfcCases.forEach(([target, patch, expected], i) => {
    it(`RFC 7386 example ${i + 1}`, () => {
      assert.deepEqual(applyMergePatch(target, patch), expected);
    });
  });

  it('patches Kubernetes objects the way kubectl --type merge does', () => {
    const node = { metadata: { name: 'n1', labels: { a: '1', b: '2' } }, spec: { unschedulable: true, taints: [{ key: 'x', effect: 'NoSchedule' }] } };
    const result = applyMergePatch(node, { metadata: { labels: { b: null, c: '3' } }, spec: { unschedulable: null, taints: [] } });
    assert.deepEqual(result, { metadata: { name: 'n1', labels: { a: '1', c: '3' } }, spec: { taints: [] } });
  });

  it('never mutates or shares its inputs', () => {
    const target = deepFreeze({ a: { b: [1, { c: 2 }] }, d: 1 });
    const patch = deepFreeze({ e: { f: [3] }, d: 2 });
    const result = applyMergePatch(target, patch) as any;
    assert.deepEqual(result, { a: { b: [1, { c: 2 }] }, d: 2, e: { f: [3] } });
    assert.notEqual(result.a, target.a);
    assert.notEqual(result.a.b[1], target.a.b[1]);
    assert.notEqual(result.e.f, patch.e.f);
  });

  it('treats __proto__ as an ordinary key', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as any;
    assert.equal(({} as any).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('parseJsonPointer', () => {
  it('splits and unescapes', () => {
    assert.deepEqual(parseJsonPointer(''), []);
    assert.deepEqual(parseJsonPointer('/'), ['']);
    assert.deepEqual(parseJsonPointer('/a/b'), ['a', 'b']);
    assert.deepEqual(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  });
  it('rejects malformed pointers', () => {
    assert.throws(() => parseJsonPointer('a'), PatchError);
    assert.throws(() => parseJsonPointer('/a~2'), PatchError);
    assert.throws(() => parseJsonPointer('/a~'), PatchError);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const pod = () => ({
    metadata: { name: 'p', labels: { 'app.kubernetes.io/name': 'web', 'a~b': 'x' } },
    spec: { containers: [{ name: 'a', image: 'x' }], tolerations: [] as unknown[] },
  });

  it('adds members, array items and appends with "-"', () => {
    const result = applyJsonPatch(pod(), [
      { op: 'add', path: '/metadata/annotations', value: { note: 'hi' } },
      { op: 'add', path: '/spec/containers/-', value: { name: 'c', image: 'z' } },
      { op: 'add', path: '/spec/containers/1', value: { name: 'b', image: 'y' } },
      { op: 'add', path: '/spec/containers/0/args', value: ['--v=2'] },
      { op: 'add', path: '/metadata/name', value: 'renamed' },
    ]);
    assert.deepEqual(result.metadata, { name: 'renamed', labels: pod().metadata.labels, annotations: { note: 'hi' } });
    assert.deepEqual(names(result.spec.containers), ['a', 'b', 'c']);
    assert.deepEqual((result.spec.containers[0] as any).args, ['--v=2']);
  });

  it('adds at the end index and rejects beyond it', () => {
    const result = applyJsonPatch({ l: [1, 2] }, [{ op: 'add', path: '/l/2', value: 3 }]);
    assert.deepEqual(result, { l: [1, 2, 3] });
    const err = patchError(() => applyJsonPatch({ l: [1, 2] }, [{ op: 'add', path: '/l/4', value: 3 }]));
    assert.equal(err.code, 422);
    assert.throws(() => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/01', value: 3 }]), PatchError);
    assert.throws(() => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/-1', value: 3 }]), PatchError);
  });

  it('unescapes ~0 and ~1 in paths', () => {
    const result = applyJsonPatch(pod(), [
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'api' },
      { op: 'remove', path: '/metadata/labels/a~0b' },
    ]);
    assert.deepEqual(result.metadata.labels, { 'app.kubernetes.io/name': 'api' });
  });

  it('removes and replaces', () => {
    const result = applyJsonPatch({ a: 1, b: [1, 2, 3], c: { d: 1 } }, [
      { op: 'remove', path: '/a' },
      { op: 'remove', path: '/b/1' },
      { op: 'replace', path: '/c/d', value: null },
      { op: 'replace', path: '/b/0', value: 9 },
    ]);
    assert.deepEqual(result, { b: [9, 3], c: { d: null } });
  });

  it('replaces the whole document with an empty path', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1]);
  });

  it('moves and copies', () => {
    const result = applyJsonPatch({ a: { b: 1 }, l: [1, 2, 3] }, [
      { op: 'move', from: '/a/b', path: '/c' },
      { op: 'copy', from: '/l', path: '/m' },
      { op: 'move', from: '/l/0', path: '/l/-' },
      { op: 'move', from: '/c', path: '/c' },
    ]);
    assert.deepEqual(result, { a: {}, c: 1, l: [2, 3, 1], m: [1, 2, 3] });
  });

  it('copies deeply', () => {
    const result = applyJsonPatch({ a: { b: [1] } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ]) as any;
    assert.deepEqual(result, { a: { b: [1] }, c: { b: [1, 2] } });
  });

  it('refuses to move a value into its own child', () => {
    assert.throws(() => applyJsonPatch({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]), /own child/);
  });

  it('tests values with JSON equality', () => {
    const doc = { a: { x: 1, y: [1, { z: 'q' }] }, n: null };
    assert.deepEqual(
      applyJsonPatch(doc, [
        { op: 'test', path: '/a', value: { y: [1, { z: 'q' }], x: 1 } },
        { op: 'test', path: '/n', value: null },
      ]),
      doc,
    );
    const err = patchError(() => applyJsonPatch(doc, [{ op: 'test', path: '/a/x', value: '1' }]));
    assert.equal(err.code, 422);
    assert.match(err.message, /^testing value "\/a\/x" failed: test failed$/);
    assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/missing', value: null }]), /missing path/);
  });

  it('fails on missing paths', () => {
    const doc = { a: { b: 1 }, l: [1] };
    const failing: JsonPatchOperation[][] = [
      [{ op: 'remove', path: '/x' }],
      [{ op: 'remove', path: '/l/1' }],
      [{ op: 'remove', path: '/l/-' }],
      [{ op: 'replace', path: '/x', value: 1 }],
      [{ op: 'replace', path: '/l/5', value: 1 }],
      [{ op: 'add', path: '/x/y', value: 1 }],
      [{ op: 'add', path: '/a/b/c', value: 1 }],
      [{ op: 'move', from: '/x', path: '/y' }],
      [{ op: 'copy', from: '/x', path: '/y' }],
      [{ op: 'remove', path: '' }],
      [{ op: 'remove', path: '/a/toString' }],
    ];
    for (const ops of failing) {
      const err = patchError(() => applyJsonPatch(doc, ops));
      assert.equal(err.code, 422, JSON.stringify(ops));
    }
    assert.match(patchError(() => applyJsonPatch(doc, [{ op: 'remove', path: '/x' }])).message, /remove operation does not apply: doc is missing path: "\/x"/);
  });

  it('rejects malformed operations with 400', () => {
    const malformed: unknown[] = [
      { op: 'add', path: '/a', value: 1 },
      [{ op: 'frobnicate', path: '/a' }],
      [{ path: '/a', value: 1 }],
      [{ op: 'add', value: 1 }],
      [{ op: 'add', path: '/a' }],
      [{ op: 'move', path: '/a' }],
      [42],
    ];
    for (const ops of malformed) {
      const err = patchError(() => applyJsonPatch({}, ops as JsonPatchOperation[]));
      assert.equal(err.code, 400, JSON.stringify(ops));
    }
    assert.match(patchError(() => applyJsonPatch({}, [{ op: 'nope', path: '/' }] as any)).message, /^Unexpected kind: "nope"$/);
  });

  it('is atomic and never mutates its inputs', () => {
    const doc = deepFreeze({ a: [1, 2], b: { c: 1 } });
    const ops = deepFreeze([
      { op: 'add', path: '/a/-', value: { d: 1 } },
      { op: 'test', path: '/b/c', value: 2 },
    ] as JsonPatchOperation[]);
    assert.throws(() => applyJsonPatch(doc, ops), PatchError);
    const result = applyJsonPatch(doc, [ops[0]]) as any;
    assert.deepEqual(result, { a: [1, 2, { d: 1 }], b: { c: 1 } });
    assert.notEqual(result.a[2], (ops[0] as { value: unknown }).value);
    assert.notEqual(result.b, doc.b);
  });

  it('handles __proto__ keys as data', () => {
    const result = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as any;
    assert.equal(({} as any).polluted, undefined);
    assert.deepEqual(Object.keys(result), ['__proto__']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('lookupMergeList', () => {
  it('resolves merge keys by path suffix', () => {
    assert.equal(lookupMergeList('spec.containers')?.mergeKey, 'name');
    assert.equal(lookupMergeList('spec.template.spec.containers')?.mergeKey, 'name');
    assert.equal(lookupMergeList('spec.jobTemplate.spec.template.spec.initContainers')?.mergeKey, 'name');
    assert.equal(lookupMergeList('spec.containers.ports')?.mergeKey, 'containerPort');
    assert.equal(lookupMergeList('spec.template.spec.ephemeralContainers.ports')?.mergeKey, 'containerPort');
    assert.equal(lookupMergeList('spec.ports')?.mergeKey, 'port');
    assert.equal(lookupMergeList(['spec', 'containers', 'env'])?.mergeKey, 'name');
    assert.equal(lookupMergeList('spec.containers.volumeMounts')?.mergeKey, 'mountPath');
    assert.equal(lookupMergeList('spec.containers.volumeDevices')?.mergeKey, 'devicePath');
    assert.equal(lookupMergeList('metadata.ownerReferences')?.mergeKey, 'uid');
    assert.equal(lookupMergeList('status.conditions')?.mergeKey, 'type');
    assert.equal(lookupMergeList('spec.hostAliases')?.mergeKey, 'ip');
    assert.equal(lookupMergeList('spec.topologySpreadConstraints')?.mergeKey, 'topologyKey');
  });
  it('knows primitive merge lists', () => {
    const finalizers = lookupMergeList('metadata.finalizers');
    assert.ok(finalizers);
    assert.equal(finalizers.mergeKey, undefined);
  });
  it('leaves atomic lists out', () => {
    for (const path of ['spec.tolerations', 'spec.taints', 'spec.containers.args', 'spec.containers.command', 'spec.containers.envFrom', 'imagePullSecrets', 'spec.ingress.ports', 'subsets.ports', 'status.containerStatuses']) {
      assert.equal(lookupMergeList(path), undefined, path);
    }
  });
  it('anchors root-only rules', () => {
    assert.equal(lookupMergeList('secrets')?.mergeKey, 'name');
    assert.equal(lookupMergeList('spec.secrets'), undefined);
  });
  it('exports the table', () => {
    assert.ok(STRATEGIC_MERGE_LISTS.length > 20);
  });
});

describe('applyStrategicMergePatch', () => {
  const node = () => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    spec: { podCIDRs: ['10.0.0.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }], unschedulable: true },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady' },
        { type: 'MemoryPressure', status: 'False' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    },
  });

  const pod = () => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web' },
      finalizers: ['a.example/x', 'b.example/y'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          args: ['--a', '--b'],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          envFrom: [{ configMapRef: { name: 'one' } }],
          ports: [
            { containerPort: 80, protocol: 'TCP', name: 'http' },
            { containerPort: 443, protocol: 'TCP' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'sidecar', image: 'side:1' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      imagePullSecrets: [{ name: 'reg1' }],
    },
  });

  describe('what kubectl sends', () => {
    it('cordons and uncordons a node', () => {
      const uncordoned = applyStrategicMergePatch(node(), { spec: { unschedulable: null } });
      assert.equal('unschedulable' in uncordoned.spec, false);
      assert.deepEqual(uncordoned.spec.taints, node().spec.taints);
      const cordoned = applyStrategicMergePatch(uncordoned, { spec: { unschedulable: true } });
      assert.equal(cordoned.spec.unschedulable, true);
    });

    it('labels and unlabels', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { labels: { app: null, tier: 'fe' } } });
      assert.deepEqual(result.metadata.labels, { tier: 'fe' });
    });

    it('ignores nulls for keys that do not exist', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { annotations: { x: null } }, spec: { nodeName: null } }) as any;
      assert.deepEqual(result.metadata.annotations, {});
      assert.equal('nodeName' in result.spec, false);
    });

    it('applies a kubectl edit style patch with $setElementOrder', () => {
      const result = applyStrategicMergePatch(pod(), {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
          containers: [{ name: 'sidecar', image: 'side:2' }],
        },
      });
      assert.deepEqual(names(result.spec.containers), ['app', 'sidecar']);
      assert.equal(result.spec.containers[1].image, 'side:2');
      assert.equal(result.spec.containers[0].image, 'app:1');
    });

    it('applies a kubectl apply patch that removes a container', () => {
      const result = applyStrategicMergePatch(pod(), {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }],
          containers: [{ $patch: 'delete', name: 'sidecar' }],
        },
      });
      assert.deepEqual(names(result.spec.containers), ['app']);
    });

    it('applies a kubectl apply patch that switches a volume source with $retainKeys', () => {
      const result = applyStrategicMergePatch(pod(), {
        spec: {
          '$setElementOrder/volumes': [{ name: 'data' }],
          volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cfg' } }],
        },
      });
      assert.deepEqual(result.spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
    });

    it('switches a Deployment strategy with $retainKeys', () => {
      const deployment = { spec: { replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } };
      const result = applyStrategicMergePatch(deployment, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
      assert.deepEqual(result, { spec: { replicas: 3, strategy: { type: 'Recreate' } } });
    });

    it('removes a finalizer with $deleteFromPrimitiveList', () => {
      const result = applyStrategicMergePatch(pod(), {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/x'], '$setElementOrder/finalizers': ['b.example/y'] },
      });
      assert.deepEqual(result.metadata.finalizers, ['b.example/y']);
    });

    it('updates a status condition by type (kubelet style)', () => {
      const result = applyStrategicMergePatch(node(), {
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] },
      });
      assert.deepEqual(result.status.conditions, [
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
        { type: 'MemoryPressure', status: 'False' },
      ]);
    });
  });

  describe('lists of objects merged by key', () => {
    it('merges containers by name and keeps live order', () => {
      const result = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'sidecar', image: 'side:2' }] } });
      assert.deepEqual(names(result.spec.containers), ['app', 'sidecar']);
      assert.equal(result.spec.containers[1].image, 'side:2');
      assert.equal(result.spec.containers[0].env!.length, 2);
    });

    it('puts new items before the live ones, as upstream does without $setElementOrder', () => {
      const result = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'new', image: 'n:1' }] } });
      assert.deepEqual(names(result.spec.containers), ['new', 'app', 'sidecar']);
    });

    it('orders by $setElementOrder and interleaves unlisted live items by live position', () => {
      const three = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
      const reordered = applyStrategicMergePatch(three, { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] } });
      assert.deepEqual(names(reordered.spec.containers), ['b', 'c', 'a']);
      const inserted = applyStrategicMergePatch(
        { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
        { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'n' }, { name: 'b' }], containers: [{ name: 'n', image: 'x' }] } },
      );
      assert.deepEqual(names(inserted.spec.containers), ['a', 'n', 'b']);
    });

    it('rejects a patch list that contradicts $setElementOrder', () => {
      const err = patchError(() =>
        applyStrategicMergePatch(pod(), {
          spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ name: 'sidecar' }, { name: 'app' }] },
        }),
      );
      assert.match(err.message, /doesn't match \$setElementOrder list/);
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), { spec: { '$setElementOrder/containers': 'x' } })).code, 400);
    });

    it('ignores $setElementOrder for a list that exists nowhere', () => {
      assert.deepEqual(applyStrategicMergePatch({ spec: {} }, { spec: { '$setElementOrder/initContainers': [{ name: 'a' }] } }), { spec: {} });
    });

    it('merges env by name inside a container and replaces envFrom and args', () => {
      const result = applyStrategicMergePatch(pod(), {
        spec: {
          containers: [
            {
              name: 'app',
              env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }, { name: 'A', $patch: 'delete' }],
              envFrom: [{ secretRef: { name: 'two' } }],
              args: ['--c'],
            },
          ],
        },
      });
      const app = result.spec.containers[0];
      assert.deepEqual(app.env, [
        { name: 'B', value: '20' },
        { name: 'C', value: '3' },
      ]);
      assert.deepEqual(app.envFrom, [{ secretRef: { name: 'two' } }]);
      assert.deepEqual(app.args, ['--c']);
    });

    it('merges container ports by containerPort and service ports by port', () => {
      const podResult = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'app', ports: [{ containerPort: 443, name: 'https' }] }] } });
      assert.deepEqual(podResult.spec.containers[0].ports, [
        { containerPort: 80, protocol: 'TCP', name: 'http' },
        { containerPort: 443, protocol: 'TCP', name: 'https' },
      ]);
      const service = {
        spec: {
          ports: [
            { name: 'http', port: 80, targetPort: 8080 },
            { name: 'https', port: 443, targetPort: 8443 },
          ],
        },
      };
      const svcResult = applyStrategicMergePatch(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
      assert.deepEqual(svcResult.spec.ports, [
        { name: 'http', port: 80, targetPort: 9090 },
        { name: 'https', port: 443, targetPort: 8443 },
      ]);
      const err = patchError(() => applyStrategicMergePatch(service, { spec: { ports: [{ name: 'http', targetPort: 1 }] } }));
      assert.match(err.message, /does not contain declared merge key: port/);
    });

    it('merges volumeMounts by mountPath, deployment templates included', () => {
      const deployment = { spec: { template: { spec: { containers: [{ name: 'app', volumeMounts: [{ name: 'a', mountPath: '/a' }] }] } } } };
      const result = applyStrategicMergePatch(deployment, {
        spec: { template: { spec: { containers: [{ name: 'app', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }] }] } } },
      });
      assert.deepEqual(result.spec.template.spec.containers[0].volumeMounts, [{ name: 'b', mountPath: '/a', readOnly: true }]);
    });

    it('merges ownerReferences by uid', () => {
      const result = applyStrategicMergePatch(pod(), {
        metadata: { ownerReferences: [{ uid: 'u1', controller: false }, { apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u2' }] },
      });
      assert.deepEqual(
        result.metadata.ownerReferences.map((ref) => [ref.uid, ref.controller]),
        [
          ['u1', false],
          ['u2', undefined],
        ],
      );
    });

    it('merges pod imagePullSecrets by name but replaces a ServiceAccount\'s', () => {
      const podResult = applyStrategicMergePatch(pod(), { spec: { imagePullSecrets: [{ name: 'reg2' }] } });
      assert.deepEqual(podResult.spec.imagePullSecrets, [{ name: 'reg2' }, { name: 'reg1' }]);
      const sa = { metadata: { name: 'default' }, secrets: [{ name: 's1' }], imagePullSecrets: [{ name: 'reg1' }] };
      const saResult = applyStrategicMergePatch(sa, { secrets: [{ name: 's2' }], imagePullSecrets: [{ name: 'reg2' }] });
      assert.deepEqual(saResult.secrets, [{ name: 's2' }, { name: 's1' }]);
      assert.deepEqual(saResult.imagePullSecrets, [{ name: 'reg2' }]);
    });

    it('merges hostAliases by ip and topologySpreadConstraints by topologyKey', () => {
      const spec = {
        spec: {
          hostAliases: [{ ip: '1.1.1.1', hostnames: ['a'] }],
          topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }],
        },
      };
      const result = applyStrategicMergePatch(spec, {
        spec: { hostAliases: [{ ip: '1.1.1.1', hostnames: ['b'] }], topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }] },
      });
      assert.deepEqual(result.spec.hostAliases, [{ ip: '1.1.1.1', hostnames: ['b'] }]);
      assert.deepEqual(result.spec.topologySpreadConstraints, [{ topologyKey: 'zone', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' }]);
    });

    it('replaces the whole list with a $patch: replace item', () => {
      const result = applyStrategicMergePatch(pod(), {
        spec: { containers: [{ name: 'only', image: 'o:1' }, { $patch: 'replace' }] },
      });
      assert.deepEqual(result.spec.containers, [{ name: 'only', image: 'o:1' }]);
    });

    it('accepts $patch: merge on a list item', () => {
      const result = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'sidecar', image: 'side:3', $patch: 'merge' }] } });
      assert.deepEqual(result.spec.containers[1], { name: 'sidecar', image: 'side:3' });
    });

    it('deletes every item with the key and requires the key', () => {
      const list = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'a', image: 'dup' }] } };
      assert.deepEqual(applyStrategicMergePatch(list, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }), {
        spec: { containers: [{ name: 'b' }] },
      });
      assert.match(patchError(() => applyStrategicMergePatch(list, { spec: { containers: [{ $patch: 'delete' }] } })).message, /merge key: name/);
      assert.match(patchError(() => applyStrategicMergePatch(list, { spec: { containers: [{ image: 'x' }] } })).message, /merge key: name/);
    });

    it('rejects unknown list directives and non-object items', () => {
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'app', $patch: 'frob' }] } })).code, 400);
      assert.throws(() => applyStrategicMergePatch(pod(), { spec: { containers: ['app'] } }), PatchError);
      assert.throws(() => applyStrategicMergePatch(pod(), { spec: { containers: [[{ name: 'a' }]] } }), /lists of lists/);
    });
  });

  describe('lists of scalars and atomic lists', () => {
    it('merges finalizers as an ordered set', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { finalizers: ['c.example/z', 'a.example/x'] } });
      assert.deepEqual(result.metadata.finalizers, ['c.example/z', 'a.example/x', 'b.example/y']);
      const ordered = applyStrategicMergePatch(pod(), {
        metadata: { '$setElementOrder/finalizers': ['a.example/x', 'b.example/y', 'c.example/z'], finalizers: ['c.example/z'] },
      });
      assert.deepEqual(ordered.metadata.finalizers, ['a.example/x', 'b.example/y', 'c.example/z']);
    });

    it('deletes from a primitive list that is absent without creating it', () => {
      const result = applyStrategicMergePatch({ metadata: {} }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } });
      assert.deepEqual(result, { metadata: {} });
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } })).code, 400);
    });

    it('merges node podCIDRs', () => {
      const result = applyStrategicMergePatch(node(), { spec: { podCIDRs: ['fd00::/64', '10.0.0.0/24'] } });
      assert.deepEqual(result.spec.podCIDRs, ['fd00::/64', '10.0.0.0/24']);
    });

    it('replaces tolerations, taints and command whole', () => {
      const podResult = applyStrategicMergePatch(pod(), { spec: { tolerations: [{ key: 'x', operator: 'Exists' }] } });
      assert.deepEqual(podResult.spec.tolerations, [{ key: 'x', operator: 'Exists' }]);
      const nodeResult = applyStrategicMergePatch(node(), { spec: { taints: [] } });
      assert.deepEqual(nodeResult.spec.taints, []);
    });

    it('rejects objects in a primitive merge list', () => {
      assert.match(patchError(() => applyStrategicMergePatch(pod(), { metadata: { finalizers: [{ a: 1 }] } })).message, /without merge key/);
    });
  });

  describe('map directives', () => {
    it('replaces a map with $patch: replace', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', only: 'this', gone: null } } });
      assert.deepEqual(result.metadata.labels, { only: 'this' });
    });

    it('empties a map with $patch: delete', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } });
      assert.deepEqual(result.metadata.labels, {});
    });

    it('merges normally with $patch: merge', () => {
      const result = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'merge', tier: 'fe' } } });
      assert.deepEqual(result.metadata.labels, { app: 'web', tier: 'fe' });
    });

    it('rejects unknown $patch values', () => {
      const err = patchError(() => applyStrategicMergePatch(pod(), { metadata: { $patch: 'explode' } }));
      assert.equal(err.code, 400);
      assert.match(err.message, /^unknown patch type: "explode" in map/);
    });

    it('validates $retainKeys', () => {
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), { spec: { $retainKeys: 'x' } })).code, 400);
      const err = patchError(() => applyStrategicMergePatch(pod(), { spec: { $retainKeys: ['volumes'], containers: [] } }));
      assert.equal(err.code, 422);
      assert.equal(err.message, "patch content doesn't match retainKeys list");
    });
  });

  describe('directives never leak into the result', () => {
    it('drops unknown $ keys at every level', () => {
      const result = applyStrategicMergePatch(pod(), {
        $foo: 1,
        metadata: { $bar: { x: 1 }, labels: { $baz: 'q', tier: 'fe' } },
        spec: { tolerations: [{ key: 'k', $weird: true, value: null }] },
      }) as any;
      assert.equal(JSON.stringify(result).includes('$'), false);
      assert.deepEqual(result.metadata.labels, { app: 'web', tier: 'fe' });
      assert.deepEqual(result.spec.tolerations, [{ key: 'k' }]);
    });

    it('processes directives in subtrees that are new to the object', () => {
      const result = applyStrategicMergePatch({ metadata: { name: 'x' } }, {
        metadata: { annotations: { a: '1', b: null, $patch: 'merge' } },
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
          containers: [
            { name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', $patch: 'delete' }], $retainKeys: ['name', 'env'] },
            { name: 'b' },
            { name: 'gone', $patch: 'delete' },
          ],
          $retainKeys: ['containers'],
        },
      }) as any;
      assert.equal(JSON.stringify(result).includes('$'), false);
      assert.deepEqual(result, {
        metadata: { name: 'x', annotations: { a: '1' } },
        spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }, { name: 'b' }] },
      });
    });

    it('keeps the $ref and $schema fields of CRD schemas', () => {
      const crd = { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object' } } }] } };
      const result = applyStrategicMergePatch(crd, { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { $schema: 's', $ref: '#/x' } } }] } });
      assert.deepEqual(result.spec.versions[0].schema.openAPIV3Schema, { $schema: 's', $ref: '#/x' });
    });
  });

  describe('shapes and safety', () => {
    it('replaces values whose type changes', () => {
      assert.deepEqual(applyStrategicMergePatch({ a: { b: 1 }, c: [1], d: 'x' }, { a: [1], c: { x: null, y: 1 }, d: { e: 1 } }), {
        a: [1],
        c: { y: 1 },
        d: { e: 1 },
      });
    });

    it('empties the whole object with a top-level $patch: delete', () => {
      assert.deepEqual(applyStrategicMergePatch(pod(), { $patch: 'delete' }), {});
    });

    it('requires JSON objects', () => {
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), [])).code, 400);
      assert.equal(patchError(() => applyStrategicMergePatch(pod(), null)).code, 400);
      assert.equal(patchError(() => applyStrategicMergePatch([] as unknown, {})).code, 400);
    });

    it('never mutates or shares its inputs', () => {
      const target = deepFreeze(pod());
      const patch = deepFreeze({
        metadata: { labels: { x: 'y' }, '$deleteFromPrimitiveList/finalizers': ['a.example/x'] },
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
          containers: [{ name: 'sidecar', image: 'side:2', env: [{ name: 'N', value: 'v' }] }],
          volumes: [{ name: 'data', $retainKeys: ['name', 'emptyDir'], emptyDir: { medium: 'Memory' } }],
        },
      });
      const result = applyStrategicMergePatch(target, patch) as any;
      assert.deepEqual(result.metadata.finalizers, ['b.example/y']);
      assert.deepEqual(result.spec.containers[1].env, [{ name: 'N', value: 'v' }]);
      assert.notEqual(result.spec.containers[1].env, patch.spec.containers[0].env);
      assert.notEqual(result.spec.containers[0], target.spec.containers[0]);
      assert.notEqual(result.spec.tolerations, target.spec.tolerations);
      result.spec.containers[0].env.push({ name: 'Z' });
      assert.equal(target.spec.containers[0].env!.length, 2);
    });

    it('treats __proto__ as an ordinary key', () => {
      const result = applyStrategicMergePatch({ a: {} }, JSON.parse('{"a": {"__proto__": {"polluted": 1}}}')) as any;
      assert.equal(({} as any).polluted, undefined);
      assert.deepEqual(Object.keys(result.a), ['__proto__']);
    });

    it('accepts a custom merge-list table', () => {
      const widget = { spec: { items: [{ id: 1, v: 'a' }] } };
      const merged = applyStrategicMergePatch(widget, { spec: { items: [{ id: 1, v: 'b' }, { id: 2 }] } }, { lists: [{ path: 'spec.items', mergeKey: 'id' }] });
      assert.deepEqual(merged.spec.items, [{ id: 1, v: 'b' }, { id: 2 }]);
      const replaced = applyStrategicMergePatch(widget, { spec: { items: [{ id: 2 }] } });
      assert.deepEqual(replaced.spec.items, [{ id: 2 }]);
    });
  });
});

describe('jsonEqual', () => {
  it('compares JSON values structurally', () => {
    assert.equal(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }), true);
    assert.equal(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: undefined }), false);
    assert.equal(jsonEqual([1, 2], [2, 1]), false);
    assert.equal(jsonEqual(1, '1'), false);
    assert.equal(jsonEqual(null, {}), false);
  });
});
