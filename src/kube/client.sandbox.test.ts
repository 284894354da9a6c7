// The client through TLS and real credentials against the sandbox API server: error fields as a real
// server sends them, exec credential plugins, a wrong token, an unreachable server, and client-node's own
// typed API working from the same kubeconfig.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import {
  fromApiException,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isNotFound,
  isUnauthorized,
  KubeApiError,
  KubeConnectionError,
  KubeconfigError,
} from './errors.ts';
import { closedPort, tempDir, writeKubeconfigFile } from './testkit.ts';

const dir = tempDir();
let sandbox: Sandbox;
let client: KubeClient;
const CM = '/api/v1/namespaces/default/configmaps';

before(async () => {
  sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
  client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
  dir.remove();
});

test('the sandbox kubeconfig works over HTTPS with its CA and token', async () => {
  assert.match(client.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(client.namespace, 'default');
  const namespaces = await client.request('GET', '/api/v1/namespaces');
  assert.ok(namespaces.items.some((ns: any) => ns.metadata.name === 'kube-system'));
});

test('404: KubeApiError with reason, message and details', async () => {
  await assert.rejects(client.request('GET', `${CM}/absent`), (error: unknown) => {
    assert.ok(error instanceof KubeApiError);
    assert.ok(isNotFound(error));
    assert.equal(error.code, 404);
    assert.equal(error.reason, 'NotFound');
    assert.equal(error.message, 'configmaps "absent" not found');
    assert.equal(error.details?.name, 'absent');
    assert.equal(error.details?.kind, 'configmaps');
    assert.equal(error.method, 'GET');
    return true;
  });
});

test('409: AlreadyExists on create, Conflict on a stale update', async () => {
  const created = await client.request('POST', CM, { body: { metadata: { name: 'twice' }, data: { a: '1' } } });
  await assert.rejects(client.request('POST', CM, { body: { metadata: { name: 'twice' } } }), (error: KubeApiError) => {
    assert.equal(error.code, 409);
    assert.equal(error.reason, 'AlreadyExists');
    assert.ok(isAlreadyExists(error) && !isConflict(error));
    assert.equal(error.message, 'configmaps "twice" already exists');
    return true;
  });
  await client.request('PUT', `${CM}/twice`, { body: { ...created, data: { a: '2' } } });
  await assert.rejects(client.request('PUT', `${CM}/twice`, { body: { ...created, data: { a: '3' } } }), (error: KubeApiError) => {
    assert.equal(error.code, 409);
    assert.ok(isConflict(error));
    assert.match(error.message, /^Operation cannot be fulfilled on configmaps "twice": the object has been modified/);
    return true;
  });
});

test('422: Invalid with the causes naming the field', async () => {
  await assert.rejects(client.request('POST', CM, { body: { metadata: { name: 'Not_Valid' } } }), (error: KubeApiError) => {
    assert.equal(error.code, 422);
    assert.equal(error.reason, 'Invalid');
    assert.ok(isInvalid(error));
    assert.match(error.message, /^ConfigMap "Not_Valid" is invalid: metadata.name/);
    assert.ok(error.causes.length >= 1);
    assert.equal(error.causes[0].field, 'metadata.name');
    return true;
  });
});

test('a wrong token is a 401 KubeApiError that says what to check', async () => {
  const file = writeKubeconfigFile(join(dir.path, 'wrong-token'), { server: sandbox.endpoint.server, caCert: sandbox.endpoint.caCert, token: 'not-the-token' });
  const wrong = loadKubeClient({ kubeconfig: file });
  try {
    await assert.rejects(wrong.request('GET', '/api/v1/namespaces'), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.ok(isUnauthorized(error));
      assert.equal(error.code, 401);
      assert.equal(error.message, 'Unauthorized: the API server rejected the credentials; check the user (token, client certificate or exec plugin) of the kubeconfig context');
      return true;
    });
  } finally {
    wrong.close();
  }
});

test('an exec credential plugin supplies the token (and is run once, not per request)', async () => {
  const plugin = join(dir.path, 'credential-plugin.mjs');
  const calls = join(dir.path, 'plugin-calls');
  writeFileSync(calls, '');
  writeFileSync(
    plugin,
    `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.CALLS, 'x');
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: process.env.SANDBOX_TOKEN } }));
`,
  );
  const file = writeKubeconfigFile(join(dir.path, 'exec-kubeconfig'), {
    server: sandbox.endpoint.server,
    caCert: sandbox.endpoint.caCert,
    exec: { command: process.execPath, args: [plugin], env: [{ name: 'SANDBOX_TOKEN', value: sandbox.endpoint.token }, { name: 'CALLS', value: calls }] },
  });
  const viaExec = loadKubeClient({ kubeconfig: file });
  try {
    const list = await viaExec.request('GET', '/api/v1/namespaces');
    assert.ok(list.items.length >= 4);
    await viaExec.request('GET', '/api/v1/namespaces/default');
    assert.equal(readFileSync(calls, 'utf8'), 'x');
  } finally {
    viaExec.close();
  }
});

test('a failing exec plugin is a one-line error naming the plugin', async () => {
  const file = writeKubeconfigFile(join(dir.path, 'exec-broken'), {
    server: sandbox.endpoint.server,
    caCert: sandbox.endpoint.caCert,
    exec: { command: process.execPath, args: ['-e', 'process.stderr.write("token expired, run login\\nmore"); process.exit(3)'] },
  });
  const broken = loadKubeClient({ kubeconfig: file });
  await assert.rejects(broken.request('GET', '/api/v1/namespaces'), (error: Error) => {
    assert.ok(error instanceof KubeconfigError);
    assert.equal(error.message, `the exec credential plugin "${process.execPath}" of user "test-user" failed: token expired, run login`);
    return true;
  });
  const missing = loadKubeClient({ kubeconfig: writeKubeconfigFile(join(dir.path, 'exec-missing'), { server: sandbox.endpoint.server, exec: { command: 'kmaint-no-such-plugin' } }) });
  await assert.rejects(missing.request('GET', '/version'), { message: 'the exec credential plugin "kmaint-no-such-plugin" of user "test-user" failed: command not found' });
});

test('a CA that does not match is a TLS error, not a hang', async () => {
  const file = writeKubeconfigFile(join(dir.path, 'no-ca'), { server: sandbox.endpoint.server, token: sandbox.endpoint.token });
  const untrusted = loadKubeClient({ kubeconfig: file });
  await assert.rejects(untrusted.request('GET', '/version'), (error: Error) => {
    assert.ok(error instanceof KubeConnectionError);
    assert.match(error.message, /^cannot reach the API server at https:\/\/127\.0\.0\.1:\d+: .*(certificate|self-signed).*; check --kubeconfig\/--context$/);
    return true;
  });
});

test('an unreachable server is one clear line', async () => {
  const port = await closedPort();
  const file = writeKubeconfigFile(join(dir.path, 'closed'), { server: `https://127.0.0.1:${port}`, caCert: sandbox.endpoint.caCert, token: 'x' });
  const nowhere = loadKubeClient({ kubeconfig: file });
  await assert.rejects(nowhere.request('GET', '/version'), {
    name: 'KubeConnectionError',
    message: `cannot reach the API server at https://127.0.0.1:${port}: connection refused; check --kubeconfig/--context`,
  });
});

test("client-node's typed API works from the same kubeconfig, and its ApiException converts", async () => {
  const core = client.kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = await core.listNamespace();
  assert.ok(namespaces.items.some((ns) => ns.metadata?.name === 'default'));
  try {
    await core.readNamespacedConfigMap({ name: 'absent', namespace: 'default' });
    assert.fail('expected a 404');
  } catch (error) {
    const converted = fromApiException(error);
    assert.ok(converted instanceof KubeApiError);
    assert.ok(isNotFound(error));
    assert.equal(converted.message, 'configmaps "absent" not found');
  }
});
