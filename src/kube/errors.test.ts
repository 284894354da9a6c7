import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import {
  connectionError,
  fromApiException,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
  KubeApiError,
  parseRetryAfter,
} from './errors.ts';

const statusBody = (code: number, reason: string, message: string, details?: object): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });

test('a Status body gives code, reason, message, details and causes', () => {
  const body = statusBody(422, 'Invalid', 'ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad"', {
    name: 'Bad',
    kind: 'ConfigMap',
    causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "Bad"', field: 'metadata.name' }],
  });
  const error = KubeApiError.fromResponse(422, body, { 'content-type': 'application/json' }, { method: 'POST', path: '/api/v1/namespaces/default/configmaps' });
  assert.equal(error.code, 422);
  assert.equal(error.reason, 'Invalid');
  assert.equal(error.message, 'ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad"');
  assert.equal(error.details?.name, 'Bad');
  assert.deepEqual(error.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "Bad"', field: 'metadata.name' }]);
  assert.equal(error.method, 'POST');
  assert.equal(error.path, '/api/v1/namespaces/default/configmaps');
  assert.ok(isInvalid(error));
  assert.ok(error instanceof Error);
});

test('Retry-After comes from the header, else from the Status details', () => {
  const fromHeader = KubeApiError.fromResponse(429, statusBody(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 9 }), { 'retry-after': '3' });
  assert.equal(fromHeader.retryAfterSeconds, 3);
  assert.ok(isTooManyRequests(fromHeader));
  const fromDetails = KubeApiError.fromResponse(429, statusBody(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 9 }), {});
  assert.equal(fromDetails.retryAfterSeconds, 9);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('a plain-text body becomes a one-line message with the code-based reason', () => {
  const error = KubeApiError.fromResponse(500, 'etcdserver: request timed out\n  more detail\n', { 'content-type': 'text/plain' });
  assert.equal(error.reason, 'InternalError');
  assert.equal(error.message, 'an error on the server has prevented the request from succeeding: etcdserver: request timed out more detail');
  assert.equal(error.body, 'etcdserver: request timed out\n  more detail\n');
});

test('an empty body uses the message client-go would', () => {
  const error = KubeApiError.fromResponse(404, '', {});
  assert.equal(error.reason, 'NotFound');
  assert.equal(error.message, 'the server could not find the requested resource');
  assert.ok(isNotFound(error));
  const odd = KubeApiError.fromResponse(418, '', {});
  assert.equal(odd.reason, 'Unknown');
  assert.equal(odd.message, 'the server responded with HTTP 418');
});

test('an HTML page from a proxy is named, not dumped', () => {
  const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>' + 'x'.repeat(5000) + '</body></html>';
  const error = KubeApiError.fromResponse(502, html, { 'content-type': 'text/html' });
  assert.match(error.message, /HTML page titled "502 Bad Gateway"/);
  assert.ok(error.message.length < 200);
  assert.ok(!error.message.includes('\n'));
});

test('JSON that is not a Status falls back to the text reading', () => {
  const error = KubeApiError.fromResponse(400, '{"error":"nope"}', { 'content-type': 'application/json' });
  assert.equal(error.reason, 'BadRequest');
  assert.match(error.message, /\{"error":"nope"\}/);
});

test('a 401 says what to check', () => {
  const error = KubeApiError.fromResponse(401, statusBody(401, 'Unauthorized', 'Unauthorized'), {});
  assert.ok(isUnauthorized(error));
  assert.match(error.message, /^Unauthorized: the API server rejected the credentials; check the user/);
});

test('conflict and already-exists are told apart, as apimachinery does', () => {
  const exists = KubeApiError.fromResponse(409, statusBody(409, 'AlreadyExists', 'configmaps "a" already exists'));
  const conflict = KubeApiError.fromResponse(409, statusBody(409, 'Conflict', 'Operation cannot be fulfilled'));
  const bare = KubeApiError.fromResponse(409, '');
  assert.ok(isAlreadyExists(exists) && !isConflict(exists));
  assert.ok(isConflict(conflict) && !isAlreadyExists(conflict));
  assert.ok(isConflict(bare));
});

test('410 in any form is gone; an in-stream ERROR Status has its own code', () => {
  assert.ok(isGone(KubeApiError.fromResponse(410, statusBody(410, 'Expired', 'too old resource version: 1 (50)'))));
  const streamed = KubeApiError.fromStatus({ kind: 'Status', status: 'Failure', message: 'too old resource version: 1 (50)', reason: 'Expired', code: 410 });
  assert.equal(streamed.code, 410);
  assert.ok(isGone(streamed));
  assert.ok(!isGone(new Error('x')));
  assert.ok(!isNotFound('not an error'));
});

test("client-node's ApiException (raw text body) converts to a KubeApiError", () => {
  const exception = new ApiException(404, 'HTTP-Code: 404', statusBody(404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' }), { 'content-type': 'application/json' });
  const converted = fromApiException(exception);
  assert.ok(converted instanceof KubeApiError);
  assert.equal(converted.message, 'pods "x" not found');
  assert.ok(isNotFound(exception));
  const other = new Error('plain');
  assert.equal(fromApiException(other), other);
});

test('connection errors read as one line with the server and the flags to check', () => {
  const error = connectionError('https://127.0.0.1:1234', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1234'), { code: 'ECONNREFUSED' }));
  assert.equal(error.message, 'cannot reach the API server at https://127.0.0.1:1234: connection refused; check --kubeconfig/--context');
  assert.equal(error.syscode, 'ECONNREFUSED');
});
