// The simulated kubelets' pace: a pod reached in time shows every stage; one reached only after its start-up
// delays had passed is started at once, with one status write.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../sandbox.ts';
import { createClusterContext, type ClusterContext } from '../controllers/context.ts';
import { KubeletFleet } from './fleet.ts';

let sandbox: Sandbox;
let ctx: ClusterContext;
let fleet: KubeletFleet;
let stop: () => void;
const statusWrites = new Map<string, string[]>();

before(async () => {
  // ten simulated seconds per real second: the default 1 s pull and 1 s start take 200 ms
  sandbox = await startSandbox({ apiOnly: true, timeScale: 10 });
  ctx = createClusterContext(sandbox.service, sandbox.clock, { logs: sandbox.logs });
  fleet = new KubeletFleet(ctx);
  stop = fleet.start();
  sandbox.service.create(ctx.types.nodes, '', { metadata: { name: 'n1', annotations: { 'sandbox.kmaint.io/simulated': 'true' } } });
  sandbox.service.store.watch('core/pods', (event) => {
    const phases = statusWrites.get(event.entry.name) ?? [];
    const reason = /"waiting":\{"reason":"(\w+)"/.exec(event.entry.json.toString('utf8'))?.[1];
    phases.push(reason ?? event.entry.fields['status.phase'] ?? '');
    statusWrites.set(event.entry.name, phases);
  });
});

after(async () => {
  stop();
  await sandbox.stop();
});

function bindPod(name: string): void {
  sandbox.service.create(ctx.types.pods, 'default', { metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx:1.25' }] } });
}

async function untilRunning(name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sandbox.service.find(ctx.types.pods, 'default', name)?.status?.phase !== 'Running') {
    if (Date.now() > deadline) throw new Error(`${name} is not Running`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function reasons(name: string): string[] {
  return sandbox.service.store.list('core/events', { namespace: 'default' }).entries
    .map((entry) => JSON.parse(entry.json.toString('utf8')))
    .filter((event) => event.involvedObject.name === name)
    .map((event) => event.reason);
}

test('a pod reached at once goes ContainerCreating, then Running', async () => {
  bindPod('prompt');
  await untilRunning('prompt');
  assert.deepEqual(statusWrites.get('prompt'), ['Pending', 'ContainerCreating', 'Running']);
  assert.deepEqual(reasons('prompt'), ['Pulling', 'Pulled', 'Created', 'Started']);
});

test('a pod reached after its pull and start delays have passed is Running at its first status write', async () => {
  bindPod('late');
  // hold the event loop for more than the two simulated seconds, as thousands of other pods would
  const until = Date.now() + 300;
  while (Date.now() < until);
  await untilRunning('late');
  assert.deepEqual(statusWrites.get('late'), ['Pending', 'Running']);
  assert.deepEqual(reasons('late'), ['Pulled', 'Created', 'Started'], 'the image is already on the node; every step is still told');
  const pod = sandbox.service.find(ctx.types.pods, 'default', 'late')!;
  assert.equal(pod.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
});
