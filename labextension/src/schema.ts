/**
 * Small runtime checks that give a typed value or throw a ProtocolError naming the path
 * of the offending field. protocol.ts composes them into the message and trait schema.
 *
 * Objects accept extra keys: within protocol version 1 the kernel may add optional fields,
 * and an older front end must keep working.
 */

export class ProtocolError extends Error {
  name = 'ProtocolError';
}

export interface Check<T> {
  (value: unknown, path?: string): T;
  optional?: boolean;
}

interface OptionalCheck<T> extends Check<T | undefined> {
  optional: true;
}

export type Infer<C> = C extends Check<infer T> ? T : never;

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalCheck<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
};

function fail(path: string, expected: string, value: unknown): never {
  const shown = JSON.stringify(value);
  const text = shown === undefined ? String(value) : shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
  throw new ProtocolError(`${path || 'message'}: expected ${expected}, got ${text}`);
}

export const str: Check<string> = (value, path = '') =>
  typeof value === 'string' ? value : fail(path, 'a string', value);

export const num: Check<number> = (value, path = '') =>
  typeof value === 'number' && Number.isFinite(value) ? value : fail(path, 'a finite number', value);

export const int: Check<number> = (value, path = '') =>
  Number.isInteger(value) ? (value as number) : fail(path, 'an integer', value);

export const bool: Check<boolean> = (value, path = '') =>
  typeof value === 'boolean' ? value : fail(path, 'true or false', value);

export const unknownValue: Check<unknown> = value => value;

export function literal<T extends string>(...values: T[]): Check<T> {
  return (value, path = '') =>
    values.includes(value as T) ? (value as T) : fail(path, `one of ${values.map(v => `"${v}"`).join(', ')}`, value);
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, path = '') => (value === null ? null : check(value, path));
}

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  const wrapped = ((value: unknown, path = '') =>
    value === undefined ? undefined : check(value, path)) as OptionalCheck<T>;
  wrapped.optional = true;
  return wrapped;
}

export function array<T>(check: Check<T>): Check<T[]> {
  return (value, path = '') => {
    if (!Array.isArray(value)) {
      fail(path, 'a list', value);
    }
    return value.map((item, i) => check(item, `${path}[${i}]`));
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record<T>(check: Check<T>): Check<Record<string, T>> {
  return (value, path = '') => {
    if (!isPlainObject(value)) {
      fail(path, 'an object', value);
    }
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = check(item, `${path}.${key}`);
    }
    return out;
  };
}

export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (value, path = '') => {
    if (!isPlainObject(value)) {
      fail(path, 'an object', value);
    }
    for (const [key, check] of Object.entries(shape)) {
      if (!(key in value) && !check.optional) {
        throw new ProtocolError(`${path ? `${path}.` : ''}${key}: missing`);
      }
      check(value[key], path ? `${path}.${key}` : key);
    }
    return value as ObjectOf<S>;
  };
}
