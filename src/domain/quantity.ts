// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5", "2Gi", "500M", "1e3".
// Values are kept exactly, in nano-units as a bigint, the finest precision upstream keeps (anything finer
// rounds up). Schedulers compare cpu in milli-units and everything else in whole units, both rounded up,
// as Quantity.MilliValue() and Quantity.Value() do.

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** the exact value times 10^9 */
  readonly nano: bigint;
  /** how the value was written; decides the suffix family of its canonical text */
  readonly format: QuantityFormat;
}

const NANO = 1_000_000_000n;

const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// upstream's error text for anything its parser rejects
const SHAPE_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** numerator/denominator rounded away from zero, as upstream rounds values it cannot hold exactly */
function divideUp(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  if (quotient * denominator === numerator) return quotient;
  return numerator < 0n ? quotient - 1n : quotient + 1n;
}

const parsed = new Map<string, Quantity>();

/** Parses a quantity; throws QuantityError for text the API server would reject. Numbers are accepted as JSON gives them. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? String(input) : input;
  const cached = parsed.get(text);
  if (cached) return cached;
  const quantity = parseUncached(text);
  // pods repeat the same few quantities; the cache stays small in practice and is cut if it grows
  if (parsed.size > 10_000) parsed.clear();
  parsed.set(text, quantity);
  return quantity;
}

function parseUncached(text: string): Quantity {
  const match = NUMBER.exec(text.trim() === text ? text : '');
  if (!match) throw new QuantityError(SHAPE_ERROR);
  const [, sign, whole, fraction = '', suffix] = match;
  if (whole === '' && fraction === '') throw new QuantityError(SHAPE_ERROR);
  let binaryShift = 0;
  let exponent = 0;
  let format: QuantityFormat;
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) {
    binaryShift = BINARY_SUFFIXES[suffix];
    format = 'BinarySI';
  } else if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) {
    exponent = DECIMAL_SUFFIXES[suffix];
    format = 'DecimalSI';
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    exponent = Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    throw new QuantityError(SHAPE_ERROR);
  }
  // digits as an integer scaled by 10^-fraction.length, then by the suffix, into nano-units
  let digits = BigInt((whole || '0') + fraction);
  if (sign === '-') digits = -digits;
  let nano: bigint;
  const scale = exponent + 9 - fraction.length;
  if (binaryShift > 0) {
    const value = digits * (1n << BigInt(binaryShift)) * NANO;
    nano = divideUp(value, pow10(fraction.length));
  } else if (scale >= 0) {
    nano = digits * pow10(scale);
  } else {
    nano = divideUp(digits, pow10(-scale));
  }
  return { nano, format };
}

/** True when the text parses as a quantity. */
export function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** The value in milli-units, rounded up (Quantity.MilliValue): what schedulers use for cpu. */
export function milliValue(quantity: Quantity): number {
  return Number(divideUp(quantity.nano, 1_000_000n));
}

/** The value in whole units, rounded up (Quantity.Value): bytes for memory and storage, counts for the rest. */
export function value(quantity: Quantity): number {
  return Number(divideUp(quantity.nano, NANO));
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.format };
}

export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano - b.nano, format: a.format };
}

export function quantityFromMilli(milli: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nano: BigInt(Math.round(milli)) * 1_000_000n, format };
}

export function quantityFromValue(units: number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nano: BigInt(Math.round(units)) * NANO, format };
}

/**
 * The canonical text upstream serializes a quantity as: binary suffixes when the value is a whole multiple
 * of 1024 (else decimal), otherwise the largest decimal suffix (or exponent) that keeps an integer mantissa.
 */
export function formatQuantity(quantity: Quantity): string {
  const { nano, format } = quantity;
  if (nano === 0n) return '0';
  const sign = nano < 0n ? '-' : '';
  const magnitude = nano < 0n ? -nano : nano;
  if (format === 'BinarySI' && magnitude % NANO === 0n) {
    const units = magnitude / NANO;
    if (units >= 1024n) {
      let suffix = '';
      let mantissa = units;
      for (const [name, shift] of Object.entries(BINARY_SUFFIXES)) {
        const unit = 1n << BigInt(shift);
        if (units % unit === 0n) {
          suffix = name;
          mantissa = units / unit;
        }
      }
      if (suffix) return `${sign}${mantissa}${suffix}`;
    }
  }
  // the largest power of 1000 (from nano up to exa) that divides the value
  let exponent = -9;
  let mantissa = magnitude;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exponent}`;
  const suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)![0];
  return `${sign}${mantissa}${suffix}`;
}

/** Re-serializes a quantity's text in canonical form ("1.5Gi" -> "1536Mi", "0.5" -> "500m"). */
export function canonicalQuantity(text: string | number): string {
  return formatQuantity(parseQuantity(text));
}
