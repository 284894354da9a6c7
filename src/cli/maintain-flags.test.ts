import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { UsageError } from './errors.ts';
import { continuation, maintenanceDrainOptions, maintenanceWindow, maxUnavailable, readyTimeoutMs, shellQuote, type MaintainFlags } from './maintain-flags.ts';

const base: MaintainFlags = { readyTimeout: '10m', lockDuration: '5m', gracePeriod: '-1', timeout: '0s' };

test('shellQuote leaves plain words alone and quotes the rest for sh', () => {
  assert.equal(shellQuote('k8s-node1'), 'k8s-node1');
  assert.equal(shellQuote('--timeout=5m'), '--timeout=5m');
  assert.equal(shellQuote('echo $NODE_NAME'), `'echo $NODE_NAME'`);
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
});

test('bad values are usage errors, before anything is read', () => {
  assert.throws(() => maxUnavailable({ ...base, maxUnavailable: '0' }), (e: Error) => e instanceof UsageError && /--max-unavailable: "0" is not a whole number of at least 1/.test(e.message));
  assert.equal(maxUnavailable({ ...base, maxUnavailable: '3' }), 3);
  assert.throws(() => maintenanceWindow({ ...base, window: '22-06' }), (e: Error) => e instanceof UsageError && /^--window: invalid window "22-06"/.test(e.message));
  assert.equal(maintenanceWindow({ ...base, window: '22:00-06:00' })?.text, '22:00-06:00');
  assert.throws(() => readyTimeoutMs({ ...base, readyTimeout: 'soon' }), UsageError);
  assert.throws(() => maintenanceDrainOptions({ ...base, gracePeriod: 'x' }), UsageError);
});

test('drain options: kubectl flags through, never a dry run', () => {
  const options = maintenanceDrainOptions({ ...base, ignoreDaemonsets: true, force: true, timeout: '90s', podSelector: 'app=web' });
  assert.equal(options.ignoreDaemonSets, true);
  assert.equal(options.force, true);
  assert.equal(options.timeoutMs, 90_000);
  assert.equal(options.podSelector, 'app=web');
  assert.equal(options.dryRun, 'none');
});

test('continuation: the commands that go on, with the flags the operator gave (defaults left out)', () => {
  const program = new Command('kmaint').option('--kubeconfig <file>');
  const node = program.command('node');
  program.parse(['--kubeconfig', '/tmp/k c', 'node'], { from: 'user' });
  const next = continuation({ ...base, exec: 'apt-get -y upgrade', ignoreDaemonsets: true, timeout: '5m', maxUnavailable: '2', window: '22:00-06:00' }, node);
  assert.equal(next.maintain('n2'), `kmaint node maintain n2 --exec 'apt-get -y upgrade' --kubeconfig '/tmp/k c' --ignore-daemonsets --timeout=5m`);
  assert.equal(next.rollout(['n3', 'n4']), `kmaint node rollout n3 n4 --exec 'apt-get -y upgrade' --max-unavailable 2 --window 22:00-06:00 --kubeconfig '/tmp/k c' --ignore-daemonsets --timeout=5m`);
});
