// The client against a scripted fake server: what real servers rarely do on demand.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadKubeClient, type KubeClient } from './client.ts';
import { isAbortError, isNotFound, KubeApiError } from './errors.ts';
import { fakeApiServer, sendJson, status, tempDir, writeKubeconfigFile, type FakeServer } from './testkit.ts';

const dir = tempDir();
let fake: FakeServer;
let client: KubeClient;
let flaky = 0;

before(async () => {
  fake = await fakeApiServer((req, res) => {
    switch (req.path) {
      case '/ok':
        return sendJson(res, 200, { kind: 'Thing', query: Object.fromEntries(req.query), contentType: req.headers['content-type'] ?? null, body: req.body });
      case '/text':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('line 1\nline 2\n');
      case '/empty':
        res.writeHead(200);
        return res.end();
      case '/html':
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return res.end('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
      case '/missing':
        return sendJson(res, 404, status(404, 'NotFound', 'things "x" not found'));
      case '/busy':
        flaky++;
        if (flaky % 2 === 1) return sendJson(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '0' });
        return sendJson(res, 200, { kind: 'Thing', attempt: flaky });
      case '/hang':
        return; // never answers
      case '/stream':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"a":1}\n{"b":');
        setTimeout(() => res.end('2}\n{"c":3}'), 20);
        return;
      default:
        return sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
  });
  client = loadKubeClient({ kubeconfig: writeKubeconfigFile(join(dir.path, 'kubeconfig'), { server: fake.url, token: 'secret' }) });
});

after(async () => {
  client.close();
  await fake.close();
  dir.remove();
});

test('query parameters are encoded, repeated for arrays, and left out when undefined', async () => {
  const answer = await client.request('GET', '/ok', { query: { labelSelector: 'app in (a,b)', limit: 5, watch: true, skip: undefined, dryRun: ['All'] } });
  assert.deepEqual(answer.query, { labelSelector: 'app in (a,b)', limit: '5', watch: 'true', dryRun: 'All' });
});

test('objects are sent as JSON; text answers come back as text; empty answers as undefined', async () => {
  const answer = await client.request('POST', '/ok', { body: { a: 1 } });
  assert.equal(answer.contentType, 'application/json');
  assert.equal(answer.body, '{"a":1}');
  assert.equal(await client.request('GET', '/text'), 'line 1\nline 2\n');
  assert.equal(await client.request('GET', '/empty'), undefined);
});

test('no credentials are sent over plain http, as kubectl', async () => {
  await client.request('GET', '/ok');
  const last = fake.requests[fake.requests.length - 1];
  assert.equal(last.headers.authorization, undefined);
  assert.match(String(last.headers['user-agent']), /^kmaint/);
});

test('a PATCH without a patch Content-Type is refused before it is sent', async () => {
  const before = fake.requests.length;
  await assert.rejects(client.request('PATCH', '/ok', { body: { a: 1 } }), /PATCH \/ok needs a patch Content-Type/);
  await assert.rejects(client.request('PATCH', '/ok', { body: { a: 1 }, contentType: 'application/json' }), /needs a patch Content-Type/);
  assert.equal(fake.requests.length, before);
});

test('error statuses throw KubeApiError, with a readable message for an HTML proxy page', async () => {
  await assert.rejects(client.request('GET', '/missing'), (error: unknown) => {
    assert.ok(error instanceof KubeApiError);
    assert.ok(isNotFound(error));
    assert.equal(error.message, 'things "x" not found');
    assert.equal(error.path, '/missing');
    return true;
  });
  await assert.rejects(client.request('GET', '/html'), (error: KubeApiError) => {
    assert.equal(error.code, 502);
    assert.match(error.message, /HTML page titled "502 Bad Gateway"/);
    return true;
  });
});

test('a GET answered 429 with Retry-After is retried; the caller sees the success', async () => {
  flaky = 0;
  const answer = await client.request('GET', '/busy');
  assert.equal(answer.attempt, 2);
  flaky = 0;
  await assert.rejects(client.request('GET', '/busy', { retries: 0 }), (error: KubeApiError) => error.code === 429 && error.retryAfterSeconds === 0);
  flaky = 0;
  await assert.rejects(client.request('POST', '/busy', { body: {} }), (error: KubeApiError) => error.code === 429);
});

test('an AbortSignal cancels a request; a timeout says which server did not answer', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(client.request('GET', '/hang', { signal: controller.signal }), (error: unknown) => isAbortError(error));
  await assert.rejects(client.request('GET', '/hang', { timeoutMs: 100 }), {
    message: `the API server at ${fake.url} did not answer GET /hang within 100ms; check --kubeconfig/--context`,
  });
});

test('streams split into lines across chunks', async () => {
  const stream = await client.stream('GET', '/stream');
  const lines: string[] = [];
  for await (const line of stream.lines()) lines.push(line);
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('a failing stream request throws KubeApiError before any line', async () => {
  await assert.rejects(client.stream('GET', '/missing'), (error: KubeApiError) => error.code === 404);
});
