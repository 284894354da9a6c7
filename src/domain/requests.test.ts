import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './object.ts';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, podRequests, qosClass, requestsNothing } from './requests.ts';

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

function container(name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: object = {}): object {
  return { name, image: 'x', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra };
}

function pod(spec: object): KubeObject {
  return { metadata: { name: 'p', namespace: 'default' }, spec };
}

describe('podRequests', () => {
  it('sums app containers', () => {
    const r = podRequests(pod({ containers: [container('a', { cpu: '0.5', memory: '1Gi' }), container('b', { cpu: '250m', memory: '512Mi' })] }));
    assert.equal(r.cpu, 750);
    assert.equal(r.memory, 1.5 * Gi);
  });

  it('takes the largest init container when it exceeds the app containers', () => {
    const r = podRequests(pod({
      initContainers: [container('i1', { cpu: '2' }), container('i2', { cpu: '500m', memory: '4Gi' })],
      containers: [container('a', { cpu: '1', memory: '1Gi' })],
    }));
    assert.equal(r.cpu, 2000);
    assert.equal(r.memory, 4 * Gi);
  });

  it('adds sidecars to the app containers and to init containers started after them', () => {
    const r = podRequests(pod({
      initContainers: [
        container('sidecar', { cpu: '200m', memory: '100Mi' }, undefined, { restartPolicy: 'Always' }),
        container('migrate', { cpu: '1', memory: '50Mi' }),
      ],
      containers: [container('a', { cpu: '300m', memory: '200Mi' })],
    }));
    // app + sidecar = 500m / 300Mi; migrate runs next to the sidecar: 1200m / 150Mi
    assert.equal(r.cpu, 1200);
    assert.equal(r.memory, 300 * Mi);
  });

  it('does not add a sidecar to init containers that ran before it', () => {
    const r = podRequests(pod({
      initContainers: [container('first', { cpu: '1' }), container('sidecar', { cpu: '600m' }, undefined, { restartPolicy: 'Always' })],
      containers: [container('a', { cpu: '100m' })],
    }));
    assert.equal(r.cpu, 1000);
  });

  it('uses limits where requests are missing, adds overhead, honours pod-level requests', () => {
    assert.equal(podRequests(pod({ containers: [container('a', undefined, { cpu: '1', memory: '1Gi' })] })).cpu, 1000);
    const r = podRequests(pod({ containers: [container('a', { cpu: '1' })], overhead: { cpu: '250m', memory: '120Mi' } }));
    assert.equal(r.cpu, 1250);
    assert.equal(r.memory, 120 * Mi);
    const level = podRequests(pod({ resources: { requests: { cpu: '3' } }, containers: [container('a', { cpu: '1', memory: '1Gi' })] }));
    assert.equal(level.cpu, 3000);
    assert.equal(level.memory, Gi);
  });

  it('counts extended resources and ephemeral storage', () => {
    const r = podRequests(pod({ containers: [container('a', { 'nvidia.com/gpu': '2', 'ephemeral-storage': '1Gi' }, { 'nvidia.com/gpu': '2' })] }));
    assert.equal(r.scalar['nvidia.com/gpu'], 2);
    assert.equal(r.ephemeralStorage, Gi);
    assert.equal(requestsNothing(r), false);
    assert.equal(requestsNothing(podRequests(pod({ containers: [container('a')] }))), true);
  });

  it('substitutes defaults for scoring when nothing is requested', () => {
    const r = podRequests(pod({ containers: [container('a'), container('b', { cpu: '0' })] }), { nonZero: true });
    assert.equal(r.cpu, DEFAULT_MILLI_CPU_REQUEST);
    assert.equal(r.memory, 2 * DEFAULT_MEMORY_REQUEST);
  });
});

describe('qosClass', () => {
  it('classifies pods', () => {
    assert.equal(qosClass(pod({ containers: [container('a')] })), 'BestEffort');
    assert.equal(qosClass(pod({ containers: [container('a', { cpu: '1' })] })), 'Burstable');
    assert.equal(qosClass(pod({ containers: [container('a', undefined, { cpu: '1', memory: '1Gi' })] })), 'Guaranteed');
    assert.equal(qosClass(pod({ containers: [container('a', { cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] })), 'Burstable');
  });
});
