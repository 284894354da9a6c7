import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeletSkew, parseMinorVersion, serverMinorVersion } from './skew.ts';

const server = { major: 1, minor: 35 };

test('versions parse from kubelet and distribution spellings', () => {
  assert.deepEqual(parseMinorVersion('v1.27.0'), { major: 1, minor: 27 });
  assert.deepEqual(parseMinorVersion('1.30'), { major: 1, minor: 30 });
  assert.deepEqual(parseMinorVersion('v1.28.3-eks-4f4795d'), { major: 1, minor: 28 });
  assert.deepEqual(parseMinorVersion('v1.29.0+k3s1'), { major: 1, minor: 29 });
  assert.equal(parseMinorVersion(''), undefined);
  assert.equal(parseMinorVersion('latest'), undefined);
  assert.equal(parseMinorVersion('v1.2x'), undefined);
  assert.deepEqual(serverMinorVersion({ major: '1', minor: '28+', gitVersion: 'v1.28.9-gke.1' }), { major: 1, minor: 28 });
  assert.deepEqual(serverMinorVersion({ gitVersion: 'v1.35.0-kmaint' }), { major: 1, minor: 35 });
  assert.equal(serverMinorVersion(undefined), undefined);
});

test('a kubelet up to three minors older is supported; four older, or any newer, is not', () => {
  assert.deepEqual(kubeletSkew('v1.35.2', server), { verdict: 'same', minorsBehind: 0, supported: true, message: '' });
  for (const minor of [34, 33, 32]) {
    const skew = kubeletSkew(`v1.${minor}.0`, server);
    assert.equal(skew.verdict, 'older');
    assert.equal(skew.supported, true);
    assert.equal(skew.minorsBehind, 35 - minor);
  }
  const old = kubeletSkew('v1.31.9', server);
  assert.equal(old.verdict, 'too-old');
  assert.equal(old.supported, false);
  assert.equal(old.minorsBehind, 4);
  assert.match(old.message, /4 minor versions behind the API server v1\.35 \(at most 3 supported\): upgrade the kubelet to v1\.32 or newer/);
  const seed = kubeletSkew('v1.27.0', server);
  assert.equal(seed.supported, false);
  assert.equal(seed.minorsBehind, 8);
  const newer = kubeletSkew('v1.36.0', server);
  assert.equal(newer.verdict, 'newer');
  assert.equal(newer.supported, false);
  assert.equal(newer.minorsBehind, -1);
  assert.match(newer.message, /never be newer/);
  assert.equal(kubeletSkew('v2.0.0', server).supported, false);
  assert.equal(kubeletSkew('v0.35.0', server).verdict, 'too-old');
});

test('unreadable versions are reported, not flagged', () => {
  const skew = kubeletSkew('', server);
  assert.equal(skew.verdict, 'unknown');
  assert.equal(skew.supported, true);
  assert.match(skew.message, /unreadable kubelet version/);
  assert.equal(kubeletSkew('v1.30.0', undefined).verdict, 'unknown');
});
