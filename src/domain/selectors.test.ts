import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVERYTHING,
  NOTHING,
  SelectorError,
  escapeFieldValue,
  fieldSelectorKeys,
  isEverything,
  labelSelectorFromSet,
  labelSelectorFromSpec,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorToString,
  type LabelSelector,
} from './selectors.ts';

function requirements(selector: LabelSelector) {
  assert.equal(selector.kind, 'requirements');
  return selector.kind === 'requirements' ? selector.requirements : [];
}

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    assert.ok(err instanceof SelectorError, `expected SelectorError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseLabelSelector', () => {
  it('parses every operator', () => {
    assert.deepEqual(requirements(parseLabelSelector('a=1,b==2,c!=3,d in (x,y),e notin (z),f,!g,h>5,i<6')), [
      { key: 'a', operator: '=', values: ['1'] },
      { key: 'b', operator: '==', values: ['2'] },
      { key: 'c', operator: '!=', values: ['3'] },
      { key: 'd', operator: 'in', values: ['x', 'y'] },
      { key: 'e', operator: 'notin', values: ['z'] },
      { key: 'f', operator: 'exists', values: [] },
      { key: 'g', operator: '!', values: [] },
      { key: 'h', operator: 'gt', values: ['5'] },
      { key: 'i', operator: 'lt', values: ['6'] },
    ]);
  });

  it('treats an empty or blank string as everything', () => {
    for (const text of ['', '   ', '\t\n']) {
      const selector = parseLabelSelector(text);
      assert.ok(isEverything(selector));
      assert.equal(matchesLabels(selector, undefined), true);
      assert.equal(selectorToString(selector), '');
    }
  });

  it('tolerates whitespace around tokens', () => {
    assert.equal(selectorToString(parseLabelSelector('  env  =  prod ,  tier in ( a , b ) , ! legacy ')), 'env=prod,!legacy,tier in (a,b)');
  });

  it('sorts requirements by key and values within sets', () => {
    assert.equal(selectorToString(parseLabelSelector('z=1,a in (c,b,a,b)')), 'a in (a,b,c),z=1');
  });

  it('accepts empty values', () => {
    assert.deepEqual(requirements(parseLabelSelector('a=')), [{ key: 'a', operator: '=', values: [''] }]);
    assert.deepEqual(requirements(parseLabelSelector('a=,b!=')), [
      { key: 'a', operator: '=', values: [''] },
      { key: 'b', operator: '!=', values: [''] },
    ]);
    assert.deepEqual(requirements(parseLabelSelector('a in ()')), [{ key: 'a', operator: 'in', values: [''] }]);
    assert.deepEqual(requirements(parseLabelSelector('x in (foo,,baz)'))[0].values, ['', 'baz', 'foo']);
    assert.deepEqual(requirements(parseLabelSelector('x in (,foo)'))[0].values, ['', 'foo']);
    assert.deepEqual(requirements(parseLabelSelector('x in (foo,)'))[0].values, ['', 'foo']);
  });

  it('reads keywords as identifiers where values are expected', () => {
    assert.deepEqual(requirements(parseLabelSelector('x in (in,notin)'))[0].values, ['in', 'notin']);
    assert.deepEqual(requirements(parseLabelSelector('in=notin')), [{ key: 'in', operator: '=', values: ['notin'] }]);
  });

  it('accepts prefixed keys', () => {
    assert.deepEqual(requirements(parseLabelSelector('app.kubernetes.io/name=web')), [
      { key: 'app.kubernetes.io/name', operator: '=', values: ['web'] },
    ]);
  });

  it('rejects bad syntax with upstream messages', () => {
    assert.equal(parseError('a b'), 'unable to parse requirement: found \'b\', expected: in, notin, =, ==, !=, gt, lt');
    assert.equal(parseError('a=b,'), "found '', expected: identifier after ','");
    assert.equal(parseError(',a'), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
    assert.equal(parseError('!a=b'), "found '=', expected: ',' or 'end of string'");
    assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
    assert.equal(parseError('a in (=)'), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
    assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
    assert.equal(parseError('a===b'), "unable to parse requirement: found '=', expected: identifier");
    assert.equal(parseError('!!a'), "unable to parse requirement: found '!', expected: identifier");
    assert.equal(parseError('=a'), "found '=', expected: !, identifier, or 'end of string'");
  });

  it('validates keys', () => {
    assert.match(parseError('a_'), /^unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of alphanumeric characters/);
    assert.match(parseError('a/b/c=d'), /^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": a valid label key must consist/);
    assert.match(parseError(`${'k'.repeat(64)}=v`), /name part must be no more than 63 bytes/);
    assert.match(parseError('Bad.Prefix/a'), /prefix part a lowercase RFC 1123 subdomain/);
  });

  it('validates values', () => {
    assert.equal(
      parseError(`a=${'v'.repeat(64)}`),
      `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`,
    );
    assert.match(parseError('a in (ok,-bad)'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-bad": a valid label must be/);
    assert.equal(
      parseError('a>x'),
      "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
    assert.match(parseError('a<99999999999999999999'), /the value must be an integer/);
    // Upstream also applies label-value rules to Gt/Lt values, so negative bounds are rejected.
    assert.match(parseError('a<-1'), /values\[0\]\[a\]: Invalid value: "-1": a valid label must be/);
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'frontend', version: '10' };
  const cases: Array<[string, boolean]> = [
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['missing=', false],
    ['app in (api,web)', true],
    ['app in (api)', false],
    ['missing in (x)', false],
    ['app notin (api)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['version>9', true],
    ['version>10', false],
    ['version<11', true],
    ['version<0', false],
    ['app>1', false],
    ['missing<5', false],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['', true],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} -> ${expected}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(text), labels), expected);
    });
  }

  it('treats undefined labels as none', () => {
    assert.equal(matchesLabels(parseLabelSelector('a!=b,!c,d notin (e)'), undefined), true);
    assert.equal(matchesLabels(parseLabelSelector('a'), undefined), false);
  });

  it('matches an empty label value', () => {
    assert.equal(matchesLabels(parseLabelSelector('a='), { a: '' }), true);
    assert.equal(matchesLabels(parseLabelSelector('a in ()'), { a: '' }), true);
    assert.equal(matchesLabels(parseLabelSelector('a'), { a: '' }), true);
  });

  it('does not see inherited properties as labels', () => {
    assert.equal(matchesLabels(parseLabelSelector('toString'), {}), false);
    assert.equal(matchesLabels(parseLabelSelector('!constructor'), {}), true);
  });

  it('never matches with NOTHING and always with EVERYTHING', () => {
    assert.equal(matchesLabels(NOTHING, {}), false);
    assert.equal(matchesLabels(NOTHING, labels), false);
    assert.equal(matchesLabels(EVERYTHING, undefined), true);
  });
});

describe('labelSelectorFromSpec', () => {
  it('returns NOTHING for null and undefined', () => {
    assert.equal(labelSelectorFromSpec(null).kind, 'nothing');
    assert.equal(labelSelectorFromSpec(undefined).kind, 'nothing');
    assert.equal(matchesLabels(labelSelectorFromSpec(undefined), { app: 'web' }), false);
  });

  it('returns everything for an empty selector', () => {
    for (const spec of [{}, { matchLabels: {} }, { matchExpressions: [] }, { matchLabels: null, matchExpressions: null }]) {
      const selector = labelSelectorFromSpec(spec);
      assert.ok(isEverything(selector));
      assert.equal(matchesLabels(selector, {}), true);
    }
  });

  it('combines matchLabels and matchExpressions', () => {
    const selector = labelSelectorFromSpec({
      matchLabels: { tier: 'frontend', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    assert.equal(selectorToString(selector), 'app=web,env in (prod,staging),!legacy,owner,tier=frontend,track notin (canary)');
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'frontend', env: 'prod', owner: 'me' }), true);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'frontend', env: 'prod', owner: 'me', track: 'canary' }), false);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'frontend', env: 'dev', owner: 'me' }), false);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'frontend', env: 'prod', owner: 'me', legacy: 'y' }), false);
  });

  it('rejects unknown operators and invalid requirements', () => {
    assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
      name: 'SelectorError',
      message: '"Gt" is not a valid label selector operator',
    });
    assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
      message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    });
    assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), {
      message: 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    });
    assert.throws(() => labelSelectorFromSpec({ matchLabels: { 'bad key': 'v' } }), /^SelectorError: key: Invalid value: "bad key": name part/);
    assert.throws(() => labelSelectorFromSpec({ matchLabels: { k: 'bad value' } }), /values\[0\]\[k\]: Invalid value: "bad value"/);
  });

  it('aggregates several errors like upstream', () => {
    assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: '-a', operator: 'NotIn' }] }), (err: Error) => {
      assert.match(err.message, /^\[key: Invalid value: "-a": .*, values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty\]$/);
      return true;
    });
  });
});

describe('labelSelectorFromSet', () => {
  it('requires every label', () => {
    const selector = labelSelectorFromSet({ b: '2', a: '1' });
    assert.equal(selectorToString(selector), 'a=1,b=2');
    assert.equal(matchesLabels(selector, { a: '1', b: '2', c: '3' }), true);
    assert.equal(matchesLabels(selector, { a: '1' }), false);
    assert.ok(isEverything(labelSelectorFromSet({})));
  });
});

describe('selectorToString', () => {
  it('round-trips canonical label selectors', () => {
    for (const text of ['a=b', 'a==b', 'a!=b', 'a in (x,y)', 'a notin (x)', 'a', '!a', 'a>1', 'a<2', 'a=,b in ()']) {
      const once = selectorToString(parseLabelSelector(text));
      assert.equal(once, text);
      assert.equal(selectorToString(parseLabelSelector(once)), once);
    }
  });

  it('renders NOTHING as an empty string, like upstream', () => {
    assert.equal(selectorToString(NOTHING), '');
  });
});

describe('parseFieldSelector', () => {
  it('parses =, == and !=', () => {
    assert.deepEqual(parseFieldSelector('spec.nodeName=n1,status.phase!=Running,metadata.name==p').requirements, [
      { field: 'metadata.name', operator: '=', value: 'p' },
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
  });

  it('treats empty text and empty terms as everything', () => {
    assert.deepEqual(parseFieldSelector('').requirements, []);
    assert.deepEqual(parseFieldSelector(',,').requirements, []);
    assert.equal(matchesFields(parseFieldSelector(''), {}), true);
  });

  it('accepts empty values', () => {
    assert.deepEqual(parseFieldSelector('involvedObject.namespace=').requirements, [
      { field: 'involvedObject.namespace', operator: '=', value: '' },
    ]);
  });

  it('unescapes \\, \\= and \\\\ in values', () => {
    assert.deepEqual(parseFieldSelector('a=x\\,y\\=z\\\\,b=c').requirements, [
      { field: 'a', operator: '=', value: 'x,y=z\\' },
      { field: 'b', operator: '=', value: 'c' },
    ]);
  });

  it('splits at the first operator and keeps whitespace', () => {
    assert.deepEqual(parseFieldSelector('a!=b').requirements, [{ field: 'a', operator: '!=', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('a=!b').requirements, [{ field: 'a', operator: '=', value: '!b' }]);
    assert.deepEqual(parseFieldSelector(' a = b').requirements, [{ field: ' a ', operator: '=', value: ' b' }]);
    assert.deepEqual(parseFieldSelector('=b').requirements, [{ field: '', operator: '=', value: 'b' }]);
  });

  it('rejects bad terms and escapes', () => {
    assert.throws(() => parseFieldSelector('a'), { name: 'SelectorError', message: "invalid selector: 'a'; can't understand 'a'" });
    assert.throws(() => parseFieldSelector('a=b,c'), { message: "invalid selector: 'a=b,c'; can't understand 'c'" });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: =' });
    assert.throws(() => parseFieldSelector('a==b=c'), { message: 'invalid field selector: unescaped character in value: =' });
    assert.throws(() => parseFieldSelector('a=\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
    assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
  });
});

describe('matchesFields', () => {
  const fields = { 'metadata.name': 'p1', 'spec.nodeName': 'n1', 'status.phase': 'Running', 'spec.schedulerName': undefined };
  it('matches equality and inequality', () => {
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName=n1'), fields), true);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName=n2'), fields), false);
    assert.equal(matchesFields(parseFieldSelector('status.phase!=Succeeded,status.phase!=Failed'), fields), true);
    assert.equal(matchesFields(parseFieldSelector('status.phase!=Running'), fields), false);
  });
  it('treats missing and undefined fields as empty', () => {
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), {}), true);
    assert.equal(matchesFields(parseFieldSelector('spec.schedulerName='), fields), true);
    assert.equal(matchesFields(parseFieldSelector('spec.schedulerName!='), fields), false);
    assert.equal(matchesFields(parseFieldSelector('missing!=x'), fields), true);
    assert.equal(matchesFields(parseFieldSelector('toString='), {}), true);
  });
  it('matches escaped values', () => {
    assert.equal(matchesFields(parseFieldSelector('a=x\\,y'), { a: 'x,y' }), true);
  });
});

describe('fieldSelectorKeys', () => {
  it('lists distinct fields', () => {
    assert.deepEqual(fieldSelectorKeys(parseFieldSelector('status.phase!=A,spec.nodeName=n,status.phase!=B')), ['spec.nodeName', 'status.phase']);
    assert.deepEqual(fieldSelectorKeys(parseFieldSelector('')), []);
  });
});

describe('field selector text', () => {
  it('is sorted, uses = for == and escapes values', () => {
    assert.equal(selectorToString(parseFieldSelector('b==x\\,y,a!=')), 'a!=,b=x\\,y');
    assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  });
  it('round-trips', () => {
    const text = 'a!=x\\=1,b=,c=\\\\';
    assert.equal(selectorToString(parseFieldSelector(text)), text);
  });
});
