import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { KubeApiError } from '../kube/errors.ts';
import { colourEnabled, colours } from './colour.ts';
import { errorMessage, formatError } from './errors.ts';
import { asList, objectName, OutputFormatError, parseOutputFormat, renderObjects, toYaml, withTypeMeta } from './output.ts';
import { formatTable, visibleWidth } from './table.ts';

test('tables align like kubectl: upper-case headers, 3-space gaps, minimum width 6, no trailing spaces', () => {
  const out = formatTable(['name', 'ready', 'status', 'age'], [
    ['web-1', '1/1', 'Running', '5m'],
    ['a', '0/1', 'Pending', ''],
  ]);
  assert.equal(out, ['NAME    READY   STATUS    AGE', 'web-1   1/1     Running   5m', 'a       0/1     Pending', ''].join('\n'));
  assert.equal(formatTable(['name'], [['x']], { noHeaders: true }), 'x\n');
  assert.equal(formatTable(['a', 'b'], []), 'A     B\n');
});

test('colour codes do not count towards column widths', () => {
  const red = '\u001b[31mFailed\u001b[39m';
  assert.equal(visibleWidth(red), 6);
  const out = formatTable(['status', 'x'], [[red, '1'], ['ok', '2']]);
  assert.equal(out.split('\n')[2], 'ok       2');
  assert.equal(out.split('\n')[1], `${red}   1`);
});

test('name format: kind.group/name, the group left out for the core API', () => {
  assert.equal(objectName({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' } }), 'pod/web-1');
  assert.equal(objectName({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }), 'deployment.apps/web');
  assert.equal(objectName({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'admin' } }), 'clusterrole.rbac.authorization.k8s.io/admin');
  assert.equal(renderObjects([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }], 'name'), 'pod/a\npod/b\n');
});

test('json: one object as itself, several (or a list request) as a kubectl List, 4-space indent', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } };
  const single = renderObjects([pod], 'json', { single: true });
  assert.deepEqual(JSON.parse(single), pod);
  assert.match(single, /^\{\n {4}"apiVersion": "v1"/);
  const many = JSON.parse(renderObjects([pod, pod], 'json'));
  assert.equal(many.kind, 'List');
  assert.equal(many.apiVersion, 'v1');
  assert.equal(many.items.length, 2);
  assert.deepEqual(JSON.parse(renderObjects([pod], 'json')).items, [pod]);
  assert.deepEqual(asList([]).items, []);
});

test('yaml: block style with unindented sequences and no folding, as kubectl prints it', () => {
  const long = 'x '.repeat(100).trim();
  const text = toYaml({ items: [{ metadata: { name: 'a', annotations: { note: long } } }] });
  assert.match(text, /^items:\n- metadata:\n {4}name: a\n/);
  assert.ok(text.includes(`note: ${long}\n`));
  const list = parse(renderObjects([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }], 'yaml'));
  assert.equal(list.kind, 'List');
});

test('list items get their apiVersion and kind back, first', () => {
  const item = withTypeMeta({ metadata: { name: 'a' } }, 'apps/v1', 'Deployment');
  assert.deepEqual(Object.keys(item), ['apiVersion', 'kind', 'metadata']);
  assert.equal(objectName(item), 'deployment.apps/a');
});

test('an unknown -o value names the valid ones', () => {
  assert.equal(parseOutputFormat(undefined), 'table');
  assert.equal(parseOutputFormat('JSON'), 'json');
  assert.throws(() => parseOutputFormat('jsonpath', ['table', 'json']), (error: Error) => {
    assert.ok(error instanceof OutputFormatError);
    assert.equal(error.message, 'unknown output format "jsonpath"; use one of: table, json');
    return true;
  });
});

test('colours only on a TTY, never with NO_COLOR or TERM=dumb, always with FORCE_COLOR', () => {
  assert.equal(colourEnabled({ isTTY: true }, {}), true);
  assert.equal(colourEnabled({ isTTY: false }, {}), false);
  assert.equal(colourEnabled({}, {}), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(colourEnabled({ isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(colours({ isTTY: false }, {}).red('x'), 'x');
  assert.equal(colours({ isTTY: true }, {}).red('x'), '\u001b[31mx\u001b[39m');
});

test('errors print as one line; the stack and the server answer only with --debug', () => {
  const error = new Error('node "n9" not found;\n  see: kmaint node ls');
  assert.equal(formatError(error), 'error: node "n9" not found; see: kmaint node ls\n');
  const debug = formatError(error, { debug: true });
  assert.ok(debug.startsWith('error: node "n9" not found; see: kmaint node ls\n'));
  assert.ok(debug.includes('at '));
  const api = KubeApiError.fromResponse(404, JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "x" not found' }), {}, { method: 'GET', path: '/api/v1/namespaces/default/pods/x' });
  assert.equal(formatError(api), 'error: pods "x" not found\n');
  assert.match(formatError(api, { debug: true }), /GET \/api\/v1\/namespaces\/default\/pods\/x -> 404 NotFound\n {2}response: \{"kind":"Status"/);
  assert.equal(errorMessage('plain string'), 'plain string');
});
