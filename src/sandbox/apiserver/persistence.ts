// Durable storage behind the sandbox's `--data DIR`: a write-ahead log plus a compacted snapshot, so that a
// restart loses no acknowledged write, and a damaged directory stops the sandbox with a clear error instead of
// quietly starting with fewer objects.
//
// Files in the data dir:
//   snapshot.dat        every live object at one point, and the generation of the log that continues it
//   wal-000007.log      records appended since then; one generation per compaction
//   *.tmp               a snapshot or log being written; removed on open (never trusted)
//
// Both kinds of file start with a text header line (magic, format version, fields, CRC of the line) followed by
// binary frames:  u32 payload length | u32 CRC32 of those 4 length bytes | u32 CRC32 of payload | payload.
// The length has its own checksum so that a flipped bit there reads as corruption, never as a record that merely
// runs past the end of the file (which is what a torn final write looks like). Payload:
//   u8 kind (1 put, 2 delete, 3 snapshot end) | u32 rv high | u32 rv low | u32 key bytes | key | json (puts)
//
// Compaction never rewrites a file in place. It first creates the next log generation (temp, fsync, rename) and,
// in the same tick as it takes the snapshot, sends every later append there; then it writes the snapshot (temp,
// fsync, rename, fsync dir) naming that generation; only then are older logs deleted. A crash at any point leaves
// either the old snapshot with every log from its generation on, or the new snapshot with its log: both replay to
// the same state, whatever order resourceVersions were appended in.

import { mkdir, open, readdir, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as zlib from 'node:zlib';

export interface PersistedRecord {
  /** opaque, e.g. "apps/deployments/default/web" */
  key: string;
  rv: number;
  /** null records a deletion */
  json: string | null;
}

export interface LoadedState {
  /** highest resourceVersion ever written */
  rv: number;
  /** key -> json of every live object */
  objects: Map<string, string>;
}

export interface DataDirErrorDetails {
  /** file inside the data dir the problem is in */
  file?: string;
  /** 1-based record number within that file */
  record?: number;
  /** byte offset of that record */
  offset?: number;
  /** the only problem is a torn final record, which `repairTornTail` may drop */
  torn?: boolean;
}

/** The data dir cannot be loaded (or written) without losing objects. The message is one line meant for the operator. */
export class DataDirError extends Error {
  readonly file?: string;
  readonly record?: number;
  readonly offset?: number;
  readonly torn: boolean;

  constructor(message: string, details: DataDirErrorDetails = {}) {
    super(message);
    this.name = 'DataDirError';
    this.file = details.file;
    this.record = details.record;
    this.offset = details.offset;
    this.torn = details.torn ?? false;
  }
}

export interface DurableLogOptions {
  /** start a compaction once the log holds more than this many records (default 50,000) */
  compactEvery?: number;
  /** truncate a torn final record (a write interrupted before it was acknowledged) instead of refusing to start */
  repairTornTail?: boolean;
  /** how the torn-tail error tells the operator to opt in, e.g. "rerun with --repair-torn-tail" */
  repairHint?: string;
  /** read buffer size while loading (default 1 MiB); records larger than it are still read whole */
  readChunkBytes?: number;
  /** a background compaction failed; nothing is lost (the log keeps growing and it is retried later) */
  onBackgroundError?: (error: Error) => void;
}

const FORMAT_VERSION = 1;
const WAL_MAGIC = 'kmaint-sandbox-wal';
const SNAPSHOT_MAGIC = 'kmaint-sandbox-snapshot';
const SNAPSHOT_FILE = 'snapshot.dat';
const WAL_PATTERN = /^wal-(\d+)\.log$/;
const TMP_PATTERN = /^(wal-\d+\.log|snapshot\.dat)\.tmp$/;
const DEFAULT_COMPACT_EVERY = 50_000;
const DEFAULT_CHUNK = 1 << 20;
const MAX_HEADER_LINE = 512;

const FRAME_HEADER = 12;
const PAYLOAD_FIXED = 13;
/** far above any Kubernetes object (etcd's limit is 1.5 MiB); a larger length means a damaged frame */
const MAX_PAYLOAD = 256 * 1024 * 1024;
const KIND_PUT = 1;
const KIND_DELETE = 2;
const KIND_END = 3;
const TWO_32 = 2 ** 32;

const LOSS = 'the sandbox cannot start without losing objects. Move the directory away to start empty.';

// ---------------------------------------------------------------------------------------------------------------
// CRC32 (IEEE, as zip/gzip). zlib.crc32 exists from Node 20.15/22.2; the table version is the fallback and is used
// for the 4-byte length check, where a native call costs more than the loop.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32Table(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!nativeCrc32) return crc32Table(bytes, start, end);
  return nativeCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Frames

function frameSize(keyBytes: number, jsonBytes: number): number {
  return FRAME_HEADER + PAYLOAD_FIXED + keyBytes + jsonBytes;
}

/** Encodes one frame at `at`; returns the offset after it. `buf` must have room (see frameSize). */
function writeFrame(buf: Buffer, at: number, kind: number, rv: number, key: string, keyBytes: number, json: string | null, jsonBytes: number): number {
  const payload = at + FRAME_HEADER;
  const payloadLength = PAYLOAD_FIXED + keyBytes + jsonBytes;
  buf.writeUInt32LE(payloadLength, at);
  buf.writeUInt32LE(crc32Table(buf, at, at + 4), at + 4);
  buf.writeUInt8(kind, payload);
  buf.writeUInt32LE(Math.floor(rv / TWO_32), payload + 1);
  buf.writeUInt32LE(rv % TWO_32, payload + 5);
  buf.writeUInt32LE(keyBytes, payload + 9);
  if (keyBytes > 0) buf.write(key, payload + PAYLOAD_FIXED, keyBytes, 'utf8');
  if (json !== null && jsonBytes > 0) buf.write(json, payload + PAYLOAD_FIXED + keyBytes, jsonBytes, 'utf8');
  const end = payload + payloadLength;
  buf.writeUInt32LE(crc32(buf, payload, end), at + 8);
  return end;
}

function checkRecord(record: PersistedRecord, index: number): void {
  if (typeof record?.key !== 'string' || record.key === '') throw new TypeError(`persisted record ${index}: key must be a non-empty string`);
  if (!Number.isSafeInteger(record.rv) || record.rv < 0) throw new TypeError(`persisted record ${index} (${record.key}): rv must be a non-negative integer, got ${String(record.rv)}`);
  if (record.json !== null && typeof record.json !== 'string') throw new TypeError(`persisted record ${index} (${record.key}): json must be a string or null`);
}

function encodeRecords(records: PersistedRecord[]): Buffer {
  const keyBytes: number[] = [];
  const jsonBytes: number[] = [];
  let total = 0;
  records.forEach((record, i) => {
    checkRecord(record, i);
    const k = Buffer.byteLength(record.key, 'utf8');
    const j = record.json === null ? 0 : Buffer.byteLength(record.json, 'utf8');
    if (PAYLOAD_FIXED + k + j > MAX_PAYLOAD) throw new RangeError(`persisted record ${record.key} is ${k + j} bytes, over the ${MAX_PAYLOAD}-byte limit`);
    keyBytes.push(k);
    jsonBytes.push(j);
    total += frameSize(k, j);
  });
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  records.forEach((record, i) => {
    at = writeFrame(buf, at, record.json === null ? KIND_DELETE : KIND_PUT, record.rv, record.key, keyBytes[i], record.json, jsonBytes[i]);
  });
  return buf;
}

/** Sequential reader over a file in fixed chunks, so loading never holds more than a chunk (or one record) of raw bytes. */
class ChunkReader {
  buf: Buffer;
  start = 0;
  private end = 0;
  /** file offset of buf[start] */
  pos: number;

  constructor(
    private readonly handle: FileHandle,
    offset: number,
    private readonly chunkBytes: number,
  ) {
    this.pos = offset;
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Makes at least `n` bytes available unless the file ends first; returns whether it did. */
  async fill(n: number): Promise<boolean> {
    if (this.end - this.start >= n) return true;
    const held = this.end - this.start;
    if (this.buf.length < n || (this.buf.length > this.chunkBytes && n <= this.chunkBytes)) {
      // grow for one large record, or shrink back to the chunk size after one
      const next = Buffer.allocUnsafe(Math.max(n, this.chunkBytes));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
    } else if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = held;
    while (this.end < n) {
      const { bytesRead } = await this.handle.read(this.buf, this.end, this.buf.length - this.end, this.pos + this.end);
      if (bytesRead === 0) break;
      this.end += bytesRead;
    }
    return this.end >= n;
  }

  consume(n: number): void {
    this.start += n;
    this.pos += n;
  }
}

interface Frame {
  ok: true;
  offset: number;
  kind: number;
  rv: number;
  key: string;
  json: string | null;
}

/** Why a frame could not be read. `incomplete` ends at end of file; `header`/`payload` fail a checksum; `malformed` passes it but makes no sense. */
interface BadFrame {
  ok: false;
  offset: number;
  why: 'incomplete' | 'header' | 'payload' | 'malformed';
  problem: string;
  /** where the frame would end, when its length could be trusted */
  end?: number;
}

async function nextFrame(reader: ChunkReader): Promise<Frame | BadFrame | null> {
  const offset = reader.pos;
  if (!(await reader.fill(1))) return null;
  if (!(await reader.fill(FRAME_HEADER))) {
    return { ok: false, offset, why: 'incomplete', problem: `only ${reader.available} of its ${FRAME_HEADER} header bytes were written` };
  }
  let buf = reader.buf;
  let s = reader.start;
  const length = buf.readUInt32LE(s);
  if (crc32Table(buf, s, s + 4) !== buf.readUInt32LE(s + 4)) return { ok: false, offset, why: 'header', problem: 'record header checksum mismatch' };
  if (length < PAYLOAD_FIXED || length > MAX_PAYLOAD) return { ok: false, offset, why: 'malformed', problem: `impossible record length ${length}` };
  const size = FRAME_HEADER + length;
  if (!(await reader.fill(size))) {
    return { ok: false, offset, why: 'incomplete', problem: `only ${reader.available} of its ${size} bytes were written` };
  }
  buf = reader.buf;
  s = reader.start;
  const p = s + FRAME_HEADER;
  if (crc32(buf, p, p + length) !== buf.readUInt32LE(s + 8)) return { ok: false, offset, why: 'payload', problem: 'checksum mismatch', end: offset + size };
  const kind = buf.readUInt8(p);
  const rv = buf.readUInt32LE(p + 1) * TWO_32 + buf.readUInt32LE(p + 5);
  const keyBytes = buf.readUInt32LE(p + 9);
  if (keyBytes > length - PAYLOAD_FIXED) return { ok: false, offset, why: 'malformed', problem: `key length ${keyBytes} runs past the record` };
  const valueStart = p + PAYLOAD_FIXED + keyBytes;
  const valueEnd = p + length;
  if (kind !== KIND_PUT && kind !== KIND_DELETE && kind !== KIND_END) return { ok: false, offset, why: 'malformed', problem: `unknown record kind ${kind}` };
  if (kind !== KIND_PUT && valueEnd !== valueStart) return { ok: false, offset, why: 'malformed', problem: `a ${kind === KIND_DELETE ? 'deletion' : 'end'} record carries data` };
  if (kind !== KIND_END && keyBytes === 0) return { ok: false, offset, why: 'malformed', problem: 'empty key' };
  const key = buf.toString('utf8', p + PAYLOAD_FIXED, valueStart);
  const json = kind === KIND_PUT ? buf.toString('utf8', valueStart, valueEnd) : null;
  reader.consume(size);
  return { ok: true, offset, kind, rv, key, json };
}

async function allZero(handle: FileHandle, from: number, to: number): Promise<boolean> {
  const buf = Buffer.allocUnsafe(Math.min(DEFAULT_CHUNK, Math.max(1, to - from)));
  for (let at = from; at < to; ) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, to - at), at);
    if (bytesRead === 0) return true;
    for (let i = 0; i < bytesRead; i++) if (buf[i] !== 0) return false;
    at += bytesRead;
  }
  return true;
}

/**
 * A bad frame is a torn final write if it is all the file has left: cut short at end of file, or garbled with only
 * zeros after it (some filesystems extend the file before the data lands). Anything else is corruption.
 */
async function isTornTail(handle: FileHandle, bad: BadFrame, fileSize: number): Promise<boolean> {
  switch (bad.why) {
    case 'incomplete':
      return true;
    case 'payload':
      return allZero(handle, bad.end ?? fileSize, fileSize);
    case 'header':
      return allZero(handle, bad.offset, fileSize);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Header lines: "<magic> <version> k=v ... crc=<8 hex>\n", the CRC covering everything before " crc=".

function headerLine(magic: string, fields: Record<string, number>): Buffer {
  const body = [magic, String(FORMAT_VERSION), ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join(' ');
  const crc = crc32Table(Buffer.from(body, 'utf8')).toString(16).padStart(8, '0');
  return Buffer.from(`${body} crc=${crc}\n`, 'utf8');
}

function walName(gen: number): string {
  return `wal-${String(gen).padStart(6, '0')}.log`;
}

class DirContext {
  constructor(
    readonly dir: string,
    readonly repairHint: string,
  ) {}

  corrupt(file: string, problem: string, details: DataDirErrorDetails = {}): DataDirError {
    return new DataDirError(`data dir ${this.dir}: ${file} ${problem}; ${LOSS}`, { file, ...details });
  }

  corruptRecord(file: string, record: number, bad: { offset: number; problem: string }): DataDirError {
    return this.corrupt(file, `is corrupt at record ${record} (byte ${bad.offset}): ${bad.problem}`, { record, offset: bad.offset });
  }

  torn(file: string, record: number, bad: BadFrame): DataDirError {
    return new DataDirError(
      `data dir ${this.dir}: ${file} ends with a torn final record (record ${record} at byte ${bad.offset}: ${bad.problem}), ` +
        `left by a write interrupted before it was acknowledged; ${this.repairHint} to drop it, or move the directory away to start empty.`,
      { file, record, offset: bad.offset, torn: true },
    );
  }

  io(file: string, doing: string, error: unknown): DataDirError {
    const reason = error instanceof Error ? error.message : String(error);
    return new DataDirError(`data dir ${this.dir}: ${doing} ${file} failed: ${reason}`, { file });
  }

  /** Reads and checks the header line; returns its fields and where the frames start. */
  async readHeader(handle: FileHandle, file: string, magic: string, required: string[]): Promise<{ fields: Map<string, number>; length: number }> {
    const buf = Buffer.alloc(MAX_HEADER_LINE);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) throw this.corrupt(file, 'is empty (its header line is missing)');
    const newline = buf.subarray(0, bytesRead).indexOf(0x0a);
    const quoted = JSON.stringify(buf.toString('latin1', 0, Math.min(bytesRead, newline < 0 ? 40 : Math.min(newline, 60))));
    const line = newline < 0 ? '' : buf.toString('utf8', 0, newline);
    const words = line.split(' ');
    if (newline < 0 || words[0] !== magic) throw this.corrupt(file, `has a bad header ${quoted}: not a kmaint sandbox ${magic === WAL_MAGIC ? 'log' : 'snapshot'}`);
    if (!/^\d+$/.test(words[1] ?? '')) throw this.corrupt(file, `has a bad header ${quoted}: no format version`);
    const version = Number(words[1]);
    if (version !== FORMAT_VERSION) {
      throw new DataDirError(
        `data dir ${this.dir}: ${file} uses format version ${version}, but this kmaint reads only version ${FORMAT_VERSION}; use a kmaint that supports it, or move the directory away to start empty.`,
        { file },
      );
    }
    const crcAt = line.lastIndexOf(' crc=');
    if (crcAt < 0 || crc32Table(Buffer.from(line.slice(0, crcAt), 'utf8')).toString(16).padStart(8, '0') !== line.slice(crcAt + 5)) {
      throw this.corrupt(file, `has a bad header ${quoted}: header checksum mismatch`);
    }
    const fields = new Map<string, number>();
    for (const word of line.slice(0, crcAt).split(' ').slice(2)) {
      const match = /^([a-z]+)=(\d+)$/.exec(word);
      if (!match || !Number.isSafeInteger(Number(match[2]))) throw this.corrupt(file, `has a bad header ${quoted}: bad field ${JSON.stringify(word)}`);
      fields.set(match[1], Number(match[2]));
    }
    for (const name of required) if (!fields.has(name)) throw this.corrupt(file, `has a bad header ${quoted}: no ${name}= field`);
    return { fields, length: newline + 1 };
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The log

interface LogFile {
  gen: number;
  name: string;
  handle: FileHandle;
  /** bytes written and fsync'ed or being written; the next write goes here */
  size: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Batch {
  file: LogFile;
  chunks: Buffer[];
  waiters: Waiter[];
  /** resolves (never rejects) once this batch is written or failed */
  settled: Promise<void>;
  settle: () => void;
}

interface LogOnDisk {
  gen: number;
  name: string;
  records: number;
  /** end of the last good record */
  validEnd: number;
  torn?: { record: number; bad: BadFrame };
}

export class DurableLog {
  private current: LogFile;
  /** older generations still needed on disk until a snapshot covering them is in place */
  private retired: { gen: number; name: string; handle?: FileHandle }[];
  private recordsInLog: number;
  private readonly queue: Batch[] = [];
  private flushRunning = false;
  private lastBatch: Promise<void> = Promise.resolve();
  private failure?: Error;
  private closed = false;
  private provider?: () => LoadedState;
  private compactionChain: Promise<void> = Promise.resolve();
  private autoCompacting = false;
  private readonly compactEvery: number;
  /** the log's record count that triggers the next automatic compaction */
  private compactAfter: number;
  private readonly onBackgroundError: (error: Error) => void;
  private readonly counters = { records: 0, writes: 0, bytes: 0, compactions: 0 };

  private constructor(
    private readonly ctx: DirContext,
    current: LogFile,
    retired: { gen: number; name: string }[],
    recordsInLog: number,
    options: DurableLogOptions,
  ) {
    this.current = current;
    this.retired = retired;
    this.recordsInLog = recordsInLog;
    this.compactEvery = options.compactEvery ?? DEFAULT_COMPACT_EVERY;
    this.compactAfter = this.compactEvery;
    this.onBackgroundError = options.onBackgroundError ?? ((error) => process.emitWarning(error.message, 'KmaintCompactionWarning'));
  }

  get dir(): string {
    return this.ctx.dir;
  }

  /** Creates `dir` if missing, loads the snapshot, replays the log after it, and opens the log for appending. */
  static async open(dir: string, options: DurableLogOptions = {}): Promise<{ log: DurableLog; state: LoadedState }> {
    if (options.compactEvery !== undefined && !(Number.isSafeInteger(options.compactEvery) && options.compactEvery > 0)) {
      throw new RangeError(`compactEvery must be a positive integer, got ${options.compactEvery}`);
    }
    const ctx = new DirContext(dir, options.repairHint ?? 'reopen with repairTornTail');
    const chunk = Math.max(64, options.readChunkBytes ?? DEFAULT_CHUNK);
    let names: string[];
    try {
      const created = await mkdir(dir, { recursive: true });
      if (created !== undefined) await fsyncDir(dirname(created));
      names = await readdir(dir);
    } catch (error) {
      throw new DataDirError(`data dir ${dir}: cannot open it: ${error instanceof Error ? error.message : String(error)}`);
    }

    const objects = new Map<string, string>();
    let rv = 0;
    let firstLiveGen = 1;
    const hasSnapshot = names.includes(SNAPSHOT_FILE);
    if (hasSnapshot) {
      const snapshot = await readSnapshot(ctx, join(dir, SNAPSHOT_FILE), objects, chunk);
      rv = snapshot.rv;
      firstLiveGen = snapshot.walGen;
    }

    const gens = names
      .map((name) => WAL_PATTERN.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    const stale = gens.filter((gen) => gen < firstLiveGen);
    const live = gens.filter((gen) => gen >= firstLiveGen);
    if (hasSnapshot && live[0] !== firstLiveGen) {
      throw ctx.corrupt(walName(firstLiveGen), `is missing (${SNAPSHOT_FILE} continues in it)`);
    }
    if (!hasSnapshot && live.length > 0 && live[0] !== 1) {
      throw ctx.corrupt(SNAPSHOT_FILE, `is missing (the oldest log, ${walName(live[0])}, continues a snapshot)`);
    }
    live.forEach((gen, i) => {
      if (i > 0 && gen !== live[i - 1] + 1) throw ctx.corrupt(walName(live[i - 1] + 1), `is missing (between ${walName(live[i - 1])} and ${walName(gen)})`);
    });

    const logs: LogOnDisk[] = [];
    for (const gen of live) {
      const log = await replayLog(ctx, gen, objects, chunk);
      rv = Math.max(rv, log.maxRv);
      logs.push(log);
    }
    // Only the very last record of the history may be torn: later logs must not hold any record.
    const tornAt = logs.findIndex((log) => log.torn);
    if (tornAt >= 0) {
      const log = logs[tornAt];
      const torn = log.torn as { record: number; bad: BadFrame };
      const later = logs.slice(tornAt + 1).find((next) => next.records > 0 || next.torn);
      if (later) {
        throw ctx.corruptRecord(log.name, torn.record, { offset: torn.bad.offset, problem: `${torn.bad.problem}, yet ${later.name} holds later records` });
      }
      if (!options.repairTornTail) throw ctx.torn(log.name, torn.record, torn.bad);
      try {
        await truncate(join(dir, log.name), log.validEnd);
        const handle = await open(join(dir, log.name), 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw ctx.io(log.name, 'truncating the torn final record of', error);
      }
    }

    let current: LogFile;
    try {
      if (logs.length === 0) {
        current = await createLog(dir, firstLiveGen);
      } else {
        const last = logs[logs.length - 1];
        current = { gen: last.gen, name: last.name, handle: await open(join(dir, last.name), 'r+'), size: last.validEnd };
      }
      for (const gen of stale) await unlink(join(dir, walName(gen)));
      for (const name of names) if (TMP_PATTERN.test(name)) await unlink(join(dir, name));
      if (stale.length > 0) await fsyncDir(dir);
    } catch (error) {
      throw ctx.io(logs.length === 0 ? walName(firstLiveGen) : logs[logs.length - 1].name, 'opening', error);
    }

    const retired = logs.slice(0, -1).map(({ gen, name }) => ({ gen, name }));
    const recordsInLog = logs.reduce((sum, log) => sum + log.records, 0);
    const log = new DurableLog(ctx, current, retired, recordsInLog, options);
    return { log, state: { rv, objects } };
  }

  /** Records appended, write+fsync rounds, bytes written and compactions done since open; records/writes is the group-commit factor. */
  stats(): { records: number; writes: number; bytes: number; compactions: number; generation: number; recordsInLog: number } {
    return { ...this.counters, generation: this.current.gen, recordsInLog: this.recordsInLog };
  }

  setSnapshotProvider(fn: () => LoadedState): void {
    this.provider = fn;
  }

  /**
   * Appends records in order; resolves once they are fsync'ed. Records appended while an earlier write is in
   * flight are written and fsync'ed together afterwards (group commit), so a later append never resolves before an
   * earlier one. After a failed write every later append is refused: the file's tail is then unknown.
   */
  append(records: PersistedRecord[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`data dir ${this.ctx.dir}: the log is closed`));
    let bytes: Buffer;
    try {
      bytes = encodeRecords(records);
    } catch (error) {
      return Promise.reject(error);
    }
    let batch = this.queue[this.queue.length - 1];
    if (!batch || batch.file !== this.current) {
      let settle = () => {};
      const settled = new Promise<void>((resolve) => (settle = resolve));
      batch = { file: this.current, chunks: [], waiters: [], settled, settle };
      this.queue.push(batch);
      this.lastBatch = settled;
    }
    if (bytes.length > 0) batch.chunks.push(bytes);
    const target = batch;
    const done = new Promise<void>((resolve, reject) => target.waiters.push({ resolve, reject }));
    this.recordsInLog += records.length;
    this.counters.records += records.length;
    this.kickFlush();
    this.maybeCompact();
    return done;
  }

  /**
   * Writes a snapshot of `snapshot()` and continues in a fresh log; older logs are deleted once the snapshot is in
   * place. `snapshot()` is called once the next log exists, in the same tick as later appends are switched to it, so
   * it must reflect every record already passed to append() (the store applies a write before appending it). Its map
   * is read while the snapshot is written, so it may be the store's live map: a change made meanwhile is also in
   * the new log, and replay is last-write-wins.
   */
  compact(snapshot: () => LoadedState): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`data dir ${this.ctx.dir}: the log is closed`));
    const run = this.compactionChain.then(() => this.runCompaction(snapshot));
    this.compactionChain = run.catch(() => {});
    return run;
  }

  /** Flushes pending appends (and lets a running compaction finish), then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compactionChain;
    await this.lastBatch;
    const handles = [this.current.handle, ...this.retired.map((file) => file.handle)];
    for (const handle of handles) await handle?.close().catch(() => {});
  }

  private kickFlush(): void {
    if (this.flushRunning) return;
    this.flushRunning = true;
    void this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.shift() as Batch;
        try {
          if (this.failure) throw this.failure;
          const bytes = batch.chunks.length === 1 ? batch.chunks[0] : Buffer.concat(batch.chunks);
          if (bytes.length > 0) {
            const at = batch.file.size;
            batch.file.size += bytes.length;
            try {
              await writeAll(batch.file.handle, bytes, at);
              await batch.file.handle.datasync();
              this.counters.writes++;
              this.counters.bytes += bytes.length;
            } catch (error) {
              this.failure = new DataDirError(
                `data dir ${this.ctx.dir}: writing ${batch.file.name} failed (${error instanceof Error ? error.message : String(error)}); ` +
                  'the write was not acknowledged and the sandbox refuses further writes',
                { file: batch.file.name },
              );
              throw this.failure;
            }
          }
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error as Error);
        } finally {
          batch.settle();
        }
      }
    } finally {
      this.flushRunning = false;
    }
  }

  private maybeCompact(): void {
    if (this.recordsInLog <= this.compactAfter || !this.provider || this.autoCompacting || this.closed || this.failure) return;
    this.autoCompacting = true;
    this.compact(this.provider)
      .catch((error: Error) => {
        // retry only after another compactEvery records rather than on every append
        this.compactAfter = this.recordsInLog + this.compactEvery;
        this.onBackgroundError(error);
      })
      .finally(() => {
        this.autoCompacting = false;
      });
  }

  private async runCompaction(snapshot: () => LoadedState): Promise<void> {
    if (this.failure) throw this.failure;
    const nextGen = this.current.gen + 1;
    const nextName = walName(nextGen);
    let next: LogFile;
    try {
      next = await createLog(this.ctx.dir, nextGen);
    } catch (error) {
      throw this.ctx.io(nextName, 'creating', error);
    }
    let state: LoadedState;
    try {
      // from here to the switch below nothing may yield: the snapshot and the new log must meet exactly
      state = snapshot();
    } catch (error) {
      await next.handle.close().catch(() => {});
      await unlink(join(this.ctx.dir, nextName)).catch(() => {});
      throw error;
    }
    const previous = [...this.retired, { gen: this.current.gen, name: this.current.name, handle: this.current.handle }];
    const previousWrites = this.lastBatch;
    this.current = next;
    this.retired = previous;
    this.recordsInLog = 0;
    this.compactAfter = this.compactEvery;

    await writeSnapshot(this.ctx, state, nextGen);
    this.counters.compactions++;
    // the snapshot now covers the older logs; their last writes must still finish (and be acknowledged) first
    await previousWrites;
    for (const file of previous) await file.handle?.close().catch(() => {});
    this.retired = this.retired.filter((file) => file.gen >= nextGen);
    try {
      for (const file of previous) await unlink(join(this.ctx.dir, file.name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await fsyncDir(this.ctx.dir);
    } catch (error) {
      // harmless: the next open ignores logs older than the snapshot and deletes them
      throw this.ctx.io(previous[0].name, 'deleting old logs such as', error);
    }
  }
}

/** Creates log generation `gen` with its header, via a temp file so that a crash never leaves a half-written header. */
async function createLog(dir: string, gen: number): Promise<LogFile> {
  const name = walName(gen);
  const tmp = join(dir, `${name}.tmp`);
  const header = headerLine(WAL_MAGIC, { gen });
  const handle = await open(tmp, 'w');
  try {
    await writeAll(handle, header, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await fsyncDir(dir);
  return { gen, name, handle: await open(join(dir, name), 'r+'), size: header.length };
}

async function replayLog(ctx: DirContext, gen: number, objects: Map<string, string>, chunk: number): Promise<LogOnDisk & { maxRv: number }> {
  const name = walName(gen);
  const path = join(ctx.dir, name);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ctx.io(name, 'reading', error);
  }
  try {
    const fileSize = (await handle.stat()).size;
    const { fields, length } = await ctx.readHeader(handle, name, WAL_MAGIC, ['gen']);
    if (fields.get('gen') !== gen) throw ctx.corrupt(name, `has a bad header: it says generation ${fields.get('gen')}, its name says ${gen}`);
    const reader = new ChunkReader(handle, length, chunk);
    let records = 0;
    let maxRv = 0;
    let validEnd = length;
    while (true) {
      const frame = await nextFrame(reader);
      if (frame === null) break;
      const record = records + 1;
      if (!frame.ok) {
        if (await isTornTail(handle, frame, fileSize)) return { gen, name, records, validEnd, maxRv, torn: { record, bad: frame } };
        throw ctx.corruptRecord(name, record, frame);
      }
      if (frame.kind === KIND_END) throw ctx.corruptRecord(name, record, { offset: frame.offset, problem: 'a snapshot end marker in a log' });
      if (frame.json === null) objects.delete(frame.key);
      else objects.set(frame.key, frame.json);
      if (frame.rv > maxRv) maxRv = frame.rv;
      records = record;
      validEnd = reader.pos;
    }
    return { gen, name, records, validEnd, maxRv };
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    throw ctx.io(name, 'reading', error);
  } finally {
    await handle.close();
  }
}

async function readSnapshot(ctx: DirContext, path: string, objects: Map<string, string>, chunk: number): Promise<{ rv: number; walGen: number }> {
  const name = SNAPSHOT_FILE;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ctx.io(name, 'reading', error);
  }
  try {
    const { fields, length } = await ctx.readHeader(handle, name, SNAPSHOT_MAGIC, ['rv', 'wal']);
    const walGen = fields.get('wal') as number;
    if (walGen < 1) throw ctx.corrupt(name, 'has a bad header: wal=0');
    const reader = new ChunkReader(handle, length, chunk);
    let count = 0;
    while (true) {
      const frame = await nextFrame(reader);
      if (frame === null) throw ctx.corrupt(name, `is truncated: it ends after ${count} objects (byte ${reader.pos}) without its end marker`);
      if (!frame.ok) throw ctx.corruptRecord(name, count + 1, frame);
      if (frame.kind === KIND_END) {
        if (frame.rv !== count) throw ctx.corruptRecord(name, count + 1, { offset: frame.offset, problem: `the end marker counts ${frame.rv} objects, the file holds ${count}` });
        const size = (await handle.stat()).size;
        if (reader.pos !== size) throw ctx.corrupt(name, `has ${size - reader.pos} unexpected bytes after its end marker (byte ${reader.pos})`);
        break;
      }
      if (frame.kind !== KIND_PUT) throw ctx.corruptRecord(name, count + 1, { offset: frame.offset, problem: 'a deletion in a snapshot' });
      objects.set(frame.key, frame.json as string);
      count++;
    }
    return { rv: fields.get('rv') as number, walGen };
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    throw ctx.io(name, 'reading', error);
  } finally {
    await handle.close();
  }
}

/** Streams the snapshot to a temp file in chunks, then fsyncs and renames it into place. */
async function writeSnapshot(ctx: DirContext, state: LoadedState, walGen: number): Promise<void> {
  const tmp = join(ctx.dir, `${SNAPSHOT_FILE}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      const header = headerLine(SNAPSHOT_MAGIC, { rv: state.rv, wal: walGen });
      await writeAll(handle, header, 0);
      let position = header.length;
      let buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
      let used = 0;
      const flush = async () => {
        if (used === 0) return;
        const full = buf;
        const length = used;
        buf = Buffer.allocUnsafe(DEFAULT_CHUNK);
        used = 0;
        await writeAll(handle, full.subarray(0, length), position);
        position += length;
      };
      let count = 0;
      for (const [key, json] of state.objects) {
        const keyBytes = Buffer.byteLength(key, 'utf8');
        const jsonBytes = Buffer.byteLength(json, 'utf8');
        const size = frameSize(keyBytes, jsonBytes);
        if (used + size > buf.length) await flush();
        if (size > buf.length) {
          const big = Buffer.allocUnsafe(size);
          writeFrame(big, 0, KIND_PUT, 0, key, keyBytes, json, jsonBytes);
          await writeAll(handle, big, position);
          position += size;
        } else {
          used = writeFrame(buf, used, KIND_PUT, 0, key, keyBytes, json, jsonBytes);
        }
        count++;
      }
      if (used + frameSize(0, 0) > buf.length) await flush();
      used = writeFrame(buf, used, KIND_END, count, '', 0, null, 0);
      await flush();
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(ctx.dir, SNAPSHOT_FILE));
    await fsyncDir(ctx.dir);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw ctx.io(SNAPSHOT_FILE, 'writing', error);
  }
}
