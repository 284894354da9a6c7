// `kmaint version` and `kmaint api-resources` as an operator runs them: a child process, stdout, stderr, exit code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { closedPort, tempDir, writeKubeconfigFile } from '../kube/testkit.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('kmaint-cli-');
let sandbox: Sandbox;
const kubeconfig = join(dir.path, 'kubeconfig');

function kmaint(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, HOME: dir.path, KUBECONFIG: '', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: kubeconfig });
});
after(async () => {
  await sandbox?.stop();
  dir.remove();
});

test('version -o json prints both versions and exits 0', async () => {
  const { code, stdout, stderr } = await kmaint('version', '-o', 'json', '--kubeconfig', kubeconfig);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  const versions = JSON.parse(stdout);
  assert.match(versions.clientVersion.gitVersion, /^v\d+\.\d+\.\d+/);
  assert.equal(versions.serverVersion.major, '1');
  assert.match(versions.serverVersion.gitVersion, /^v1\.\d+/);
});

test('version prints kubectl-style text by default', async () => {
  const { code, stdout } = await kmaint('version', '--kubeconfig', kubeconfig);
  assert.equal(code, 0);
  assert.match(stdout, /^Client Version: v\d+\.\d+\.\d+\nServer Version: v1\.\d+\S*\n$/);
});

test('a kubeconfig path that does not exist: one line on stderr, exit 1', async () => {
  const missing = join(dir.path, 'nope.yaml');
  const { code, stdout, stderr } = await kmaint('version', '-o', 'json', '--kubeconfig', missing);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(stderr, `error: kubeconfig "${missing}" not found (from --kubeconfig)\n`);
});

test('an unreachable server: the client version, then one error line, exit 1', async () => {
  const port = await closedPort();
  const file = writeKubeconfigFile(join(dir.path, 'closed'), { server: `https://127.0.0.1:${port}`, token: 'x' });
  const { code, stdout, stderr } = await kmaint('version', '--kubeconfig', file);
  assert.equal(code, 1);
  assert.match(stdout, /^Client Version: v\d+\.\d+\.\d+\n$/);
  assert.equal(stderr, `error: cannot reach the API server at https://127.0.0.1:${port}: connection refused; check --kubeconfig/--context\n`);
});

test('an unknown -o value is a usage error (exit 2) that lists the valid ones', async () => {
  const { code, stderr } = await kmaint('version', '-o', 'wide', '--kubeconfig', kubeconfig);
  assert.equal(code, 2);
  assert.equal(stderr, 'error: unknown output format "wide"; use one of: table, json, yaml\n');
});

test('api-resources prints kubectl\'s columns; -o name and -o wide too', async () => {
  const table = await kmaint('api-resources', '--kubeconfig', kubeconfig);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$/);
  assert.ok(lines.some((line) => /^pods +po +v1 +true +Pod$/.test(line)));
  assert.ok(lines.some((line) => /^deployments +deploy +apps\/v1 +true +Deployment$/.test(line)));
  const names = await kmaint('api-resources', '-o', 'name', '--kubeconfig', kubeconfig);
  assert.ok(names.stdout.split('\n').includes('deployments.apps'));
  assert.ok(names.stdout.split('\n').includes('pods'));
  const wide = await kmaint('api-resources', '-o', 'wide', '--kubeconfig', kubeconfig);
  assert.match(wide.stdout.split('\n')[0], /KIND +VERBS +CATEGORIES$/);
  assert.ok(wide.stdout.split('\n').some((line) => /^pods .* Pod +create,delete,deletecollection,get,list,patch,update,watch +all$/.test(line)));
  const bad = await kmaint('api-resources', '-o', 'yml', '--kubeconfig', kubeconfig);
  assert.equal(bad.code, 2);
});

test('api-resources -o json is an APIResourceList', async () => {
  const { code, stdout } = await kmaint('api-resources', '-o', 'json', '--kubeconfig', kubeconfig);
  assert.equal(code, 0);
  const list = JSON.parse(stdout);
  assert.equal(list.kind, 'APIResourceList');
  const deployments = list.resources.find((r: any) => r.name === 'deployments');
  assert.deepEqual([deployments.group, deployments.version, deployments.kind, deployments.namespaced], ['apps', 'v1', 'Deployment', true]);
});
