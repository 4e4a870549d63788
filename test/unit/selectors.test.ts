import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isEmpty,
  labelSelectorString,
  matchLabels,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from '../../src/api/selectors/labels.ts';
import {
  fieldLabelNotSupported,
  fieldSelectorString,
  fieldsUsed,
  matchFields,
  parseFieldSelector,
  requiredValue,
} from '../../src/api/selectors/fields.ts';
import { isStatusError } from '../../src/api/errors.ts';

const matches = (s: string, labels?: Record<string, string>) => matchLabels(parseLabelSelector(s), labels);

test('label selectors: equality', () => {
  assert.ok(matches('app=web', { app: 'web', tier: 'x' }));
  assert.ok(matches('app==web', { app: 'web' }));
  assert.ok(!matches('app=web', { app: 'db' }));
  assert.ok(!matches('app=web', {}));
  assert.ok(matches('app!=web', { app: 'db' }));
  assert.ok(matches('app!=web', {}), '!= matches a missing label');
  assert.ok(matches('app=web,tier=front', { app: 'web', tier: 'front' }));
  assert.ok(!matches('app=web,tier=front', { app: 'web' }));
  assert.ok(matches('app=', { app: '' }), 'an empty value is a value');
});

test('label selectors: set-based requirements', () => {
  assert.ok(matches('env in (prod, staging)', { env: 'staging' }));
  assert.ok(!matches('env in (prod,staging)', { env: 'dev' }));
  assert.ok(!matches('env in (prod)', {}));
  assert.ok(matches('env notin (prod)', { env: 'dev' }));
  assert.ok(matches('env notin (prod)', {}));
  assert.ok(matches('env', { env: '' }));
  assert.ok(!matches('env', {}));
  assert.ok(matches('!env', { other: 'x' }));
  assert.ok(!matches('!env', { env: 'x' }));
  assert.ok(matches('x in (in,notin),  y', { x: 'notin', y: 'a' }), "'in' and 'notin' are values inside a set");
  assert.ok(matches('x in (a,,b)', { x: '' }) && matches('x in ()', { x: '' }));
  assert.ok(matches('n>3,n<10', { n: '5' }) && !matches('n>3', { n: '3' }) && !matches('n>3', { n: 'x' }));
});

test('label selectors: empty selects everything; string form is sorted and canonical', () => {
  const empty = parseLabelSelector('');
  assert.ok(isEmpty(empty) && matchLabels(empty, undefined));
  assert.equal(labelSelectorString(parseLabelSelector('z in (b,a), !y, a==1, b')), 'a==1,b,!y,z in (a,b)');
});

test('label selectors: invalid input gives upstream messages as 400', () => {
  const fails = (s: string, message: string | RegExp) =>
    assert.throws(() => parseLabelSelector(s), (e) => {
      assert.ok(isStatusError(e, 'BadRequest'));
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  fails('app=web tier=x', "found 'tier', expected: ',' or 'end of string'");
  fails('app=web,', "found '', expected: identifier after ','");
  fails(',', "found ',', expected: !, identifier, or 'end of string'");
  fails('env in prod', "unable to parse requirement: found 'prod' expected: '('");
  fails('env in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'");
  fails('a=(', "unable to parse requirement: found '(', expected: identifier");
  fails('a (b)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
  fails('a>b', /^unable to parse requirement: values\[0\]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer$/);
  fails(
    'k@y=v',
    `unable to parse requirement: <nil>: Invalid value: "k@y": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  );
  fails(
    'app=we$b',
    `unable to parse requirement: values[0][app]: Invalid value: "we$b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  );
  fails('Example.com/app=x', /prefix part a lowercase RFC 1123 subdomain/);
  fails('a/b/c', /a qualified name must consist of/);
  fails(`app=${'x'.repeat(64)}`, /must be no more than 63 characters/);
});

test('label selectors from metav1.LabelSelector and from a set', () => {
  const sel = selectorFromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'env', operator: 'In', values: ['prod', 'staging'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'tier', operator: 'Exists' },
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
    ],
  });
  assert.ok(matchLabels(sel, { app: 'web', env: 'prod', tier: 'x' }));
  assert.ok(!matchLabels(sel, { app: 'web', env: 'prod', tier: 'x', canary: 'y' }));
  assert.ok(!matchLabels(sel, { app: 'web', env: 'prod', tier: 'x', zone: 'z1' }));
  assert.ok(!matchLabels(sel, { app: 'web', env: 'prod' }));

  const everything = selectorFromLabelSelector({});
  assert.ok(isEmpty(everything) && matchLabels(everything, {}));
  const nothing = selectorFromLabelSelector(null);
  assert.ok(!isEmpty(nothing) && !matchLabels(nothing, {}));

  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), (e) => isStatusError(e, 'BadRequest') && e.message === '"Foo" is not a valid label selector operator');
  assert.throws(
    () => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    (e) => isStatusError(e, 'BadRequest') && e.message === `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
  );

  const set = selectorFromSet({ b: '2', a: '1' });
  assert.equal(labelSelectorString(set), 'a=1,b=2');
  assert.ok(matchLabels(set, { a: '1', b: '2', c: '3' }) && !matchLabels(set, { a: '1' }));
  assert.ok(isEmpty(selectorFromSet(undefined)));
});

test('field selectors: =, ==, != and missing fields', () => {
  const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded');
  assert.ok(matchFields(sel, { 'spec.nodeName': 'n1', 'status.phase': 'Running' }));
  assert.ok(!matchFields(sel, { 'spec.nodeName': 'n1', 'status.phase': 'Succeeded' }));
  assert.ok(!matchFields(sel, { 'spec.nodeName': 'n2', 'status.phase': 'Running' }));
  assert.ok(matchFields(parseFieldSelector('spec.nodeName='), {}), 'a missing field reads as empty');
  assert.ok(matchFields(parseFieldSelector('metadata.name==x'), { 'metadata.name': 'x' }));
  assert.ok(matchFields(parseFieldSelector(''), {}));
  assert.equal(requiredValue(sel, 'spec.nodeName'), 'n1');
  assert.equal(requiredValue(sel, 'status.phase'), undefined, '!= requires no single value');
  assert.deepEqual(fieldsUsed(parseFieldSelector('a=1,b!=2,a!=3')).sort(), ['a', 'b']);
});

test('field selectors: the leftmost operator splits a term, and escapes', () => {
  assert.ok(matchFields(parseFieldSelector('metadata.name=!x'), { 'metadata.name': '!x' }));
  const escaped = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,spec.x=y');
  assert.ok(matchFields(escaped, { 'metadata.name': 'a,b=c\\d', 'spec.x': 'y' }));
  assert.equal(fieldSelectorString(escaped), 'metadata.name=a\\,b\\=c\\\\d,spec.x=y');
});

test('field selectors: invalid input is a 400 with upstream messages', () => {
  const fails = (s: string, message: string) => assert.throws(() => parseFieldSelector(s), (e) => isStatusError(e, 'BadRequest') && e.message === message);
  fails('status.phase', "invalid selector: 'status.phase'; can't understand 'status.phase'");
  fails('a=1,b', "invalid selector: 'a=1,b'; can't understand 'b'");
  fails('a!==b', 'invalid field selector: unescaped character in value: 61');
  fails('a=b\\x', 'invalid field selector: invalid escape sequence: \\x');
  fails('a=b\\', 'invalid field selector: invalid escape sequence: \\');
  assert.equal(fieldLabelNotSupported('spec.foo').message, 'field label not supported: spec.foo');
  assert.equal(fieldLabelNotSupported('spec.foo').code, 400);
});
