import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cordonMessage } from './node.ts';
import { cordonPatch } from '../ops/node/cordon.ts';

test("cordon messages are kubectl's", () => {
  assert.equal(cordonMessage({ type: 'changed', node: 'n1', action: 'cordon', dryRun: 'none' }), 'node/n1 cordoned\n');
  assert.equal(cordonMessage({ type: 'unchanged', node: 'n1', action: 'cordon', dryRun: 'none' }), 'node/n1 already cordoned\n');
  assert.equal(cordonMessage({ type: 'changed', node: 'n1', action: 'uncordon', dryRun: 'client' }), 'node/n1 uncordoned (dry run)\n');
  assert.equal(cordonMessage({ type: 'unchanged', node: 'n1', action: 'uncordon', dryRun: 'server' }), 'node/n1 already uncordoned (server dry run)\n');
  assert.equal(cordonMessage({ type: 'failed', node: 'n1', action: 'cordon', dryRun: 'none', error: 'boom' }), 'error: unable to cordon node "n1": boom\n');
});

test('the patches are the ones kubectl cordon/uncordon send', () => {
  assert.equal(JSON.stringify(cordonPatch('cordon')), '{"spec":{"unschedulable":true}}');
  assert.equal(JSON.stringify(cordonPatch('uncordon')), '{"spec":{"unschedulable":null}}');
});
