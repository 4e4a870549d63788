import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenFile } from '../../../src/apiserver/auth/tokenfile.ts';

test('parses tokens with quoted group lists, optional groups and blank lines', () => {
  const tokens = parseTokenFile('t1,alice,1,"a,b"\n\n t2, bob, 2\r\nt3,carol,3,single\n', 'x.csv');
  assert.deepEqual(tokens.get('t1'), { name: 'alice', uid: '1', groups: ['a', 'b'] });
  assert.deepEqual(tokens.get('t2'), { name: 'bob', uid: '2', groups: [] });
  assert.deepEqual(tokens.get('t3'), { name: 'carol', uid: '3', groups: ['single'] });
  assert.equal(tokens.size, 3);
});

test('quoted fields may hold commas and doubled quotes', () => {
  const tokens = parseTokenFile('"tok,en","user ""x""",7\n');
  assert.deepEqual(tokens.get('tok,en'), { name: 'user "x"', uid: '7', groups: [] });
});

test('rows with an empty token are skipped; a later duplicate wins', () => {
  const tokens = parseTokenFile(',nobody,0\nt,first,1\nt,second,2\n');
  assert.equal(tokens.size, 1);
  assert.equal(tokens.get('t')?.name, 'second');
});

test('errors name the file and the line', () => {
  assert.throws(() => parseTokenFile('a,b,c\n\nshort,row\n', '/etc/tokens.csv'), {
    message: "token file '/etc/tokens.csv' line 3: must have at least 3 columns (token, user name, user uid), found 2",
  });
  assert.throws(() => parseTokenFile('a,"unterminated,c\n', 'f'), /token file 'f' line 1: extraneous or missing " in quoted-field/);
  assert.throws(() => parseTokenFile('a,b"c,d\n', 'f'), /line 1: bare " in non-quoted-field/);
});
