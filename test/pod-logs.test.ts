// pods/log through the real kubectl: container choice, tail, since, timestamps, previous, and follow streaming.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { kubectl, kubectlPath } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';

let sandbox: TestSandbox;
const base = Date.parse('2026-11-21T10:00:00Z');

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  const pods = sandbox.service.registry.get('', 'v1', 'pods')!;
  const spec = (containers: string[]) => ({ nodeName: 'n1', containers: containers.map((name) => ({ name, image: 'busybox' })) });
  sandbox.service.create(pods, 'default', { metadata: { name: 'single' }, spec: spec(['app']) });
  sandbox.service.create(pods, 'default', { metadata: { name: 'pair' }, spec: spec(['app', 'sidecar']) });
  for (let i = 1; i <= 5; i++) sandbox.logs.append('default', 'single', 'app', `line ${i}`, new Date(base + i * 1000));
  sandbox.logs.append('default', 'pair', 'sidecar', 'from the sidecar', new Date(base));
  sandbox.logs.rotate('default', 'single', 'app');
  sandbox.logs.append('default', 'single', 'app', 'after restart', new Date(base + 10_000));
});

after(async () => {
  await sandbox.cleanup();
});

test('logs of the only container; --previous gives the log before the restart', async () => {
  const current = await kubectl(sandbox.kubeconfig, ['logs', 'single']);
  assert.equal(current.code, 0, current.stderr);
  assert.equal(current.stdout, 'after restart\n');
  const previous = await kubectl(sandbox.kubeconfig, ['logs', 'single', '--previous']);
  assert.equal(previous.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  const tail = await kubectl(sandbox.kubeconfig, ['logs', 'single', '--previous', '--tail=2', '--timestamps']);
  assert.equal(tail.stdout, '2026-11-21T10:00:04.000000000Z line 4\n2026-11-21T10:00:05.000000000Z line 5\n');
  const since = await kubectl(sandbox.kubeconfig, ['logs', 'single', '--previous', '--since-time=2026-11-21T10:00:04Z']);
  assert.equal(since.stdout, 'line 4\nline 5\n');
});

test('a pod with two containers: -c chooses, an unknown container is named in the error', async () => {
  const sidecar = await kubectl(sandbox.kubeconfig, ['logs', 'pair', '-c', 'sidecar']);
  assert.equal(sidecar.stdout, 'from the sidecar\n');
  const unknown = await kubectl(sandbox.kubeconfig, ['logs', 'pair', '-c', 'nope']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /container nope is not valid for pod pair/);
});

test('logs -f streams lines as they are written and ends when the pod is deleted', async () => {
  const child = spawn(kubectlPath(), ['--kubeconfig', sandbox.kubeconfig, 'logs', '-f', 'single'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const waitFor = async (text: string) => {
    for (let i = 0; i < 100 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes(text), `expected ${JSON.stringify(text)} in ${JSON.stringify(out)}`);
  };
  await waitFor('after restart');
  sandbox.logs.append('default', 'single', 'app', 'live 1', new Date());
  await waitFor('live 1\n');
  sandbox.logs.append('default', 'single', 'app', 'live 2', new Date());
  await waitFor('live 2\n');
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  sandbox.service.delete(sandbox.service.registry.get('', 'v1', 'pods')!, 'default', 'single', { gracePeriodSeconds: 0 });
  assert.equal(await exited, 0);
  assert.equal(out, 'after restart\nlive 1\nlive 2\n');
});
