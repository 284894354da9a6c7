// resolveNodes against the sandbox's API server: named nodes in the order named, looked up one by one or, for
// many names, in one list; unknown names fail the whole lookup, naming each.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from '../../kube/client.ts';
import { tempDir } from '../../kube/testkit.ts';
import { NodeNotFoundError, NoNodesMatchError, resolveNodes } from './nodes.ts';

const dir = tempDir();
let sandbox: Sandbox;
let client: KubeClient;
const names = Array.from({ length: 30 }, (_, i) => `worker-${String(i).padStart(2, '0')}`);

before(async () => {
  sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
  client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
  const nodes = sandbox.service.registry.get('', 'v1', 'nodes')!;
  for (const [i, name] of names.entries()) sandbox.service.create(nodes, '', { metadata: { name, labels: { pool: i % 2 === 0 ? 'even' : 'odd' } } });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
  dir.remove();
});

const namesOf = (nodes: { metadata: { name?: string } }[]): (string | undefined)[] => nodes.map((node) => node.metadata.name);

test('a few names are looked up one by one, many in one list: the nodes come back in the order named', async () => {
  for (const wanted of [['worker-07', 'worker-02', 'worker-29'], [...names].reverse().slice(0, 25)]) {
    const requests: string[] = [];
    const counting = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
    const original = counting.request.bind(counting);
    counting.request = ((method: string, path: string, options?: object) => {
      requests.push(`${method} ${path.split('?')[0]}`);
      return original(method, path, options);
    }) as typeof counting.request;
    try {
      assert.deepEqual(namesOf(await resolveNodes(counting, { names: wanted })), wanted);
    } finally {
      counting.close();
    }
    assert.deepEqual(requests, wanted.length <= 20 ? wanted.map((name) => `GET /api/v1/nodes/${name}`) : ['GET /api/v1/nodes']);
  }
});

test('unknown names fail the lookup, each named, whichever way the nodes were looked up', async () => {
  for (const wanted of [['worker-01', 'gone-a'], [...names.slice(0, 22), 'gone-a', 'gone-b']]) {
    await assert.rejects(resolveNodes(client, { names: wanted }), (error: unknown) => {
      assert.ok(error instanceof NodeNotFoundError);
      assert.deepEqual(error.names, wanted.filter((name) => name.startsWith('gone')));
      return true;
    });
  }
});

test('a label selector picks the matching nodes by name; one that matches none is an error', async () => {
  assert.deepEqual(namesOf(await resolveNodes(client, { selector: 'pool=odd' })), names.filter((_, i) => i % 2 === 1));
  await assert.rejects(resolveNodes(client, { selector: 'pool=none' }), NoNodesMatchError);
});
