/**
 * A layer argument's value <-> the text in its form field, by the palette's argument type.
 * Parsing refuses what is not of the type; values of the right type that the layer then
 * rejects are the kernel's business (it shows them as the node's error).
 */
import type { ArgumentSpec } from '../protocol';

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const INTEGER = /^[+-]?\d+$/;

function parseInteger(text: string): number | null {
  return INTEGER.test(text) ? Number.parseInt(text, 10) : null;
}

/** "28, 28, 1", "(28, 28, 1)" or "[28, 28, 1]" -> its items; "None" items become null. */
function parseList(text: string, allowNone: boolean): (number | null)[] | string {
  const inner = text
    .replace(/^[([]\s*/, '')
    .replace(/\s*[)\]]$/, '')
    .trim();
  if (inner === '') {
    return [];
  }
  const items = inner
    .split(',')
    .map(item => item.trim())
    .filter((item, i, all) => item !== '' || i < all.length - 1);
  const values: (number | null)[] = [];
  for (const item of items) {
    if (allowNone && (item === 'None' || item === 'null')) {
      values.push(null);
      continue;
    }
    const value = parseInteger(item);
    if (value === null) {
      return `"${item}" is not an integer`;
    }
    values.push(value);
  }
  return values;
}

/** A number outside the argument's declared range is refused with the range it must be in. */
function checkRange(spec: ArgumentSpec, value: number): Parsed {
  const low = spec.minimum ?? spec.exclusive_minimum;
  const high = spec.maximum ?? spec.exclusive_maximum;
  const aboveLow =
    spec.minimum !== undefined
      ? value >= spec.minimum
      : spec.exclusive_minimum === undefined || value > spec.exclusive_minimum;
  const belowHigh =
    spec.maximum !== undefined
      ? value <= spec.maximum
      : spec.exclusive_maximum === undefined || value < spec.exclusive_maximum;
  if (aboveLow && belowHigh) {
    return { ok: true, value };
  }
  const range =
    `${spec.minimum !== undefined ? '[' : '('}${low ?? '-inf'}, ` +
    `${high ?? 'inf'}${spec.maximum !== undefined ? ']' : ')'}`;
  return { ok: false, error: `${spec.name} must be in ${range}, got ${value}` };
}

function checkLength(spec: ArgumentSpec, values: unknown[]): Parsed {
  if (spec.length !== undefined && values.length !== spec.length) {
    return { ok: false, error: `${spec.name} takes ${spec.length} integers, got ${values.length}` };
  }
  return { ok: true, value: values };
}

export function parseArgument(spec: ArgumentSpec, input: string | boolean): Parsed {
  if (spec.type === 'bool') {
    return typeof input === 'boolean'
      ? { ok: true, value: input }
      : { ok: false, error: `${spec.name} is true or false` };
  }
  const text = String(input).trim();
  if (text === '' || text === 'None') {
    return spec.nullable ? { ok: true, value: null } : { ok: false, error: `${spec.name} needs a value` };
  }
  switch (spec.type) {
    case 'int': {
      const value = parseInteger(text);
      return value === null
        ? { ok: false, error: `${spec.name} must be an integer, got "${text}"` }
        : checkRange(spec, value);
    }
    case 'float': {
      const value = Number(text);
      return Number.isFinite(value)
        ? checkRange(spec, value)
        : { ok: false, error: `${spec.name} must be a number, got "${text}"` };
    }
    case 'string':
      return { ok: true, value: text };
    case 'choice':
      return spec.choices === undefined || spec.choices.includes(text)
        ? { ok: true, value: text }
        : { ok: false, error: `${spec.name} must be one of ${spec.choices.join(', ')}` };
    case 'shape':
    case 'int_list': {
      const values = parseList(text, spec.type === 'shape');
      return typeof values === 'string' ? { ok: false, error: `${spec.name}: ${values}` } : checkLength(spec, values);
    }
    case 'int_or_int_list': {
      const single = parseInteger(text);
      if (single !== null) {
        return { ok: true, value: single };
      }
      const values = parseList(text, false);
      return typeof values === 'string' ? { ok: false, error: `${spec.name}: ${values}` } : checkLength(spec, values);
    }
  }
}

/** The text a field shows for a value (empty for null). */
export function formatArgument(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(item => (item === null ? 'None' : String(item))).join(', ');
  }
  return String(value);
}
