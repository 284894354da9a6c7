// Kubernetes protobuf request bodies, for the two kinds kubectl only ever sends that way:
// `auth can-i` posts SelfSubjectAccessReview and `auth can-i --list` posts SelfSubjectRulesReview with
// `Content-Type: application/vnd.kubernetes.protobuf`. Answering 415 is not an option (kubectl does not retry
// with JSON), so the sandbox decodes them into their JSON form.
//
// The envelope is the 4-byte magic "k8s\0" followed by a runtime.Unknown message:
//   typeMeta(1){apiVersion(1), kind(2)}, raw(2) bytes, contentEncoding(3), contentType(4)
// and `raw` is the typed object in k8s.io/api/authorization/v1 generated.proto field numbers.

import type { KubeObject, ObjectMeta } from '../../domain/object.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/** A body that is not a protobuf object the sandbox understands; the message says why. */
export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

/** True for `application/vnd.kubernetes.protobuf`, whatever its parameters. */
export function isProtobufContentType(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

// ---------------------------------------------------------------------------------------------------------
// Wire format

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

class Reader {
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.pos = 0;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new ProtobufDecodeError(`truncated varint in ${this.what}`);
      const byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new ProtobufDecodeError(`varint longer than 10 bytes in ${this.what}`);
  }

  tag(): { field: number; wire: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufDecodeError(`field number 0 in ${this.what}`);
    return { field, wire: key % 8 };
  }

  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length > this.bytes.length - this.pos) {
      throw new ProtobufDecodeError(`truncated ${this.what}: a field claims ${length} bytes but only ${this.bytes.length - this.pos} remain`);
    }
    const value = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  skip(wire: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.advance(8);
        return;
      case LENGTH_DELIMITED:
        this.lengthDelimited();
        return;
      case FIXED32:
        this.advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wire} in ${this.what}`);
    }
  }

  private advance(count: number): void {
    if (count > this.bytes.length - this.pos) throw new ProtobufDecodeError(`truncated fixed-width field in ${this.what}`);
    this.pos += count;
  }
}

type FieldHandler = (reader: Reader, wire: number) => void;

/** Reads every field of a message, passing known ones to their handler and skipping the rest. */
function readMessage(bytes: Uint8Array, what: string, handlers: Record<number, FieldHandler>): void {
  const reader = new Reader(bytes, what);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    const handler = handlers[field];
    if (handler) handler(reader, wire);
    else reader.skip(wire);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function expectWire(wire: number, expected: number, what: string): void {
  if (wire !== expected) throw new ProtobufDecodeError(`${what} has wire type ${wire}, expected ${expected}`);
}

function stringField(what: string, set: (value: string) => void): FieldHandler {
  return (reader, wire) => {
    expectWire(wire, LENGTH_DELIMITED, what);
    try {
      set(utf8.decode(reader.lengthDelimited()));
    } catch (error) {
      if (error instanceof ProtobufDecodeError) throw error;
      throw new ProtobufDecodeError(`${what} is not valid UTF-8`);
    }
  };
}

function messageField(what: string, read: (bytes: Uint8Array) => void): FieldHandler {
  return (reader, wire) => {
    expectWire(wire, LENGTH_DELIMITED, what);
    read(reader.lengthDelimited());
  };
}

function varintField(what: string, set: (value: number) => void): FieldHandler {
  return (reader, wire) => {
    expectWire(wire, VARINT, what);
    set(reader.varint());
  };
}

/** Sets a string property only when it is non-empty, as the JSON form (omitempty) would. */
function setString(target: Record<string, unknown>, key: string): (value: string) => void {
  return (value) => {
    if (value !== '') target[key] = value;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Messages

function decodeStringMapEntry(bytes: Uint8Array, what: string, into: Record<string, string>): void {
  let key = '';
  let value = '';
  readMessage(bytes, what, {
    1: stringField(`${what} key`, (v) => (key = v)),
    2: stringField(`${what} value`, (v) => (value = v)),
  });
  into[key] = value;
}

function decodeObjectMeta(bytes: Uint8Array): ObjectMeta {
  const meta: ObjectMeta = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  readMessage(bytes, 'ObjectMeta', {
    1: stringField('metadata.name', setString(meta, 'name')),
    2: stringField('metadata.generateName', setString(meta, 'generateName')),
    3: stringField('metadata.namespace', setString(meta, 'namespace')),
    5: stringField('metadata.uid', setString(meta, 'uid')),
    6: stringField('metadata.resourceVersion', setString(meta, 'resourceVersion')),
    7: varintField('metadata.generation', (v) => {
      if (v !== 0) meta.generation = v;
    }),
    11: messageField('metadata.labels', (b) => decodeStringMapEntry(b, 'metadata.labels entry', labels)),
    12: messageField('metadata.annotations', (b) => decodeStringMapEntry(b, 'metadata.annotations entry', annotations)),
    14: stringField('metadata.finalizers', (v) => finalizers.push(v)),
  });
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

/** FieldSelectorAttributes / LabelSelectorAttributes: rawSelector(1), requirements(2){key, operator, values}. */
function decodeSelectorAttributes(bytes: Uint8Array, what: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const requirements: Array<Record<string, unknown>> = [];
  readMessage(bytes, what, {
    1: stringField(`${what}.rawSelector`, setString(result, 'rawSelector')),
    2: messageField(`${what}.requirements`, (b) => {
      const requirement: Record<string, unknown> = {};
      const values: string[] = [];
      readMessage(b, `${what}.requirements`, {
        1: stringField(`${what}.requirements.key`, setString(requirement, 'key')),
        2: stringField(`${what}.requirements.operator`, setString(requirement, 'operator')),
        3: stringField(`${what}.requirements.values`, (v) => values.push(v)),
      });
      if (values.length > 0) requirement.values = values;
      requirements.push(requirement);
    }),
  });
  if (requirements.length > 0) result.requirements = requirements;
  return result;
}

function decodeResourceAttributes(bytes: Uint8Array): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const what = 'spec.resourceAttributes';
  readMessage(bytes, what, {
    1: stringField(`${what}.namespace`, setString(attributes, 'namespace')),
    2: stringField(`${what}.verb`, setString(attributes, 'verb')),
    3: stringField(`${what}.group`, setString(attributes, 'group')),
    4: stringField(`${what}.version`, setString(attributes, 'version')),
    5: stringField(`${what}.resource`, setString(attributes, 'resource')),
    6: stringField(`${what}.subresource`, setString(attributes, 'subresource')),
    7: stringField(`${what}.name`, setString(attributes, 'name')),
    8: messageField(`${what}.fieldSelector`, (b) => (attributes.fieldSelector = decodeSelectorAttributes(b, `${what}.fieldSelector`))),
    9: messageField(`${what}.labelSelector`, (b) => (attributes.labelSelector = decodeSelectorAttributes(b, `${what}.labelSelector`))),
  });
  return attributes;
}

function decodeNonResourceAttributes(bytes: Uint8Array): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const what = 'spec.nonResourceAttributes';
  readMessage(bytes, what, {
    1: stringField(`${what}.path`, setString(attributes, 'path')),
    2: stringField(`${what}.verb`, setString(attributes, 'verb')),
  });
  return attributes;
}

function decodeSelfSubjectAccessReview(bytes: Uint8Array, apiVersion: string): KubeObject {
  let metadata: ObjectMeta = {};
  const spec: Record<string, unknown> = {};
  readMessage(bytes, 'SelfSubjectAccessReview', {
    1: messageField('metadata', (b) => (metadata = decodeObjectMeta(b))),
    2: messageField('spec', (b) =>
      readMessage(b, 'SelfSubjectAccessReview.spec', {
        1: messageField('spec.resourceAttributes', (r) => (spec.resourceAttributes = decodeResourceAttributes(r))),
        2: messageField('spec.nonResourceAttributes', (r) => (spec.nonResourceAttributes = decodeNonResourceAttributes(r))),
      }),
    ),
  });
  return { apiVersion, kind: 'SelfSubjectAccessReview', metadata, spec };
}

function decodeSelfSubjectRulesReview(bytes: Uint8Array, apiVersion: string): KubeObject {
  let metadata: ObjectMeta = {};
  const spec: Record<string, unknown> = {};
  readMessage(bytes, 'SelfSubjectRulesReview', {
    1: messageField('metadata', (b) => (metadata = decodeObjectMeta(b))),
    2: messageField('spec', (b) => readMessage(b, 'SelfSubjectRulesReview.spec', { 1: stringField('spec.namespace', setString(spec, 'namespace')) })),
  });
  return { apiVersion, kind: 'SelfSubjectRulesReview', metadata, spec };
}

const DECODERS: Record<string, (bytes: Uint8Array, apiVersion: string) => KubeObject> = {
  SelfSubjectAccessReview: decodeSelfSubjectAccessReview,
  SelfSubjectRulesReview: decodeSelfSubjectRulesReview,
};

// Both versions share the v1 field numbers.
const API_VERSIONS = new Set(['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1']);

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the object's JSON form. Only
 * SelfSubjectAccessReview and SelfSubjectRulesReview are understood; anything else, or a malformed or
 * truncated body, throws a ProtobufDecodeError.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new ProtobufDecodeError('not a Kubernetes protobuf body: it does not start with the "k8s\\0" magic');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array | undefined;
  let contentEncoding = '';
  let contentType = '';
  readMessage(body.subarray(MAGIC.length), 'runtime.Unknown', {
    1: messageField('typeMeta', (b) =>
      readMessage(b, 'typeMeta', {
        1: stringField('typeMeta.apiVersion', (v) => (apiVersion = v)),
        2: stringField('typeMeta.kind', (v) => (kind = v)),
      }),
    ),
    2: messageField('raw', (b) => (raw = b)),
    3: stringField('contentEncoding', (v) => (contentEncoding = v)),
    4: stringField('contentType', (v) => (contentType = v)),
  });

  const decode = DECODERS[kind];
  if (!decode || !API_VERSIONS.has(apiVersion)) {
    const what = kind ? `${apiVersion || '<no apiVersion>'} ${kind}` : 'an object without a kind';
    throw new ProtobufDecodeError(
      `unsupported protobuf body: ${what}; the sandbox decodes only authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview (send JSON instead)`,
    );
  }
  // A body cut off right after typeMeta is still well-formed protobuf: only the missing object gives it away.
  if (raw === undefined) throw new ProtobufDecodeError(`protobuf body for ${kind} carries no object (runtime.Unknown.raw is missing)`);
  if (contentEncoding !== '') throw new ProtobufDecodeError(`unsupported contentEncoding "${contentEncoding}" in protobuf body`);
  if (contentType !== '' && !isProtobufContentType(contentType)) {
    throw new ProtobufDecodeError(`unsupported contentType "${contentType}" inside protobuf body`);
  }
  return decode(raw, apiVersion);
}
