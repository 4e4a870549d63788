// Query parameters as upstream's url.Values conversions and option validation read them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../../../src/api/errors.ts';
import { boolParam, intParam, logQueryString, parseBool, parseInt64, parseListQuery, parseLogQuery } from '../../../src/api/queryparams.ts';

const q = (s: string) => new URLSearchParams(s);

function statusOf(f: () => unknown): StatusError {
  try {
    f();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

describe('booleans', () => {
  it('are false only for 0 and false in any case', () => {
    for (const v of ['0', 'false', 'False', 'FALSE', 'fAlSe']) assert.equal(parseBool(v), false, v);
    for (const v of ['1', 'true', 'True', 'TRUE', 'yes', 'on', '']) assert.equal(parseBool(v), true, v);
  });
  it('read the first value, undefined when absent', () => {
    assert.equal(boolParam(q('watch=True&watch=false'), 'watch'), true);
    assert.equal(boolParam(q('watch'), 'watch'), true);
    assert.equal(boolParam(q(''), 'watch'), undefined);
  });
});

describe('integers', () => {
  it('parse as strconv.ParseInt(s, 10, 64)', () => {
    assert.equal(parseInt64('500'), 500);
    assert.equal(parseInt64('+5'), 5);
    assert.equal(parseInt64('-5'), -5);
    assert.equal(parseInt64('1.0'), 'strconv.ParseInt: parsing "1.0": invalid syntax');
    assert.equal(parseInt64(' 1'), 'strconv.ParseInt: parsing " 1": invalid syntax');
    assert.equal(parseInt64('0x10'), 'strconv.ParseInt: parsing "0x10": invalid syntax');
    assert.equal(parseInt64('9223372036854775808'), 'strconv.ParseInt: parsing "9223372036854775808": value out of range');
  });
  it('are a 400 naming the parameter when bad, absent when empty', () => {
    const e = statusOf(() => intParam(q('limit=abc'), 'limit'));
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, 'invalid value for query parameter limit: strconv.ParseInt: parsing "abc": invalid syntax');
    assert.equal(intParam(q('limit='), 'limit'), undefined);
    assert.equal(intParam(q('timeoutSeconds=30'), 'timeoutSeconds'), 30);
  });
});

describe('list and watch options', () => {
  it('read the Python client\'s capitalized booleans', () => {
    const o = parseListQuery(q('watch=True&allowWatchBookmarks=True&timeoutSeconds=5'), true);
    assert.equal(o.watch, true);
    assert.equal(o.allowWatchBookmarks, true);
    assert.equal(o.timeoutSeconds, 5);
    assert.equal(o.sendInitialEvents, undefined);
  });
  it('accept a streaming list: sendInitialEvents with NotOlderThan', () => {
    const o = parseListQuery(q('watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion='), true);
    assert.equal(o.sendInitialEvents, true);
    assert.equal(o.resourceVersionMatch, 'NotOlderThan');
  });
  const invalid = (query: string, watch: boolean) => {
    const e = statusOf(() => parseListQuery(q(query), watch));
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.details?.kind, 'ListOptions');
    assert.equal(e.details?.group, 'meta.k8s.io');
    return e.message;
  };
  it('refuse upstream\'s invalid combinations for watches', () => {
    assert.equal(invalid('sendInitialEvents=true', true), 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    assert.equal(invalid('resourceVersionMatch=NotOlderThan', true), 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    assert.match(invalid('sendInitialEvents=false&resourceVersionMatch=Exact', true), /resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"/);
  });
  it('refuse upstream\'s invalid combinations for lists', () => {
    assert.match(invalid('resourceVersionMatch=Exact', false), /resourceVersionMatch is forbidden unless resourceVersion is provided/);
    assert.match(invalid('resourceVersionMatch=Exact&resourceVersion=0', false), /resourceVersionMatch "exact" is forbidden for resourceVersion "0"/);
    assert.match(invalid('resourceVersionMatch=NotOlderThan&resourceVersion=5&continue=abc', false), /resourceVersionMatch is forbidden when continue is provided/);
    assert.match(invalid('resourceVersionMatch=Newest&resourceVersion=5', false), /Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""/);
    assert.match(invalid('sendInitialEvents=true', false), /sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list/);
    assert.equal(parseListQuery(q('resourceVersionMatch=Exact&resourceVersion=7'), false).resourceVersionMatch, 'Exact');
  });
});

describe('log options', () => {
  it('read capitalized booleans and integers', () => {
    const o = parseLogQuery(q('follow=True&previous=True&timestamps=True&tailLines=10&container=c'), 'p');
    assert.deepEqual({ ...o }, { container: 'c', follow: true, previous: true, timestamps: true, tailLines: 10, limitBytes: undefined, sinceSeconds: undefined, sinceTime: undefined });
    assert.equal(logQueryString(o).toString(), 'follow=true&previous=true&timestamps=true&tailLines=10');
  });
  it('validate as ValidatePodLogOptions', () => {
    const e = statusOf(() => parseLogQuery(q('tailLines=-1&limitBytes=0'), 'p'));
    assert.equal(e.code, 422);
    assert.equal(e.message, 'PodLogOptions "p" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]');
    assert.match(statusOf(() => parseLogQuery(q('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 'p')).message, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
    assert.match(statusOf(() => parseLogQuery(q('sinceSeconds=0'), 'p')).message, /sinceSeconds: Invalid value: 0: must be greater than 0/);
    assert.equal(statusOf(() => parseLogQuery(q('sinceTime=yesterday'), 'p')).code, 400);
    assert.equal(parseLogQuery(q('sinceTime=2026-01-01T00:00:00Z'), 'p').sinceTime?.toISOString(), '2026-01-01T00:00:00.000Z');
  });
});
