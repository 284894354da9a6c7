import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjector, FaultSpecError, injectedError, parseDuration, parseFaultSpec, requestVerb } from './faults.ts';

describe('fault spec grammar', () => {
  it('parses the documented example', () => {
    const rules = parseFaultSpec('pods/eviction:create=429@0.1,*:*=latency:50ms,pods:watch=drop@0.2');
    assert.equal(rules.length, 3);
    assert.deepEqual({ ...rules[0], text: undefined }, { text: undefined, resource: 'pods', group: undefined, subresource: 'eviction', anyResource: false, verb: 'create', action: { kind: 'error', code: 429 }, rate: 0.1 });
    assert.deepEqual(rules[1].action, { kind: 'latency', minMs: 50, maxMs: 50 });
    assert.equal(rules[1].anyResource, true);
    assert.equal(rules[1].rate, 1);
    assert.deepEqual(rules[2].action, { kind: 'drop', withinMs: 0 });
    assert.equal(rules[2].rate, 0.2);
  });

  it('accepts groups, wildcard subresources, percentages, ranges and drop delays', () => {
    const [deploy, anySub, range, drop] = parseFaultSpec('deployments.apps:patch=409@25%, pods/*:get=500, *:list=latency:10ms-1s, *:watch=drop:5s@0.5');
    assert.equal(deploy.group, 'apps');
    assert.equal(deploy.rate, 0.25);
    assert.equal(anySub.subresource, '*');
    assert.deepEqual(range.action, { kind: 'latency', minMs: 10, maxMs: 1000 });
    assert.deepEqual(drop.action, { kind: 'drop', withinMs: 5000 });
  });

  it('rejects bad input with a message naming the problem', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['pods:get', /RESOURCE:VERB=ACTION/],
      ['pods=429', /needs RESOURCE:VERB/],
      ['pods:fetch=429', /verb "fetch"/],
      ['pods:get=200', /400 to 599/],
      ['pods:get=429@1.5', /rate "1.5"/],
      ['pods:get=429@', /rate ""/],
      ['pods:get=latency:fast', /not a duration/],
      ['pods:get=latency:2s-1s', /ends before/],
      ['pods:get=drop', /watch streams only/],
      ['pods:get=explode', /action "explode"/],
      ['Pods:get=429', /resource "Pods"/],
      ['pods:get=429,,', /empty rule/],
    ];
    for (const [spec, message] of bad) {
      assert.throws(() => parseFaultSpec(spec), (error: Error) => error instanceof FaultSpecError && message.test(error.message), spec);
    }
  });

  it('reads durations', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
  });
});

describe('fault injection', () => {
  const pods = { resource: 'pods', group: '' };

  it('matches resources like RBAC: a name alone is not its subresources, * is everything', () => {
    const injector = new FaultInjector('pods:create=500', () => 0);
    assert.equal(injector.decide({ ...pods, verb: 'create' })?.error?.code, 500);
    assert.equal(injector.decide({ ...pods, verb: 'create', subresource: 'eviction' }), undefined);
    assert.equal(injector.decide({ ...pods, verb: 'get' }), undefined);
    const any = new FaultInjector('*:*=503', () => 0);
    assert.equal(any.decide({ resource: 'deployments', group: 'apps', verb: 'patch', subresource: 'scale' })?.error?.code, 503);
    const grouped = new FaultInjector('deployments.apps:get=404', () => 0);
    assert.equal(grouped.decide({ resource: 'deployments', group: 'extensions', verb: 'get' }), undefined);
    assert.equal(grouped.decide({ resource: 'deployments', group: 'apps', verb: 'get' })?.error?.code, 404);
  });

  it('rolls each rule at its rate and counts what it matched and injected', () => {
    const rolls = [0.05, 0.5, 0.09, 0.95];
    const injector = new FaultInjector('pods/eviction:create=429@0.1', () => rolls.shift() ?? 1);
    const outcomes = [0, 1, 2, 3].map(() => injector.decide({ ...pods, verb: 'create', subresource: 'eviction' }, 'web-1')?.error?.code);
    assert.deepEqual(outcomes, [429, undefined, 429, undefined]);
    assert.deepEqual(injector.report(), { spec: 'pods/eviction:create=429@0.1', rules: [{ rule: 'pods/eviction:create=429@0.1', matched: 4, injected: 2 }], injected: 2 });
  });

  it('adds up latencies, keeps the first error, and drops only watches', () => {
    const injector = new FaultInjector('*:*=latency:20ms,pods:*=latency:30ms,pods:get=500,pods:get=503,*:watch=drop:1s', () => 0.5);
    const get = injector.decide({ ...pods, verb: 'get' })!;
    assert.equal(get.delayMs, 50);
    assert.equal(get.error?.code, 500);
    assert.equal(get.dropAfterMs, undefined);
    const watch = injector.decide({ ...pods, verb: 'watch' })!;
    assert.equal(watch.dropAfterMs, 500);
    assert.equal(watch.error, undefined);
  });

  it('answers as a real server: a Status with the reason, and Retry-After for 429', () => {
    const status = injectedError(429, { ...pods, verb: 'create', subresource: 'eviction' }, 'web-1').toStatus() as any;
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Failure');
    assert.equal(status.code, 429);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.details.retryAfterSeconds, 1);
    assert.equal(status.details.name, 'web-1');
    assert.equal((injectedError(503, { ...pods, verb: 'list' }).toStatus() as any).reason, 'ServiceUnavailable');
    assert.equal((injectedError(504, { ...pods, verb: 'list' }).toStatus() as any).reason, 'Timeout');
  });

  it('can be reconfigured and switched off', () => {
    const injector = new FaultInjector('', () => 0);
    assert.equal(injector.active, false);
    injector.configure('pods:list=500');
    assert.equal(injector.decide({ ...pods, verb: 'list' })?.error?.code, 500);
    injector.configure('');
    assert.equal(injector.active, false);
    assert.equal(injector.report().injected, 0);
  });

  it('names verbs as RBAC does', () => {
    assert.equal(requestVerb('GET', true, false), 'get');
    assert.equal(requestVerb('GET', false, false), 'list');
    assert.equal(requestVerb('GET', false, true), 'watch');
    assert.equal(requestVerb('DELETE', false, false), 'deletecollection');
    assert.equal(requestVerb('OPTIONS', false, false), undefined);
  });
});
