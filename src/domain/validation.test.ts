import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  formatFieldError,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  labelKeyErrors,
  labelValueErrors,
  nameRuleFor,
  pathSegmentNameErrors,
  utf8Length,
  validateAnnotations,
  validateLabels,
  validateObjectName,
} from './validation.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('utf8Length', () => {
  it('counts bytes like Go len()', () => {
    assert.equal(utf8Length(''), 0);
    assert.equal(utf8Length('abc'), 3);
    assert.equal(utf8Length('é'), 2);
    assert.equal(utf8Length('€'), 3);
    assert.equal(utf8Length('😀'), 4);
  });
});

describe('isDns1123Subdomain', () => {
  it('accepts valid subdomains', () => {
    for (const name of ['a', '0', 'abc', 'a-b', 'a.b', 'example.com', 'my-app.v1.example', '1-2-3', 'a'.repeat(253), 'a.'.repeat(126) + 'a']) {
      assert.equal(isDns1123Subdomain(name), true, name);
    }
  });
  it('rejects invalid subdomains', () => {
    for (const name of ['', 'A', 'a_b', '-a', 'a-', '.a', 'a.', 'a..b', 'a.-b', 'a b', 'a/b', 'é', 'a'.repeat(254), 'a\n']) {
      assert.equal(isDns1123Subdomain(name), false, JSON.stringify(name));
    }
  });
  it('explains failures with upstream messages', () => {
    assert.deepEqual(dns1123SubdomainErrors('Foo'), [SUBDOMAIN_MSG]);
    assert.deepEqual(dns1123SubdomainErrors('a'.repeat(254)), ['must be no more than 253 bytes']);
    assert.deepEqual(dns1123SubdomainErrors('A'.repeat(254)), ['must be no more than 253 bytes', SUBDOMAIN_MSG]);
    assert.deepEqual(dns1123SubdomainErrors('ok.example'), []);
  });
});

describe('isDns1123Label', () => {
  it('accepts labels up to 63 characters', () => {
    for (const name of ['a', '1', 'abc-123', '123-abc', 'a'.repeat(63)]) assert.equal(isDns1123Label(name), true, name);
  });
  it('rejects dots, capitals, edges and length', () => {
    for (const name of ['', 'a.b', 'A', '-a', 'a-', 'a_b', 'a'.repeat(64)]) assert.equal(isDns1123Label(name), false, name);
  });
  it('says "must not contain dots" for an otherwise valid subdomain', () => {
    assert.deepEqual(dns1123LabelErrors('a.b'), ['must not contain dots']);
    assert.deepEqual(dns1123LabelErrors('A.b'), [LABEL_MSG]);
    assert.deepEqual(dns1123LabelErrors('a'.repeat(64)), ['must be no more than 63 bytes']);
  });
});

describe('isDns1035Label', () => {
  it('requires a leading letter', () => {
    assert.equal(isDns1035Label('abc-123'), true);
    assert.equal(isDns1035Label('1abc'), false);
    assert.deepEqual(dns1035LabelErrors('1abc'), [DNS1035_MSG]);
  });
});

describe('labelKeyErrors', () => {
  it('accepts names and prefixed names', () => {
    for (const key of ['a', 'A', 'app', 'My_Key.1', 'app.kubernetes.io/name', 'example.com/MyName', 'k8s.io/x', 'a'.repeat(63), `${'a'.repeat(253)}/b`]) {
      assert.deepEqual(labelKeyErrors(key), [], key);
    }
  });
  it('rejects bad names', () => {
    assert.match(labelKeyErrors('-a')[0], /^name part must consist of alphanumeric characters/);
    assert.match(labelKeyErrors('a_')[0], /^name part must consist/);
    assert.deepEqual(labelKeyErrors(''), [
      'name part must be non-empty',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    assert.deepEqual(labelKeyErrors('a'.repeat(64)), ['name part must be no more than 63 bytes']);
  });
  it('rejects bad prefixes', () => {
    assert.deepEqual(labelKeyErrors('/a'), ['prefix part must be non-empty']);
    assert.deepEqual(labelKeyErrors('Example.com/a'), [`prefix part ${SUBDOMAIN_MSG}`]);
    assert.equal(labelKeyErrors(`${'a'.repeat(254)}/b`)[0], 'prefix part must be no more than 253 bytes');
    assert.deepEqual(labelKeyErrors('a.com/'), [
      'name part must be non-empty',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
  });
  it('rejects more than one slash with a single message', () => {
    const errs = labelKeyErrors('a/b/c');
    assert.equal(errs.length, 1);
    assert.match(errs[0], /^a valid label key must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });
});

describe('labelValueErrors', () => {
  it('accepts empty and valid values', () => {
    for (const value of ['', 'a', 'A-b_c.d', '123', 'x'.repeat(63)]) assert.deepEqual(labelValueErrors(value), [], value);
  });
  it('rejects invalid values', () => {
    assert.deepEqual(labelValueErrors('x'.repeat(64)), ['must be no more than 63 bytes']);
    assert.deepEqual(labelValueErrors('-a'), [
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
    assert.equal(labelValueErrors('a b').length, 1);
    assert.equal(labelValueErrors('a/b').length, 1);
  });
});

describe('pathSegmentNameErrors', () => {
  it('allows anything a URL segment can carry', () => {
    assert.deepEqual(pathSegmentNameErrors('system:controller:node-controller'), []);
    assert.deepEqual(pathSegmentNameErrors('Admin'), []);
  });
  it('rejects . .. / and %', () => {
    assert.deepEqual(pathSegmentNameErrors('.'), ["may not be '.'"]);
    assert.deepEqual(pathSegmentNameErrors('..'), ["may not be '..'"]);
    assert.deepEqual(pathSegmentNameErrors('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  });
});

describe('nameRuleFor', () => {
  it('maps resources, kinds and short names', () => {
    assert.equal(nameRuleFor('namespaces'), 'dns1123-label');
    assert.equal(nameRuleFor('Namespace'), 'dns1123-label');
    assert.equal(nameRuleFor('ns'), 'dns1123-label');
    assert.equal(nameRuleFor('services'), 'dns1035-label');
    assert.equal(nameRuleFor('svc', { relaxedServiceNames: true }), 'dns1123-label');
    assert.equal(nameRuleFor('statefulsets.apps'), 'dns1123-label');
    assert.equal(nameRuleFor('clusterroles.rbac.authorization.k8s.io'), 'path-segment');
    assert.equal(nameRuleFor('pods'), 'dns1123-subdomain');
    assert.equal(nameRuleFor('widgets.example.com'), 'dns1123-subdomain');
  });
});

describe('validateObjectName', () => {
  it('accepts valid names', () => {
    assert.deepEqual(validateObjectName('pods', 'web-0.example'), []);
    assert.deepEqual(validateObjectName('namespaces', 'kube-system'), []);
    assert.deepEqual(validateObjectName('services', 'my-svc'), []);
    assert.deepEqual(validateObjectName('clusterroles', 'system:aggregate-to-view'), []);
  });
  it('uses subdomain rules for most resources', () => {
    assert.deepEqual(validateObjectName('pods', 'Web'), [SUBDOMAIN_MSG]);
    assert.deepEqual(validateObjectName('nodes', 'node_1'), [SUBDOMAIN_MSG]);
    assert.deepEqual(validateObjectName('configmaps', 'a.b'), []);
  });
  it('uses label rules for namespaces and statefulsets', () => {
    assert.deepEqual(validateObjectName('namespaces', 'a.b'), ['must not contain dots']);
    assert.deepEqual(validateObjectName('namespace', 'Prod'), [LABEL_MSG]);
    assert.deepEqual(validateObjectName('statefulsets', 'db.primary'), ['must not contain dots']);
  });
  it('uses DNS-1035 for services unless relaxed', () => {
    assert.deepEqual(validateObjectName('services', '1st'), [DNS1035_MSG]);
    assert.deepEqual(validateObjectName('services', '1st', { relaxedServiceNames: true }), []);
    assert.deepEqual(validateObjectName('services', 'a.b', { relaxedServiceNames: true }), ['must not contain dots']);
  });
  it('uses path-segment rules for RBAC', () => {
    assert.deepEqual(validateObjectName('roles', 'a/b'), ["may not contain '/'"]);
  });
  it('limits cronjob names to 52 characters', () => {
    assert.deepEqual(validateObjectName('cronjobs', 'a'.repeat(52)), []);
    assert.deepEqual(validateObjectName('cronjobs.batch', 'a'.repeat(53)), ['must be no more than 52 characters']);
  });
  it('requires a name', () => {
    assert.deepEqual(validateObjectName('pods', ''), ['name or generateName is required']);
  });
  it('allows a trailing dash in a generateName prefix', () => {
    assert.deepEqual(validateObjectName('pods', 'web-', { prefix: true }), []);
    assert.deepEqual(validateObjectName('pods', 'web-'), [SUBDOMAIN_MSG]);
    assert.deepEqual(validateObjectName('pods', 'Web-', { prefix: true }), [SUBDOMAIN_MSG]);
    assert.deepEqual(validateObjectName('pods', '', { prefix: true }), []);
  });
});

describe('validateLabels', () => {
  it('accepts valid labels and nothing', () => {
    assert.deepEqual(validateLabels({ app: 'web', 'app.kubernetes.io/name': 'x', empty: '' }), []);
    assert.deepEqual(validateLabels(undefined), []);
    assert.deepEqual(validateLabels(null), []);
  });
  it('reports keys and values as field errors', () => {
    const errs = validateLabels({ 'bad key': 'ok', good: 'bad value' });
    assert.equal(errs.length, 2);
    assert.equal(errs[0].field, 'metadata.labels');
    assert.equal(errs[0].reason, 'FieldValueInvalid');
    assert.match(errs[0].message, /^Invalid value: "bad key": name part must consist of/);
    assert.match(errs[1].message, /^Invalid value: "bad value": a valid label must be an empty string/);
    assert.match(formatFieldError(errs[1]), /^metadata\.labels: Invalid value: "bad value": /);
  });
  it('reports long values and accepts a custom field path', () => {
    const errs = validateLabels({ a: 'x'.repeat(64) }, 'spec.template.metadata.labels');
    assert.deepEqual(errs, [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: "${'x'.repeat(64)}": must be no more than 63 bytes`,
        reason: 'FieldValueInvalid',
      },
    ]);
  });
  it('rejects non-string values', () => {
    const errs = validateLabels({ a: 1 as unknown as string });
    assert.equal(errs.length, 1);
    assert.match(errs[0].message, /label values must be strings/);
  });
});

describe('validateAnnotations', () => {
  it('accepts any value and case-insensitive keys', () => {
    assert.deepEqual(validateAnnotations({ 'Example.COM/Note': 'any text, even spaces & symbols', a: '' }), []);
  });
  it('rejects invalid keys', () => {
    const errs = validateAnnotations({ 'a b': 'x' });
    assert.equal(errs.length, 1);
    assert.match(errs[0].message, /^Invalid value: "a b": name part must consist/);
    assert.equal(errs[0].field, 'metadata.annotations');
  });
  it('limits the total size to 256 KiB', () => {
    const limit = 256 * 1024;
    assert.deepEqual(validateAnnotations({ a: 'x'.repeat(limit - 1) }), []);
    const errs = validateAnnotations({ a: 'x'.repeat(limit - 1), b: '' });
    assert.deepEqual(errs, [
      { field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes', reason: 'FieldValueTooLong' },
    ]);
    assert.equal(validateAnnotations({ a: 'é'.repeat(limit / 2) }).length, 1, 'counts UTF-8 bytes');
  });
});
