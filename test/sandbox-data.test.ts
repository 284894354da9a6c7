// `--data DIR`: a restarted sandbox has every acknowledged write, and a damaged data dir is refused with a
// clear error (through the API and through the CLI), never loaded with objects missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/sandbox.ts';
import { DataDirError, DurableLog } from '../src/sandbox/apiserver/persistence.ts';
import { kmaint } from './support/kmaint.ts';
import { kubectl } from './support/kubectl.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kmaint-data-'));
}

async function seeded(dataDir: string): Promise<{ names: string[]; rv: number; token: string }> {
  const sandbox = await startSandbox({ apiOnly: true, dataDir });
  const configmaps = sandbox.service.registry.get('', 'v1', 'configmaps')!;
  const names: string[] = [];
  for (let i = 0; i < 50; i++) {
    sandbox.service.create(configmaps, 'default', { metadata: { name: `cm-${i}` }, data: { i: String(i) } });
    names.push(`cm-${i}`);
  }
  sandbox.service.delete(configmaps, 'default', 'cm-7');
  names.splice(names.indexOf('cm-7'), 1);
  sandbox.service.update(configmaps, 'default', 'cm-8', { metadata: { name: 'cm-8' }, data: { i: 'eight' } });
  await sandbox.service.store.durable();
  const rv = sandbox.service.store.resourceVersion;
  const token = sandbox.endpoint.token;
  await sandbox.stop();
  return { names, rv, token };
}

test('a restart keeps every object, the resourceVersion, the CA and the token', async () => {
  const dataDir = tempDir();
  const kubeconfig = join(tempDir(), 'kubeconfig');
  try {
    const written = await seeded(dataDir);
    const again = await startSandbox({ apiOnly: true, dataDir, kubeconfigPath: kubeconfig });
    try {
      const configmaps = again.service.registry.get('', 'v1', 'configmaps')!;
      const names = again.service.list(configmaps, 'default', {}).entries.map((e) => e.name).filter((n) => n.startsWith('cm-'));
      assert.deepEqual(names.sort(), [...written.names].sort());
      assert.equal(again.service.get(configmaps, 'default', 'cm-8').data.i, 'eight');
      assert.ok(again.service.store.resourceVersion >= written.rv);
      assert.equal(again.endpoint.token, written.token);
      // the real kubectl trusts the restarted server with the same CA
      const result = await kubectl(kubeconfig, ['get', 'configmap', 'cm-8', '-o', 'jsonpath={.data.i}']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'eight');
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function walFile(dataDir: string): string {
  const wal = readdirSync(dataDir).filter((f) => f.startsWith('wal-')).sort().pop();
  assert.ok(wal, 'a log file exists');
  return join(dataDir, wal);
}

test('a flipped byte in the log is refused with the file and record named', async () => {
  const dataDir = tempDir();
  try {
    await seeded(dataDir);
    const wal = walFile(dataDir);
    const bytes = readFileSync(wal);
    const at = Math.floor(bytes.length / 2);
    const patched = Buffer.from(bytes);
    patched[at] ^= 0xff;
    writeFileSync(wal, patched);
    await assert.rejects(startSandbox({ apiOnly: true, dataDir }), (error: unknown) => {
      assert.ok(error instanceof DataDirError);
      assert.match(error.message, /wal-\d+\.log is corrupt at record \d+/);
      return true;
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});


test('the CLI refuses a torn log in one line, and --repair-torn-tail drops only the torn record', async () => {
  const dataDir = tempDir();
  const kubeconfig = join(tempDir(), 'kubeconfig');
  try {
    const written = await seeded(dataDir);
    const wal = walFile(dataDir);
    appendFileSync(wal, Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));
    const refused = await kmaint(undefined, 'sandbox', 'up', '--data', dataDir, '--write-kubeconfig', kubeconfig);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^error: .*torn final record.*--repair-torn-tail/);
    assert.equal(existsSync(kubeconfig), false, 'no kubeconfig for a server that never started');

    const before = statSync(wal).size;
    const repaired = await startSandbox({ apiOnly: true, dataDir, repairTornTail: true });
    try {
      assert.ok(statSync(wal).size < before);
      const configmaps = repaired.service.registry.get('', 'v1', 'configmaps')!;
      const count = repaired.service.list(configmaps, 'default', {}).entries.filter((e) => e.name.startsWith('cm-')).length;
      assert.equal(count, written.names.length, 'every acknowledged object is still there');
    } finally {
      await repaired.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a truncated snapshot is refused, never loaded short', async () => {
  const dataDir = tempDir();
  try {
    const sandbox = await startSandbox({ apiOnly: true, dataDir });
    const configmaps = sandbox.service.registry.get('', 'v1', 'configmaps')!;
    for (let i = 0; i < 20; i++) sandbox.service.create(configmaps, 'default', { metadata: { name: `s-${i}` } });
    await sandbox.service.store.durable();
    await sandbox.stop();
    // compact by reopening the log directly, then cut the snapshot short
    const opened = await DurableLog.open(dataDir);
    await opened.log.compact(() => opened.state);
    await opened.log.close();
    const snapshot = join(dataDir, 'snapshot.dat');
    truncateSync(snapshot, Math.floor(statSync(snapshot).size / 2));
    await assert.rejects(startSandbox({ apiOnly: true, dataDir }), DataDirError);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
