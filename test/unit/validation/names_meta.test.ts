import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../src/api/validation/meta.ts';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSLabel,
  regexError,
} from '../../../src/api/validation/names.ts';

test('DNS-1123 subdomain message is upstream\'s', () => {
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
});

test('DNS labels (1123 and 1035) and their examples', () => {
  assert.deepEqual(isDNS1123Label('123-abc'), []);
  assert.equal(
    isDNS1123Label('a.b')[0],
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  );
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(isDNS1035Label('abc-123'), []);
  assert.match(isDNS1035Label('1abc')[0], /^a DNS-1035 label must consist of .* start with an alphabetic character/);
  assert.equal(regexError('m', 'x'), "m (regex used for validation is 'x')");
});

test('qualified names, label values, ports, env names, config keys, IPs', () => {
  assert.deepEqual(isQualifiedName('example.com/MyName'), []);
  assert.deepEqual(isQualifiedName('app'), []);
  assert.match(isQualifiedName('-bad')[0], /^name part must consist of alphanumeric characters/);
  assert.match(isQualifiedName('Bad.Prefix/x')[0], /^prefix part a lowercase RFC 1123 subdomain/);
  assert.match(isQualifiedName('a/b/c')[0], /with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.match(isValidLabelValue('-x')[0], /^a valid label must be an empty string/);
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('123'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
  assert.deepEqual(isValidPortName('abcdefghijklmnop'), ['must be no more than 15 characters']);
  assert.deepEqual(isEnvVarName('MY_VAR.1'), []);
  assert.equal(isEnvVarName('A=B').length, 1);
  assert.deepEqual(isConfigMapKey('key.name'), []);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.equal(isConfigMapKey('a/b').length, 1);
  assert.deepEqual(isValidIP('10.0.0.1'), []);
  assert.deepEqual(isValidIP('2001:db8::1'), []);
  assert.equal(isValidIP('10.0.0.256').length, 1);
  assert.equal(isValidIP('::1::2').length, 1);
});

test('generateName allows a trailing dash', () => {
  assert.deepEqual(nameIsDNSLabel('web-', true), []);
  assert.equal(nameIsDNSLabel('web-', false).length, 1);
});

test('object metadata: name, namespace, labels, annotations', () => {
  const msgs = (o: any, namespaced = true) => validateObjectMeta(o, { namespaced }).map(fieldErrorMessage);
  assert.deepEqual(msgs({ metadata: { name: 'ok', namespace: 'default' } }), []);
  assert.deepEqual(msgs({ metadata: { namespace: 'default' } }), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(msgs({ metadata: { generateName: 'web-', namespace: 'default' } }), []);
  assert.deepEqual(msgs({ metadata: { name: 'x' } }), ['metadata.namespace: Required value']);
  assert.deepEqual(msgs({ metadata: { name: 'x', namespace: 'ns' } }, false), ['metadata.namespace: Forbidden: not allowed on this type']);
  const labels = msgs({ metadata: { name: 'x', namespace: 'd', labels: { 'bad key!': 'v', ok: '-bad' } } });
  assert.equal(labels.length, 2);
  assert.match(labels[0], /^metadata\.labels: Invalid value: "bad key!": name part must consist/);
  assert.match(labels[1], /^metadata\.labels\[ok\]: Invalid value: "-bad": a valid label must be/);
  const big = msgs({ metadata: { name: 'x', namespace: 'd', annotations: { a: 'x'.repeat(256 * 1024) } } });
  assert.deepEqual(big, ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  assert.deepEqual(msgs({ metadata: { name: 'x', namespace: 'd', finalizers: ['custom'] } }), [
    'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
  const nsName = validateObjectMeta({ metadata: { name: 'a.b' } }, { namespaced: false, nameValidator: nameIsDNSLabel });
  assert.equal(nsName[0].field, 'metadata.name');
});

test('metadata update: identity fields are immutable', () => {
  const old = { metadata: { name: 'x', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' } };
  assert.deepEqual(validateObjectMetaUpdate(structuredClone(old), old), []);
  const errs = validateObjectMetaUpdate({ metadata: { ...old.metadata, uid: 'u2' } }, old).map(fieldErrorMessage);
  assert.deepEqual(errs, ['metadata.uid: Invalid value: "u2": field is immutable']);
});
