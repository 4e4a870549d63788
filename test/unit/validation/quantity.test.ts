import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  parseQuantity,
  quantityFromMilli,
  quantityMilliValue,
  quantityValue,
  QuantityError,
} from '../../../src/api/quantity.ts';

test('parses decimal, binary and exponent quantities to exact values', () => {
  assert.equal(quantityMilliValue(parseQuantity('100m')), 100);
  assert.equal(quantityValue(parseQuantity('1.5Gi')), 1610612736);
  assert.equal(quantityValue(parseQuantity('2e3')), 2000);
  assert.equal(quantityValue(parseQuantity('1k')), 1000);
  assert.equal(quantityValue(parseQuantity('500Mi')), 500 * 1024 * 1024);
  assert.equal(quantityMilliValue(parseQuantity('0.5')), 500);
  assert.equal(quantityMilliValue(parseQuantity(2)), 2000);
  assert.equal(quantityValue(parseQuantity('-1')), -1);
  assert.equal(parseQuantity('1n').nanos, 1n);
});

test('values finer than a nano-unit round up, and Value() rounds up to whole units', () => {
  assert.equal(parseQuantity('0.0000000001').nanos, 1n);
  assert.equal(quantityValue(parseQuantity('100m')), 1);
  assert.equal(quantityValue(parseQuantity('0.1Ki')), 103);
});

test('canonical formatting keeps the notation and the largest exact suffix', () => {
  const cases: Array<[string, string]> = [
    ['100m', '100m'],
    ['0.1', '100m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1.5k', '1500'],
    ['1000m', '1'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1024', '1024'],
    ['1024Ki', '1Mi'],
    ['0.1Ki', '102400m'],
    ['2e3', '2e3'],
    ['1e-3', '1e-3'],
    ['0', '0'],
    ['-2Gi', '-2Gi'],
  ];
  for (const [input, want] of cases) assert.equal(formatQuantity(parseQuantity(input)), want, input);
  assert.equal(canonicalQuantity('not a quantity'), 'not a quantity');
  assert.equal(formatQuantity(quantityFromMilli(250)), '250m');
});

test('comparison is exact across notations', () => {
  assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1073741824')), 0);
  assert.equal(compareQuantities(parseQuantity('1G'), parseQuantity('1Gi')), -1);
  assert.equal(compareQuantities(parseQuantity('1500m'), parseQuantity('1.4')), 1);
});

test('errors name the value and give upstream reasons', () => {
  assert.throws(() => parseQuantity('abc'), (e: unknown) => {
    assert.ok(e instanceof QuantityError);
    assert.match(e.message, /^quantity "abc": quantities must match the regular expression/);
    return true;
  });
  assert.throws(() => parseQuantity('1.2.3'), /quantity "1\.2\.3": unable to parse numeric part of quantity/);
  assert.throws(() => parseQuantity('1e'), /quantity "1e": unable to parse quantity's suffix/);
  assert.throws(() => parseQuantity(''), QuantityError);
  assert.throws(() => parseQuantity('5 Mi'), QuantityError);
});
