import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { decodeKubernetesProtobuf, isProtobufContentType, ProtobufDecodeError } from './protobuf.ts';

// A tiny protobuf encoder: enough to build what kubectl sends.

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

type Field = number[];

function bytesField(field: number, payload: number[] | Uint8Array): Field {
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
}

function str(field: number, value: string): Field {
  return bytesField(field, [...Buffer.from(value, 'utf8')]);
}

function msg(field: number, ...fields: Field[]): Field {
  return bytesField(field, fields.flat());
}

function varintField(field: number, value: number): Field {
  return [...varint(field * 8), ...varint(value)];
}

function envelope(apiVersion: string, kind: string, raw: Field[], extra: Field[] = []): Buffer {
  const unknown = [msg(1, str(1, apiVersion), str(2, kind)), bytesField(2, raw.flat()), ...extra].flat();
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

// kubectl (gogo-protobuf) writes every string field, even empty ones, and an empty ObjectMeta with a zero timestamp.
const emptyObjectMeta = msg(1, str(1, ''), str(2, ''), str(3, ''), msg(8, varintField(1, 0), varintField(2, 0)));

function canIBody(attributes: Record<string, string>): Buffer {
  const resourceAttributes = msg(
    1,
    str(1, attributes.namespace ?? ''),
    str(2, attributes.verb ?? ''),
    str(3, attributes.group ?? ''),
    str(4, attributes.version ?? ''),
    str(5, attributes.resource ?? ''),
    str(6, attributes.subresource ?? ''),
    str(7, attributes.name ?? ''),
  );
  return envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [emptyObjectMeta, msg(2, resourceAttributes), msg(3, varintField(1, 0))]);
}

describe('isProtobufContentType', () => {
  it('matches the Kubernetes protobuf media type with or without parameters', () => {
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobufContentType('Application/Vnd.Kubernetes.Protobuf; charset=utf-8'), true);
    assert.equal(isProtobufContentType('application/json'), false);
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isProtobufContentType(undefined), false);
    assert.equal(isProtobufContentType(''), false);
  });
});

describe('decodeKubernetesProtobuf', () => {
  it('decodes the SelfSubjectAccessReview of `kubectl auth can-i delete pods`', () => {
    const review = decodeKubernetesProtobuf(canIBody({ namespace: 'default', verb: 'delete', resource: 'pods' }));
    assert.deepEqual(review, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'delete', resource: 'pods' } },
    });
  });

  it('decodes every resource attribute, selectors and metadata', () => {
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [
      msg(1, str(1, 'check'), str(3, 'team'), msg(11, str(1, 'a'), str(2, 'b')), msg(12, str(1, 'note'), str(2, 'x')), varintField(7, 300)),
      msg(
        2,
        msg(
          1,
          str(1, 'team'),
          str(2, 'get'),
          str(3, 'apps'),
          str(4, 'v1'),
          str(5, 'deployments'),
          str(6, 'scale'),
          str(7, 'web'),
          msg(8, str(1, 'spec.nodeName=n1')),
          msg(9, msg(2, str(1, 'app'), str(2, 'In'), str(3, 'web'), str(3, 'api'))),
        ),
      ),
    ]);
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { name: 'check', namespace: 'team', generation: 300, labels: { a: 'b' }, annotations: { note: 'x' } },
      spec: {
        resourceAttributes: {
          namespace: 'team',
          verb: 'get',
          group: 'apps',
          version: 'v1',
          resource: 'deployments',
          subresource: 'scale',
          name: 'web',
          fieldSelector: { rawSelector: 'spec.nodeName=n1' },
          labelSelector: { requirements: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] },
        },
      },
    });
  });

  it('decodes non-resource attributes', () => {
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [emptyObjectMeta, msg(2, msg(2, str(1, '/healthz'), str(2, 'get')))]);
    assert.deepEqual(decodeKubernetesProtobuf(body).spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  });

  it('decodes the SelfSubjectRulesReview of `kubectl auth can-i --list`', () => {
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', [emptyObjectMeta, msg(2, str(1, 'kube-system'))]);
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: { namespace: 'kube-system' },
    });
  });

  it('skips unknown fields of every wire type', () => {
    const unknownFields: Field[] = [
      varintField(90, 123456789012),
      [...varint(91 * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8],
      [...varint(92 * 8 + 5), 1, 2, 3, 4],
      str(93, 'ignored'),
    ];
    const body = envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', [...unknownFields, msg(2, str(1, 'ns'), ...unknownFields)], unknownFields);
    assert.deepEqual(decodeKubernetesProtobuf(body).spec, { namespace: 'ns' });
  });

  it('rejects bodies without the magic prefix', () => {
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"SelfSubjectAccessReview"}')), ProtobufDecodeError);
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38])), /magic/);
  });

  it('rejects other kinds with a clear message', () => {
    const body = envelope('v1', 'DeleteOptions', [str(1, 'x')]);
    assert.throws(() => decodeKubernetesProtobuf(body), (error: Error) => {
      assert.ok(error instanceof ProtobufDecodeError);
      assert.match(error.message, /v1 DeleteOptions/);
      assert.match(error.message, /SelfSubjectAccessReview/);
      return true;
    });
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00])), /without a kind/);
  });

  it('rejects truncated bodies at every length', () => {
    const body = canIBody({ namespace: 'default', verb: 'delete', resource: 'pods' });
    for (let length = 5; length < body.length; length++) {
      assert.throws(
        () => decodeKubernetesProtobuf(body.subarray(0, length)),
        (error: Error) => error instanceof ProtobufDecodeError,
        `truncated to ${length} of ${body.length} bytes`,
      );
    }
  });

  it('rejects a body cut off right after typeMeta (well-formed, but without the object)', () => {
    const typeMetaOnly = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, 'authorization.k8s.io/v1'), str(2, 'SelfSubjectAccessReview'))]);
    assert.throws(() => decodeKubernetesProtobuf(typeMetaOnly), /carries no object/);
  });

  it('rejects wrong wire types, bad varints and field number 0', () => {
    // typeMeta sent as a varint
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...varintField(1, 5)])), /wire type/);
    // an 11-byte varint
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...new Array(11).fill(0xff)])), /varint/);
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x00, 0x00])), /field number 0/);
    // a group (wire type 3)
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 7 * 8 + 3])), /wire type 3/);
  });

  it('rejects an encoded or non-protobuf inner content type', () => {
    const raw = [emptyObjectMeta];
    assert.throws(() => decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', raw, [str(3, 'gzip')])), /contentEncoding/);
    assert.throws(() => decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', raw, [str(4, 'application/json')])), /contentType/);
  });
});
