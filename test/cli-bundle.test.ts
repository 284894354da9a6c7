// The CLI as `npm run build` bundles it (scripts/build.mjs, with @kubernetes/client-node inside the bundle):
// it works against the sandbox with a token and with an exec credential plugin, and loads no client-node
// package at run time (which costs about a second at every start).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfigFile } from '../src/kube/testkit.ts';
import { sharedBundle } from './support/cli-bundle.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';

let bundle = '';

/** The bundle as a child process; asynchronously, since the sandbox serves it from this process. */
function runBundle(sandbox: TestSandbox, kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, HOME: sandbox.dir, KUBECONFIG: '', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args, '--kubeconfig', kubeconfig], { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the bundled CLI', () => {
  let sandbox: TestSandbox;

  before(async () => {
    bundle = await sharedBundle();
    sandbox = await testSandbox({ scenario: 'seed' });
  });
  after(async () => {
    await sandbox?.cleanup();
  });

  it('carries client-node inside: no import of the package is left', () => {
    const text = readFileSync(bundle, 'utf8');
    assert.doesNotMatch(text, /from\s*["']@kubernetes\/client-node/);
    assert.match(text, /class _?KubeConfig\b/);
  });

  it('lists the nodes with the token of the kubeconfig', async () => {
    const run = await runBundle(sandbox, sandbox.kubeconfig, 'node', 'ls', '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    const names = JSON.parse(run.stdout).items.map((node: { name: string }) => node.name);
    assert.deepEqual(names, ['k8s-master', 'k8s-node1']);
  });

  it('lists the nodes with a token from an exec credential plugin', async () => {
    const plugin = join(sandbox.dir, 'credential-plugin.mjs');
    writeFileSync(plugin, "process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: process.env.SANDBOX_TOKEN } }));\n");
    const kubeconfig = writeKubeconfigFile(join(sandbox.dir, 'exec-kubeconfig'), {
      server: sandbox.endpoint.server,
      caCert: sandbox.endpoint.caCert,
      exec: { command: process.execPath, args: [plugin], env: [{ name: 'SANDBOX_TOKEN', value: sandbox.endpoint.token }] },
    });
    const run = await runBundle(sandbox, kubeconfig, 'node', 'ls', '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).items.length, 2);
    // a wrong token from the plugin is refused with kmaint's one-line error
    const wrong = writeKubeconfigFile(join(sandbox.dir, 'exec-wrong'), {
      server: sandbox.endpoint.server,
      caCert: sandbox.endpoint.caCert,
      exec: { command: process.execPath, args: [plugin], env: [{ name: 'SANDBOX_TOKEN', value: 'not-the-token' }] },
    });
    const refused = await runBundle(sandbox, wrong, 'node', 'ls');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Unauthorized: the API server rejected the credentials/);
  });
});
