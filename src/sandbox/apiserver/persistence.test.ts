import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { crc32, crc32Table, DataDirError, DurableLog, type LoadedState, type PersistedRecord } from './persistence.ts';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kmaint-persistence-'));
  roots.push(root);
  return join(root, 'data');
}

const WAL1 = 'wal-000001.log';

/** A tiny stand-in for the store: applies records in memory and hands the log its state for snapshots. */
class MiniStore {
  rv = 0;
  objects = new Map<string, string>();
  constructor(readonly log: DurableLog, state?: LoadedState) {
    if (state) {
      this.rv = state.rv;
      this.objects = state.objects;
    }
    log.setSnapshotProvider(() => ({ rv: this.rv, objects: this.objects }));
  }

  put(key: string, value: unknown): Promise<void> {
    const rv = ++this.rv;
    const json = JSON.stringify({ key, value, rv });
    this.objects.set(key, json);
    return this.log.append([{ key, rv, json }]);
  }

  delete(key: string): Promise<void> {
    const rv = ++this.rv;
    this.objects.delete(key);
    return this.log.append([{ key, rv, json: null }]);
  }
}

async function reopen(dir: string, options?: Parameters<typeof DurableLog.open>[1]): Promise<LoadedState> {
  const { log, state } = await DurableLog.open(dir, options);
  await log.close();
  return state;
}

async function rejectsDataDir(promise: Promise<unknown>, pattern: RegExp): Promise<DataDirError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DataDirError, `expected DataDirError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return error;
  }
  assert.fail(`expected a DataDirError matching ${pattern}`);
}

async function writeRecords(dir: string, count: number, options?: Parameters<typeof DurableLog.open>[1]): Promise<void> {
  const { log, state } = await DurableLog.open(dir, options);
  const store = new MiniStore(log, state);
  for (let i = 1; i <= count; i++) await store.put(`core/configmaps/default/cm-${i}`, `value ${i}`);
  await log.close();
}

/** Byte offsets of each frame in a log file: the header line, then u32 length + 8 bytes of checksums + payload. */
async function frameOffsets(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const offsets: number[] = [];
  for (let at = bytes.indexOf(0x0a) + 1; at < bytes.length; at += 12 + bytes.readUInt32LE(at)) offsets.push(at);
  return offsets;
}

async function flipByte(path: string, at: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, at);
    one[0] ^= 0x20;
    await handle.write(one, 0, 1, at);
  } finally {
    await handle.close();
  }
}

describe('crc32', () => {
  test('matches the standard check value and zlib', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32Table(check), 0xcbf43926);
    assert.equal(crc32(check), 0xcbf43926);
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
    assert.equal(crc32Table(random, 10, 900), zlib.crc32(random.subarray(10, 900)) >>> 0);
    assert.equal(crc32(random, 10, 900), crc32Table(random, 10, 900));
  });
});

describe('DurableLog', () => {
  test('an empty or missing dir opens empty and is created', async () => {
    const dir = await tempDir();
    const { log, state } = await DurableLog.open(dir);
    assert.equal(state.rv, 0);
    assert.equal(state.objects.size, 0);
    await log.close();
    assert.deepEqual(await readdir(dir), [WAL1]);
    const again = await reopen(dir);
    assert.equal(again.rv, 0);
    assert.equal(again.objects.size, 0);
  });

  test('round trip: puts, an update and a deletion survive a restart with the same rv', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    await log.append([{ key: 'core/pods/default/a', rv: 1, json: '{"a":1}' }]);
    await log.append([
      { key: 'core/pods/default/b', rv: 2, json: '{"b":1}' },
      { key: 'apps/deployments/default/web', rv: 3, json: '{"name":"web","note":"ünïcødé ✓ 😀\\n"}' },
    ]);
    await log.append([{ key: 'core/pods/default/a', rv: 4, json: '{"a":2}' }]);
    await log.append([{ key: 'core/pods/default/b', rv: 5, json: null }]);
    await log.close();

    const state = await reopen(dir);
    assert.equal(state.rv, 5);
    assert.deepEqual(
      [...state.objects].sort(),
      [
        ['apps/deployments/default/web', '{"name":"web","note":"ünïcødé ✓ 😀\\n"}'],
        ['core/pods/default/a', '{"a":2}'],
      ],
    );
  });

  test('rv is the highest ever written, even when that write was a deletion', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    await log.append([{ key: 'k', rv: 7, json: '{}' }]);
    await log.append([{ key: 'k', rv: 9, json: null }]);
    await log.close();
    const state = await reopen(dir);
    assert.equal(state.rv, 9);
    assert.equal(state.objects.size, 0);
  });

  test('rejects malformed records without writing anything', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    await assert.rejects(log.append([{ key: '', rv: 1, json: '{}' }]), TypeError);
    await assert.rejects(log.append([{ key: 'k', rv: 1.5, json: '{}' }]), TypeError);
    await assert.rejects(log.append([{ key: 'k', rv: 1, json: 3 as unknown as string }]), TypeError);
    await log.close();
    await assert.rejects(log.append([{ key: 'k', rv: 1, json: '{}' }]), /closed/);
    assert.equal((await reopen(dir)).objects.size, 0);
  });

  test('group commit: thousands of concurrent appends are all durable, in order, in few fsyncs', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    const resolvedOrder: number[] = [];
    const writes: Promise<void>[] = [];
    const total = 5000;
    for (let rv = 1; rv <= total; rv++) {
      const record: PersistedRecord = { key: `core/pods/ns/p-${rv % 37}`, rv, json: rv % 11 === 0 ? null : JSON.stringify({ rv, pad: 'x'.repeat(rv % 300) }) };
      writes.push(log.append([record]).then(() => void resolvedOrder.push(rv)));
    }
    await Promise.all(writes);
    const stats = log.stats();
    await log.close();

    assert.deepEqual(resolvedOrder, Array.from({ length: total }, (_, i) => i + 1), 'a later append never resolves before an earlier one');
    assert.equal(stats.records, total);
    assert.ok(stats.writes < total / 10, `expected group commit, got ${stats.writes} fsyncs for ${total} appends`);

    const expected = new Map<string, string>();
    for (let rv = 1; rv <= total; rv++) {
      const key = `core/pods/ns/p-${rv % 37}`;
      if (rv % 11 === 0) expected.delete(key);
      else expected.set(key, JSON.stringify({ rv, pad: 'x'.repeat(rv % 300) }));
    }
    const state = await reopen(dir);
    assert.equal(state.rv, total);
    assert.deepEqual(new Map([...state.objects].sort()), new Map([...expected].sort()));
  });

  test('records larger and smaller than the read chunk load across chunk boundaries', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    const expected = new Map<string, string>();
    for (let i = 1; i <= 300; i++) {
      const json = JSON.stringify({ i, data: 'é'.repeat((i * 37) % 500) });
      expected.set(`k${i}`, json);
      void log.append([{ key: `k${i}`, rv: i, json }]);
    }
    await log.close();
    for (const readChunkBytes of [64, 100, 4096]) {
      const state = await reopen(dir, { readChunkBytes });
      assert.deepEqual(state.objects, expected, `readChunkBytes ${readChunkBytes}`);
    }
  });

  test('compaction: snapshot plus fresh log, old logs removed, restart gives the same state', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir, { compactEvery: 10 });
    const store = new MiniStore(log);
    // a compaction runs in the background and appends meanwhile do not start another, so how many records it takes
    // to see three compactions depends on the disk's fsync time: write until three have happened (or give up)
    for (let i = 1; i <= 1000 && log.stats().compactions < 3; i++) {
      await store.put(`core/pods/default/p${i % 13}`, i);
      if (i % 7 === 0) await store.delete(`core/pods/default/p${(i + 3) % 13}`);
    }
    await log.close();
    assert.ok(log.stats().compactions >= 3, `compactions: ${log.stats().compactions}`);
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 2, files.join(' '));
    assert.equal(files[0], 'snapshot.dat');
    assert.match(files[1], /^wal-\d{6}\.log$/);

    const state = await reopen(dir, { compactEvery: 10 });
    assert.equal(state.rv, store.rv);
    assert.deepEqual(state.objects, store.objects);
  });

  test('explicit compact() with writes racing it keeps every write', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    const store = new MiniStore(log);
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 200; i++) pending.push(store.put(`k${i % 50}`, i));
    const compaction = log.compact(() => ({ rv: store.rv, objects: new Map(store.objects) }));
    for (let i = 201; i <= 400; i++) pending.push(i % 9 === 0 ? store.delete(`k${i % 50}`) : store.put(`k${i % 50}`, i));
    await Promise.all([...pending, compaction]);
    for (let i = 401; i <= 420; i++) await store.put(`k${i % 50}`, i);
    await log.close();

    assert.deepEqual((await readdir(dir)).sort(), ['snapshot.dat', 'wal-000002.log']);
    const state = await reopen(dir);
    assert.equal(state.rv, store.rv);
    assert.deepEqual(state.objects, store.objects);
  });

  test('a failing background compaction is reported, retried only after compactEvery more records, and writes go on', async () => {
    const dir = await tempDir();
    const reported: Error[] = [];
    let onReport = () => {};
    const { log } = await DurableLog.open(dir, {
      compactEvery: 5,
      onBackgroundError: (error) => {
        reported.push(error);
        onReport();
      },
    });
    log.setSnapshotProvider(() => {
      throw new Error('provider broke');
    });
    let rv = 0;
    const write = () => log.append([{ key: `k${++rv}`, rv, json: '{}' }]);
    const nextReport = () => new Promise<void>((resolve) => (onReport = resolve));

    let reportedOnce = nextReport();
    for (let i = 0; i < 6; i++) await write();
    await reportedOnce;
    reportedOnce = nextReport();
    for (let i = 0; i < 5; i++) await write();
    assert.equal(reported.length, 1, 'no retry within the next compactEvery records');
    await write();
    await reportedOnce;
    await log.close();
    assert.equal(reported.length, 2);
    assert.match(reported[0].message, /provider broke/);
    assert.equal((await reopen(dir)).objects.size, 12);
    assert.deepEqual(await readdir(dir), [WAL1]);
  });

  test('a failing snapshot provider leaves the log usable', async () => {
    const dir = await tempDir();
    const { log } = await DurableLog.open(dir);
    await log.append([{ key: 'k', rv: 1, json: '1' }]);
    await assert.rejects(
      log.compact(() => {
        throw new Error('provider broke');
      }),
      /provider broke/,
    );
    await log.append([{ key: 'k2', rv: 2, json: '2' }]);
    await log.close();
    assert.deepEqual((await readdir(dir)).sort(), [WAL1]);
    assert.equal((await reopen(dir)).objects.size, 2);
  });

  describe('crash during compaction', () => {
    /** Returns the dir before compaction (gen 1 only), the dir after it (snapshot + gen 2), and the expected state. */
    async function compactedPair(): Promise<{ before: string; afterDir: string; expected: LoadedState }> {
      const afterDir = await tempDir();
      const first = await DurableLog.open(afterDir);
      const store = new MiniStore(first.log);
      for (let i = 1; i <= 20; i++) await store.put(`k${i % 6}`, i);
      await store.delete('k1');
      await first.log.close();
      const before = await tempDir();
      await cp(afterDir, before, { recursive: true });

      const second = await DurableLog.open(afterDir);
      const store2 = new MiniStore(second.log, second.state);
      await second.log.compact(() => ({ rv: store2.rv, objects: store2.objects }));
      await store2.put('k1', 'back');
      await store2.delete('k2');
      await store2.put('k9', 'new');
      await second.log.close();
      assert.deepEqual((await readdir(afterDir)).sort(), ['snapshot.dat', 'wal-000002.log']);
      return { before, afterDir, expected: { rv: store2.rv, objects: store2.objects } };
    }

    test('snapshot renamed, old log not yet removed: the old log is skipped and cleaned up', async () => {
      const { before, afterDir, expected } = await compactedPair();
      await cp(join(before, WAL1), join(afterDir, WAL1));
      const state = await reopen(afterDir);
      assert.equal(state.rv, expected.rv);
      assert.deepEqual(state.objects, expected.objects);
      assert.deepEqual((await readdir(afterDir)).sort(), ['snapshot.dat', 'wal-000002.log']);
    });

    test('new log started, snapshot still a temp file: old log then new log are replayed', async () => {
      const { before, afterDir, expected } = await compactedPair();
      await cp(join(afterDir, 'wal-000002.log'), join(before, 'wal-000002.log'));
      const partial = await readFile(join(afterDir, 'snapshot.dat'));
      await writeFile(join(before, 'snapshot.dat.tmp'), partial.subarray(0, partial.length >> 1));
      const state = await reopen(before);
      assert.equal(state.rv, expected.rv);
      assert.deepEqual(state.objects, expected.objects);
      assert.deepEqual((await readdir(before)).sort(), [WAL1, 'wal-000002.log']);
      // and the next compaction from this state cleans both logs up
      const { log, state: loaded } = await DurableLog.open(before);
      await log.compact(() => loaded);
      await log.close();
      assert.deepEqual((await readdir(before)).sort(), ['snapshot.dat', 'wal-000003.log']);
      assert.deepEqual((await reopen(before)).objects, expected.objects);
    });

    test('a missing log after the snapshot is an error, not an empty tail', async () => {
      const { afterDir } = await compactedPair();
      await rm(join(afterDir, 'wal-000002.log'));
      await rejectsDataDir(reopen(afterDir), /wal-000002\.log is missing/);
    });

    test('a gap between logs is an error', async () => {
      const { before, afterDir } = await compactedPair();
      await cp(join(afterDir, 'wal-000002.log'), join(before, 'wal-000003.log'));
      await rejectsDataDir(reopen(before), /wal-000002\.log is missing/);
    });
  });

  describe('torn final record', () => {
    test('a truncated tail is an error naming the torn record; repairTornTail drops only it', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 5);
      const path = join(dir, WAL1);
      const size = (await stat(path)).size;
      await truncate(path, size - 7);

      const error = await rejectsDataDir(reopen(dir), /wal-000001\.log ends with a torn final record \(record 5 at byte \d+: only \d+ of its \d+ bytes were written\).*repairTornTail/);
      assert.equal(error.torn, true);
      assert.equal(error.record, 5);
      assert.equal((await stat(path)).size, size - 7, 'a failed open changes nothing');

      const { log, state } = await DurableLog.open(dir, { repairTornTail: true });
      assert.equal(state.objects.size, 4);
      assert.equal(state.rv, 4);
      await log.append([{ key: 'after-repair', rv: 5, json: '{}' }]);
      await log.close();
      const again = await reopen(dir);
      assert.equal(again.objects.size, 5);
      assert.ok(again.objects.has('after-repair'));
    });

    test('a tail cut inside the record header is torn too', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 3);
      const offsets = await frameOffsets(join(dir, WAL1));
      await truncate(join(dir, WAL1), offsets[2] + 5);
      await rejectsDataDir(reopen(dir), /torn final record \(record 3 at byte \d+: only 5 of its 12 header bytes/);
      assert.equal((await reopen(dir, { repairTornTail: true })).objects.size, 2);
    });

    test('zeros after the last record (a file extended before its data landed) are a torn tail', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 3);
      await appendFile(join(dir, WAL1), Buffer.alloc(4096));
      await rejectsDataDir(reopen(dir), /torn final record \(record 4 /);
      assert.equal((await reopen(dir, { repairTornTail: true })).objects.size, 3);
    });

    /** A dir whose wal-000001.log ends torn and which also holds a wal-000002.log, as a crash mid-compaction leaves it. */
    async function tornBeforeNewLog(laterRecords: number): Promise<string> {
      const dir = await tempDir();
      await writeRecords(dir, 4);
      await truncate(join(dir, WAL1), (await stat(join(dir, WAL1))).size - 3);
      const other = await tempDir();
      const { log } = await DurableLog.open(other);
      await log.compact(() => ({ rv: 0, objects: new Map() }));
      for (let i = 1; i <= laterRecords; i++) await log.append([{ key: `later-${i}`, rv: 100 + i, json: '{}' }]);
      await log.close();
      await cp(join(other, 'wal-000002.log'), join(dir, 'wal-000002.log'));
      return dir;
    }

    test('a torn tail in an older log counts as final when the newer log is still empty', async () => {
      const dir = await tornBeforeNewLog(0);
      await rejectsDataDir(reopen(dir), /wal-000001\.log ends with a torn final record \(record 4 /);
      const state = await reopen(dir, { repairTornTail: true });
      assert.equal(state.objects.size, 3);
      const { log } = await DurableLog.open(dir);
      assert.equal(log.stats().generation, 2);
      await log.append([{ key: 'next', rv: 4, json: '{}' }]);
      await log.close();
      assert.equal((await reopen(dir)).objects.size, 4);
    });

    test('a torn record followed by records in a newer log is corruption', async () => {
      const dir = await tornBeforeNewLog(2);
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /wal-000001\.log is corrupt at record 4 .*yet wal-000002\.log holds later records/);
    });

    test('the repair hint can be worded for the CLI', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 2);
      await truncate(join(dir, WAL1), (await stat(join(dir, WAL1))).size - 1);
      await rejectsDataDir(reopen(dir, { repairHint: 'rerun with --repair-torn-tail' }), /rerun with --repair-torn-tail to drop it/);
    });
  });

  describe('corruption is always an error', () => {
    test('a flipped byte in the middle names the record and is not repairable', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 10);
      const path = join(dir, WAL1);
      const offsets = await frameOffsets(path);
      await flipByte(path, offsets[4] + 30);
      const pattern = new RegExp(`wal-000001\\.log is corrupt at record 5 \\(byte ${offsets[4]}\\): checksum mismatch; the sandbox cannot start without losing objects\\. Move the directory away to start empty\\.$`);
      const error = await rejectsDataDir(reopen(dir), pattern);
      assert.equal(error.torn, false);
      assert.equal(error.offset, offsets[4]);
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), pattern);
    });

    test('a flipped length byte is corruption, not a torn tail', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 10);
      const path = join(dir, WAL1);
      const offsets = await frameOffsets(path);
      await flipByte(path, offsets[6] + 1);
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /is corrupt at record 7 \(byte \d+\): record header checksum mismatch/);
    });

    test('a flipped byte in the last record followed by more data is corruption', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 3);
      const path = join(dir, WAL1);
      const offsets = await frameOffsets(path);
      await flipByte(path, offsets[1] + 20);
      await appendFile(path, Buffer.from('garbage'));
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /corrupt at record 2 .*checksum mismatch/);
    });

    test('a bad header, an unknown version and a header whose checksum fails', async () => {
      const dir = await tempDir();
      await writeRecords(dir, 2);
      const path = join(dir, WAL1);
      const original = await readFile(path);
      const newline = original.indexOf(0x0a);
      const header = original.toString('utf8', 0, newline);
      const body = original.subarray(newline);

      await writeFile(path, Buffer.concat([Buffer.from('PK\u0003\u0004 not ours'), body]));
      await rejectsDataDir(reopen(dir), /wal-000001\.log has a bad header "PK\\u0003\\u0004 not ours": not a kmaint sandbox log/);

      await writeFile(path, Buffer.concat([Buffer.from(header.replace(' 1 ', ' 2 ')), body]));
      await rejectsDataDir(reopen(dir), /wal-000001\.log uses format version 2, but this kmaint reads only version 1/);

      await writeFile(path, Buffer.concat([Buffer.from(header.replace('gen=1', 'gen=7')), body]));
      await rejectsDataDir(reopen(dir), /wal-000001\.log has a bad header .*header checksum mismatch/);

      await writeFile(path, '');
      await rejectsDataDir(reopen(dir), /wal-000001\.log is empty/);
    });

    test('a damaged snapshot is an error naming snapshot.dat', async () => {
      const dir = await tempDir();
      const { log } = await DurableLog.open(dir);
      const store = new MiniStore(log);
      for (let i = 1; i <= 20; i++) await store.put(`k${i}`, i);
      await log.compact(() => ({ rv: store.rv, objects: store.objects }));
      await log.close();
      const path = join(dir, 'snapshot.dat');
      const good = await readFile(path);
      const offsets = await frameOffsets(path);

      await flipByte(path, offsets[9] + 25);
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /snapshot\.dat is corrupt at record 10 \(byte \d+\): checksum mismatch/);

      await writeFile(path, good.subarray(0, offsets[15]));
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /snapshot\.dat is truncated: it ends after 15 objects/);

      await writeFile(path, good.subarray(0, offsets[15] + 4));
      await rejectsDataDir(reopen(dir, { repairTornTail: true }), /snapshot\.dat is corrupt at record 16 .*only 4 of its 12 header bytes/);

      await writeFile(path, Buffer.concat([good, Buffer.from('x')]));
      await rejectsDataDir(reopen(dir), /snapshot\.dat has 1 unexpected bytes after its end marker/);

      await writeFile(path, Buffer.concat([Buffer.from(good.toString('latin1', 0, good.indexOf(0x0a)).replace('snapshot 1 ', 'snapshot 3 '), 'latin1'), good.subarray(good.indexOf(0x0a))]));
      await rejectsDataDir(reopen(dir), /snapshot\.dat uses format version 3/);

      await writeFile(path, good);
      assert.deepEqual((await reopen(dir)).objects, store.objects);
    });

    test('a log that continues a missing snapshot is an error', async () => {
      const dir = await tempDir();
      const { log } = await DurableLog.open(dir);
      await log.append([{ key: 'k', rv: 1, json: '1' }]);
      await log.compact(() => ({ rv: 1, objects: new Map([['k', '1']]) }));
      await log.close();
      await rm(join(dir, 'snapshot.dat'));
      await rejectsDataDir(reopen(dir), /snapshot\.dat is missing/);
    });
  });
});
