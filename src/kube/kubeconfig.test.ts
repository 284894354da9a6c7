import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeconfigError } from './errors.ts';
import { kubeconfigFiles, loadKubeconfig } from './kubeconfig.ts';
import { tempDir } from './testkit.ts';

const dir = tempDir();
after(() => dir.remove());

function write(name: string, text: string): string {
  const path = join(dir.path, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const config = (cluster: string, server: string, options: { current?: string; namespace?: string; extraContext?: string; caFile?: string } = {}): string => `
apiVersion: v1
kind: Config
clusters:
- name: ${cluster}
  cluster:
    server: ${server}
${options.caFile ? `    certificate-authority: ${options.caFile}\n` : ''}users:
- name: ${cluster}-user
  user:
    token: token-${cluster}
contexts:
- name: ${cluster}
  context:
    cluster: ${cluster}
    user: ${cluster}-user
${options.namespace ? `    namespace: ${options.namespace}\n` : ''}${options.extraContext ? `- name: ${options.extraContext}\n  context:\n    cluster: ${cluster}\n    user: ${cluster}-user\n` : ''}${options.current !== undefined ? `current-context: "${options.current}"\n` : ''}`;

const noEnv = {};

test('--kubeconfig wins over KUBECONFIG and ~/.kube/config', () => {
  const flag = write('flag.yaml', config('a', 'https://a.example:6443', { current: 'a' }));
  write('home1/.kube/config', config('home', 'https://home.example', { current: 'home' }));
  const loaded = loadKubeconfig({ kubeconfig: flag, env: { KUBECONFIG: '/nope' }, home: join(dir.path, 'home1') });
  assert.equal(loaded.contextName, 'a');
  assert.equal(loaded.server, 'https://a.example:6443');
  assert.deepEqual(loaded.files, [flag]);
});

test('a missing --kubeconfig file is a one-line error naming the flag', () => {
  assert.throws(() => loadKubeconfig({ kubeconfig: join(dir.path, 'missing.yaml'), env: noEnv }), (error: Error) => {
    assert.ok(error instanceof KubeconfigError);
    assert.equal(error.message, `kubeconfig "${join(dir.path, 'missing.yaml')}" not found (from --kubeconfig)`);
    return true;
  });
});

test('KUBECONFIG merges like kubectl: first file sets current-context and names; missing files are skipped', () => {
  const first = write('m1.yaml', config('one', 'https://one.example', { current: 'one' }));
  const second = write('m2.yaml', config('two', 'https://two.example', { current: 'two', extraContext: 'one' }));
  const loaded = loadKubeconfig({ env: { KUBECONFIG: [join(dir.path, 'absent.yaml'), first, second, first].join(':') }, home: '/nonexistent' });
  assert.equal(loaded.contextName, 'one');
  assert.equal(loaded.server, 'https://one.example');
  assert.deepEqual(loaded.files, [first, second]);
  const names = loaded.kubeConfig.getContexts().map((c) => c.name);
  assert.deepEqual(names.sort(), ['one', 'two']);
  // "one" from the second file did not replace the first file's
  assert.equal(loaded.kubeConfig.getContextObject('one')?.cluster, 'one');
  const other = loadKubeconfig({ context: 'two', env: { KUBECONFIG: `${first}:${second}` } });
  assert.equal(other.server, 'https://two.example');
  assert.deepEqual(kubeconfigFiles({ env: { KUBECONFIG: `:${first}::` } }).files, [first]);
});

test('KUBECONFIG naming only missing files is an error', () => {
  assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: join(dir.path, 'gone1') }, home: '/nonexistent' }), /no kubeconfig: none of the files in KUBECONFIG exist/);
});

test('~/.kube/config is the default', () => {
  write('home2/.kube/config', config('home', 'https://home.example/', { current: 'home', namespace: 'team' }));
  const loaded = loadKubeconfig({ env: noEnv, home: join(dir.path, 'home2') });
  assert.equal(loaded.contextName, 'home');
  assert.equal(loaded.server, 'https://home.example');
  assert.equal(loaded.namespace, 'team');
});

test('namespace: the flag, else the context, else "default"', () => {
  const file = write('ns.yaml', config('ns', 'https://ns.example', { current: 'ns', namespace: 'from-context', extraContext: 'bare' }));
  assert.equal(loadKubeconfig({ kubeconfig: file, namespace: 'from-flag' }).namespace, 'from-flag');
  assert.equal(loadKubeconfig({ kubeconfig: file }).namespace, 'from-context');
  assert.equal(loadKubeconfig({ kubeconfig: file, context: 'bare' }).namespace, 'default');
});

test('an unknown --context lists the ones there are', () => {
  const file = write('ctx.yaml', config('c1', 'https://c1.example', { current: 'c1', extraContext: 'c2' }));
  assert.throws(() => loadKubeconfig({ kubeconfig: file, context: 'prod' }), {
    message: `context "prod" not found in kubeconfig "${file}" (available: c1, c2)`,
  });
});

test('no current-context and no --context', () => {
  const file = write('nocurrent.yaml', config('c1', 'https://c1.example'));
  assert.throws(() => loadKubeconfig({ kubeconfig: file }), /has no current-context; pass --context \(available: c1\)/);
});

test('malformed YAML, a bad structure, an empty file and a directory give one-line errors', () => {
  const bad = write('bad.yaml', 'clusters:\n  - name: a\n   cluster: [\n');
  assert.throws(() => loadKubeconfig({ kubeconfig: bad }), (error: Error) => {
    assert.match(error.message, new RegExp(`^kubeconfig "${bad}" is not valid YAML at line \\d+: `));
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  const noServer = write('noserver.yaml', 'clusters:\n- name: a\n  cluster: {}\ncontexts: []\nusers: []\n');
  assert.throws(() => loadKubeconfig({ kubeconfig: noServer }), { message: `kubeconfig "${noServer}" is invalid: clusters[0].cluster.server is missing` });
  const empty = write('empty.yaml', '');
  assert.throws(() => loadKubeconfig({ kubeconfig: empty }), /has no current-context; pass --context \(it has no contexts\)/);
  assert.throws(() => loadKubeconfig({ kubeconfig: dir.path }), { message: `cannot read kubeconfig "${dir.path}": it is a directory` });
});

test('relative certificate paths are relative to the kubeconfig file', () => {
  const file = write('sub/rel.yaml', config('r', 'https://r.example', { current: 'r', caFile: 'ca.crt' }));
  const loaded = loadKubeconfig({ kubeconfig: file });
  assert.equal(loaded.cluster.caFile, join(dir.path, 'sub', 'ca.crt'));
});

test('in-cluster: the service account when no kubeconfig exists', () => {
  const root = join(dir.path, 'pod');
  write('pod/var/run/secrets/kubernetes.io/serviceaccount/token', 'sa-token');
  write('pod/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', 'not really a cert');
  write('pod/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'workloads\n');
  const loaded = loadKubeconfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, home: '/nonexistent', inClusterRoot: root });
  assert.ok(loaded.inCluster);
  assert.equal(loaded.server, 'https://10.0.0.1:443');
  assert.equal(loaded.namespace, 'workloads');
  assert.deepEqual(loaded.files, []);
  assert.throws(() => loadKubeconfig({ env: noEnv, home: '/nonexistent', inClusterRoot: root }), /no kubeconfig: \/nonexistent\/.kube\/config does not exist/);
});
