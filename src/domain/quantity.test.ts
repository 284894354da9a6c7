import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  QuantityError,
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  isQuantity,
  milliValue,
  parseQuantity,
  quantityFromMilli,
  subtractQuantities,
  value,
} from './quantity.ts';

describe('parseQuantity', () => {
  it('reads cpu in milli-units', () => {
    assert.equal(milliValue(parseQuantity('100m')), 100);
    assert.equal(milliValue(parseQuantity('0.5')), 500);
    assert.equal(milliValue(parseQuantity('1.5')), 1500);
    assert.equal(milliValue(parseQuantity('2')), 2000);
    assert.equal(milliValue(parseQuantity(2)), 2000);
    assert.equal(milliValue(parseQuantity('.25')), 250);
  });

  it('reads memory in bytes with binary and decimal suffixes', () => {
    assert.equal(value(parseQuantity('1Gi')), 1024 ** 3);
    assert.equal(value(parseQuantity('2Gi')), 2 * 1024 ** 3);
    assert.equal(value(parseQuantity('1.5Gi')), 1.5 * 1024 ** 3);
    assert.equal(value(parseQuantity('500M')), 500_000_000);
    assert.equal(value(parseQuantity('128974848')), 128974848);
    assert.equal(value(parseQuantity('129e6')), 129_000_000);
    assert.equal(value(parseQuantity('1e3')), 1000);
    assert.equal(value(parseQuantity('1E')), 10 ** 18);
    assert.equal(value(parseQuantity('4k')), 4000);
    assert.equal(value(parseQuantity('64Ki')), 65536);
  });

  it('rounds up what it cannot hold, as MilliValue and Value do', () => {
    assert.equal(milliValue(parseQuantity('1u')), 1);
    assert.equal(milliValue(parseQuantity('0.0001')), 1);
    assert.equal(value(parseQuantity('100m')), 1);
    assert.equal(value(parseQuantity('1n')), 1);
    assert.equal(milliValue(parseQuantity('1n')), 1);
  });

  it('rejects what the API server rejects', () => {
    for (const bad of ['', 'abc', '1Gb', '1.2.3', '--1', '1 Gi', ' 1', 'Gi', '.', '1ki', '1e']) {
      assert.throws(() => parseQuantity(bad), QuantityError, bad);
      assert.equal(isQuantity(bad), false);
    }
    assert.match(String((() => { try { parseQuantity('x'); } catch (e) { return (e as Error).message; } })()), /quantities must match the regular expression/);
  });

  it('handles signs', () => {
    assert.equal(milliValue(parseQuantity('-100m')), -100);
    assert.equal(milliValue(parseQuantity('+1')), 1000);
  });
});

describe('formatQuantity', () => {
  it('writes canonical text', () => {
    assert.equal(canonicalQuantity('0.5'), '500m');
    assert.equal(canonicalQuantity('1.5'), '1500m');
    assert.equal(canonicalQuantity('1000m'), '1');
    assert.equal(canonicalQuantity('1.5Gi'), '1536Mi');
    assert.equal(canonicalQuantity('1024Mi'), '1Gi');
    assert.equal(canonicalQuantity('1Gi'), '1Gi');
    assert.equal(canonicalQuantity('500M'), '500M');
    assert.equal(canonicalQuantity('1000k'), '1M');
    assert.equal(canonicalQuantity('1200'), '1200');
    assert.equal(canonicalQuantity('12000'), '12k');
    assert.equal(canonicalQuantity('1e3'), '1e3');
    assert.equal(canonicalQuantity('100Ki'), '100Ki');
    assert.equal(canonicalQuantity('512'), '512');
    assert.equal(canonicalQuantity('0'), '0');
    assert.equal(canonicalQuantity('-1.5'), '-1500m');
    assert.equal(canonicalQuantity('1n'), '1n');
  });

  it('falls back to decimal for binary values that are not whole multiples of 1024', () => {
    assert.equal(canonicalQuantity('0.5Ki'), '512');
    assert.equal(canonicalQuantity('1.1Ki'), '1126400m');
  });
});

describe('arithmetic', () => {
  it('compares, adds and subtracts exactly', () => {
    assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi')), 0);
    assert.equal(compareQuantities(parseQuantity('1G'), parseQuantity('1Gi')), -1);
    assert.equal(compareQuantities(parseQuantity('2'), parseQuantity('1500m')), 1);
    assert.equal(formatQuantity(addQuantities(parseQuantity('1Gi'), parseQuantity('512Mi'))), '1536Mi');
    assert.equal(formatQuantity(subtractQuantities(parseQuantity('1'), parseQuantity('250m'))), '750m');
    assert.equal(formatQuantity(addQuantities(parseQuantity('0.1'), parseQuantity('0.2'))), '300m');
    assert.equal(formatQuantity(quantityFromMilli(2500)), '2500m');
  });
});
