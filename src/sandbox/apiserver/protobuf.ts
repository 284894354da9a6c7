// Kubernetes protobuf request bodies. kubectl sends the objects of its typed-client commands that way
// (`kubectl create deployment|job|cronjob|service|configmap|secret|...`, `autoscale`, `auth can-i`) with
// `Content-Type: application/vnd.kubernetes.protobuf`, and does not retry with JSON after a 415, so the sandbox
// decodes them into the JSON a JSON client would have sent.
//
// The envelope is the 4-byte magic "k8s\0" followed by a runtime.Unknown message:
//   typeMeta(1){apiVersion(1), kind(2)}, raw(2) bytes, contentEncoding(3), contentType(4)
// and `raw` is the typed object, decoded here by the descriptors of protobuf-types.ts (which also state how
// zero values map to JSON).
//
// A field number a known message does not describe is harmless when it holds a zero value (the Go encoder
// writes every non-pointer field, zero or not), but one that carries data would be lost: the decoder collects
// the paths of those and decodeKubernetesProtobuf refuses the body, so that the client gets a 400 naming the
// field instead of a 201 for an object that is not the one it sent.

import type { KubeObject } from '../../domain/object.ts';
import { fieldsOf, KINDS, SCALAR_TYPES, SPECIAL_TYPES, type FieldDescriptor } from './protobuf-types.ts';

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
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** A varint as the unsigned 64-bit value it encodes. */
  varint(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new ProtobufDecodeError(`truncated varint in ${this.what}`);
      const byte = this.bytes[this.pos++];
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
    }
    throw new ProtobufDecodeError(`varint longer than 10 bytes in ${this.what}`);
  }

  private smallVarint(): number {
    const value = this.varint();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufDecodeError(`oversized tag or length in ${this.what}`);
    return Number(value);
  }

  tag(): { field: number; wire: number } {
    const key = this.smallVarint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufDecodeError(`field number 0 in ${this.what}`);
    return { field, wire: key % 8 };
  }

  lengthDelimited(): Uint8Array {
    const length = this.smallVarint();
    if (length > this.bytes.length - this.pos) {
      throw new ProtobufDecodeError(`truncated ${this.what}: a field claims ${length} bytes but only ${this.bytes.length - this.pos} remain`);
    }
    const value = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  fixed(count: number): Uint8Array {
    if (count > this.bytes.length - this.pos) throw new ProtobufDecodeError(`truncated fixed-width field in ${this.what}`);
    const value = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return value;
  }

  /** Reads a field of a number nobody described; true when it carries anything but a zero value. */
  skipCarriesData(wire: number): boolean {
    switch (wire) {
      case VARINT:
        return this.varint() !== 0n;
      case FIXED64:
        return this.fixed(8).some((byte) => byte !== 0);
      case LENGTH_DELIMITED:
        return !isZeroMessage(this.lengthDelimited());
      case FIXED32:
        return this.fixed(4).some((byte) => byte !== 0);
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wire} in ${this.what}`);
    }
  }
}

/**
 * An empty string, or a message whose fields all hold zero values (what Go writes for an unset struct).
 * Anything that does not parse as a message is a non-empty string or bytes: data.
 */
function isZeroMessage(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  try {
    const reader = new Reader(bytes, 'unknown field');
    while (!reader.done) {
      if (reader.skipCarriesData(reader.tag().wire)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufDecodeError(`${what} is not valid UTF-8`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Schema-driven decoding

interface Context {
  /** paths of fields the descriptors do not know and that carry data */
  unknown: string[];
}

const WIRE_NAMES: Record<number, string> = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 5: 'fixed32' };

function expectWire(wire: number, expected: number, path: string): void {
  if (wire !== expected) {
    throw new ProtobufDecodeError(`${path || 'object'} has wire type ${wire} (${WIRE_NAMES[wire] ?? 'unknown'}), expected ${expected} (${WIRE_NAMES[expected]})`);
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

type Scalar = string | number | boolean;

function readScalar(reader: Reader, wire: number, type: string, path: string): Scalar {
  if (type === 'string' || type === 'bytes') {
    expectWire(wire, LENGTH_DELIMITED, path);
    const bytes = reader.lengthDelimited();
    return type === 'string' ? decodeUtf8(bytes, path) : Buffer.from(bytes).toString('base64');
  }
  expectWire(wire, VARINT, path);
  const value = reader.varint();
  if (type === 'bool') return value !== 0n;
  // Go's int32 and int64 travel as two's complement in 64 bits; Number() loses precision only beyond 2^53
  return Number(BigInt.asIntN(type === 'int32' ? 32 : 64, value));
}

function isZero(value: Scalar): boolean {
  return value === '' || value === 0 || value === false;
}

/** Reads one value of a repeated scalar field, or all of a packed run of numbers. */
function readRepeatedScalars(reader: Reader, wire: number, type: string, path: string): Scalar[] {
  if (wire === LENGTH_DELIMITED && type !== 'string' && type !== 'bytes') {
    const packed = new Reader(reader.lengthDelimited(), path);
    const values: Scalar[] = [];
    while (!packed.done) values.push(readScalar(packed, VARINT, type, path));
    return values;
  }
  return [readScalar(reader, wire, type, path)];
}

/** A value of any non-scalar type: a message of the table or one of the special types. */
function readComposite(bytes: Uint8Array, type: string, path: string, context: Context): unknown {
  if (SPECIAL_TYPES.has(type)) return readSpecial(bytes, type, path, context);
  const object: Record<string, unknown> = {};
  decodeInto(object, bytes, type, path, context);
  return object;
}

function readValue(reader: Reader, wire: number, type: string, path: string, context: Context): unknown {
  if (SCALAR_TYPES.has(type)) return readScalar(reader, wire, type, path);
  expectWire(wire, LENGTH_DELIMITED, path);
  return readComposite(reader.lengthDelimited(), type, path, context);
}

function decodeInto(out: Record<string, unknown>, bytes: Uint8Array, message: string, path: string, context: Context): void {
  const fields = fieldsOf(message);
  const reader = new Reader(bytes, path || message);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    const descriptor = fields.get(field);
    if (!descriptor) {
      if (reader.skipCarriesData(wire)) context.unknown.push(`${path || message} field ${field}`);
      continue;
    }
    decodeField(out, reader, wire, descriptor, path, context);
  }
}

function decodeField(out: Record<string, unknown>, reader: Reader, wire: number, field: FieldDescriptor, path: string, context: Context): void {
  const { name, type } = field;
  const fieldPath = join(path, name);
  switch (field.shape) {
    case 'inline':
      expectWire(wire, LENGTH_DELIMITED, path);
      decodeInto(out, reader.lengthDelimited(), type, path, context);
      return;
    case 'repeated': {
      const list = (out[name] ??= []) as unknown[];
      if (SCALAR_TYPES.has(type)) list.push(...readRepeatedScalars(reader, wire, type, fieldPath));
      else list.push(readValue(reader, wire, type, `${fieldPath}[${list.length}]`, context) ?? null);
      return;
    }
    case 'map': {
      expectWire(wire, LENGTH_DELIMITED, fieldPath);
      const entry = new Reader(reader.lengthDelimited(), fieldPath);
      let key = '';
      let value: unknown;
      while (!entry.done) {
        const tag = entry.tag();
        if (tag.field === 1) key = readScalar(entry, tag.wire, 'string', `${fieldPath} key`) as string;
        else if (tag.field === 2) value = readValue(entry, tag.wire, type, `${fieldPath}[${key}]`, context);
        else if (entry.skipCarriesData(tag.wire)) context.unknown.push(`${fieldPath} entry field ${tag.field}`);
      }
      // an entry without a value field holds the zero value
      if (value === undefined) value = type === 'string' || type === 'bytes' ? '' : type === 'Quantity' ? '0' : null;
      ((out[name] ??= {}) as Record<string, unknown>)[key] = value;
      return;
    }
    case 'single': {
      if (SCALAR_TYPES.has(type)) {
        const value = readScalar(reader, wire, type, fieldPath);
        if (field.keepZero || !isZero(value)) out[name] = value;
        else delete out[name];
        return;
      }
      expectWire(wire, LENGTH_DELIMITED, fieldPath);
      const bytes = reader.lengthDelimited();
      const existing = out[name];
      // a message field seen twice merges, as protobuf says
      if (!SPECIAL_TYPES.has(type) && typeof existing === 'object' && existing !== null && !Array.isArray(existing)) {
        decodeInto(existing as Record<string, unknown>, bytes, type, fieldPath, context);
        return;
      }
      const value = readComposite(bytes, type, fieldPath, context);
      if (value === undefined) delete out[name];
      else out[name] = value;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The special apimachinery types, whose JSON form is not their message form

/** Reads the numbered scalar fields of a small message, collecting any other field that carries data. */
function readFlat(bytes: Uint8Array, types: Record<number, string>, path: string, context: Context): Record<number, Scalar> {
  const values: Record<number, Scalar> = {};
  const reader = new Reader(bytes, path);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    const type = types[field];
    if (type) values[field] = readScalar(reader, wire, type, path);
    else if (reader.skipCarriesData(wire)) context.unknown.push(`${path} field ${field}`);
  }
  return values;
}

function readSpecial(bytes: Uint8Array, type: string, path: string, context: Context): unknown {
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      // metav1.Time: seconds(1), nanos(2); the zero time is written as an empty message
      const { 1: seconds = 0, 2: nanos = 0 } = readFlat(bytes, { 1: 'int64', 2: 'int32' }, path, context) as Record<number, number>;
      if (seconds === 0 && nanos === 0) return undefined;
      return formatTime(seconds, type === 'MicroTime' ? nanos : undefined, path);
    }
    case 'Duration': {
      const { 1: nanoseconds = 0 } = readFlat(bytes, { 1: 'int64' }, path, context) as Record<number, number>;
      return formatDuration(BigInt(nanoseconds));
    }
    case 'Quantity': {
      // resource.Quantity: its canonical string(1); a zero Quantity prints as "0"
      const { 1: text = '' } = readFlat(bytes, { 1: 'string' }, path, context) as Record<number, string>;
      return text === '' ? '0' : text;
    }
    case 'IntOrString': {
      // intstr.IntOrString: type(1) 0=Int 1=String, intVal(2), strVal(3)
      const { 1: kind = 0, 2: intVal = 0, 3: strVal = '' } = readFlat(bytes, { 1: 'int64', 2: 'int32', 3: 'string' }, path, context);
      return kind === 1 ? strVal : intVal;
    }
    case 'RawExtension':
    case 'FieldsV1': {
      // raw(1): the embedded object's JSON bytes
      const reader = new Reader(bytes, path);
      let raw: Uint8Array | undefined;
      while (!reader.done) {
        const { field, wire } = reader.tag();
        if (field === 1) {
          expectWire(wire, LENGTH_DELIMITED, path);
          raw = reader.lengthDelimited();
        } else if (reader.skipCarriesData(wire)) context.unknown.push(`${path} field ${field}`);
      }
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(decodeUtf8(raw, path));
      } catch (error) {
        if (error instanceof ProtobufDecodeError) throw error;
        throw new ProtobufDecodeError(`${path} embeds an object that is not JSON`);
      }
    }
    default:
      throw new ProtobufDecodeError(`no decoder for special type ${type}`);
  }
}

/** RFC 3339 in UTC, with seconds (metav1.Time, which drops nanos like its JSON form) or microseconds (MicroTime). */
function formatTime(seconds: number, nanos: number | undefined, path: string): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 1) {
    throw new ProtobufDecodeError(`${path} is not a valid time (${seconds} seconds)`);
  }
  const base = date.toISOString().slice(0, 19);
  if (nanos === undefined) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(rest).padStart(String(unit).length - 1, '0').replace(/0+$/, '');
  return `${whole}.${digits}`;
}

/** A Go time.Duration as Go prints it: "1h2m3.5s", "250ms", "0s". */
export function formatDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const sign = nanoseconds < 0n ? '-' : '';
  let rest = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (rest < 1000n) return `${sign}${rest}ns`;
  if (rest < 1_000_000n) return `${sign}${fraction(rest, 1000n)}µs`;
  if (rest < 1_000_000_000n) return `${sign}${fraction(rest, 1_000_000n)}ms`;
  const hours = rest / 3_600_000_000_000n;
  rest %= 3_600_000_000_000n;
  const minutes = rest / 60_000_000_000n;
  rest %= 60_000_000_000n;
  const seconds = `${fraction(rest, 1_000_000_000n)}s`;
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

// ---------------------------------------------------------------------------------------------------------
// Entry points

/** Decodes one message of the descriptor table into its JSON form, with the paths of undecodable fields. */
export function decodeMessage(bytes: Uint8Array, message: string): { value: Record<string, unknown>; unknownFields: string[] } {
  const context: Context = { unknown: [] };
  const value: Record<string, unknown> = {};
  decodeInto(value, bytes, message, '', context);
  return { value, unknownFields: context.unknown };
}

export interface DecodedProtobuf {
  object: KubeObject;
  /** fields of the body that carry data the sandbox does not know how to decode, as paths */
  unknownFields: string[];
}

function supportedKinds(): string {
  return Object.entries(KINDS)
    .map(([apiVersion, kinds]) => `${apiVersion} ${Object.keys(kinds).join(', ')}`)
    .join('; ');
}

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the object's JSON form, skipping the
 * fields it cannot decode and listing them. Throws a ProtobufDecodeError for a kind it does not know or a
 * malformed or truncated body.
 */
export function inspectKubernetesProtobuf(body: Uint8Array): DecodedProtobuf {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new ProtobufDecodeError('not a Kubernetes protobuf body: it does not start with the "k8s\\0" magic');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array | undefined;
  let contentEncoding = '';
  let contentType = '';
  const envelope = new Reader(body.subarray(MAGIC.length), 'runtime.Unknown');
  while (!envelope.done) {
    const { field, wire } = envelope.tag();
    if (field === 1) {
      expectWire(wire, LENGTH_DELIMITED, 'typeMeta');
      const typeMeta = new Reader(envelope.lengthDelimited(), 'typeMeta');
      while (!typeMeta.done) {
        const tag = typeMeta.tag();
        if (tag.field === 1) apiVersion = readScalar(typeMeta, tag.wire, 'string', 'typeMeta.apiVersion') as string;
        else if (tag.field === 2) kind = readScalar(typeMeta, tag.wire, 'string', 'typeMeta.kind') as string;
        else typeMeta.skipCarriesData(tag.wire);
      }
    } else if (field === 2) {
      expectWire(wire, LENGTH_DELIMITED, 'raw');
      raw = envelope.lengthDelimited();
    } else if (field === 3) contentEncoding = readScalar(envelope, wire, 'string', 'contentEncoding') as string;
    else if (field === 4) contentType = readScalar(envelope, wire, 'string', 'contentType') as string;
    else envelope.skipCarriesData(wire);
  }

  const message = KINDS[apiVersion]?.[kind];
  if (!message) {
    const what = kind ? `${apiVersion || '<no apiVersion>'} ${kind}` : 'an object without a kind';
    throw new ProtobufDecodeError(`unsupported protobuf body: ${what}; the sandbox decodes protobuf only for ${supportedKinds()} (send JSON instead)`);
  }
  // A body cut off right after typeMeta is still well-formed protobuf: only the missing object gives it away.
  if (raw === undefined) throw new ProtobufDecodeError(`protobuf body for ${kind} carries no object (runtime.Unknown.raw is missing)`);
  if (contentEncoding !== '') throw new ProtobufDecodeError(`unsupported contentEncoding "${contentEncoding}" in protobuf body`);
  if (contentType !== '' && !isProtobufContentType(contentType)) {
    throw new ProtobufDecodeError(`unsupported contentType "${contentType}" inside protobuf body`);
  }
  const { value, unknownFields } = decodeMessage(raw, message);
  const object = { kind, apiVersion, ...value } as KubeObject;
  // Go always writes the metadata struct of an object, so a JSON client would have sent it
  if (object.metadata === undefined && [...fieldsOf(message).values()].some((field) => field.name === 'metadata')) object.metadata = {};
  return { object, unknownFields };
}

/**
 * Decodes a Kubernetes protobuf body into the object's JSON form. A body that sets fields the sandbox cannot
 * decode is refused (ProtobufDecodeError naming them) rather than stored without them.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  const { object, unknownFields } = inspectKubernetesProtobuf(body);
  if (unknownFields.length > 0) {
    const shown = unknownFields.slice(0, 5).join(', ') + (unknownFields.length > 5 ? `, and ${unknownFields.length - 5} more` : '');
    throw new ProtobufDecodeError(
      `${object.apiVersion} ${object.kind} sets fields the sandbox cannot decode from protobuf and would lose: ${shown} (send the object as JSON instead)`,
    );
  }
  return object;
}
