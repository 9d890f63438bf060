import { describe, expect, it } from 'vitest';
import { formatArgument, parseArgument } from '../src/graph/arguments';
import type { ArgumentSpec } from '../src/protocol';

const spec = (type: ArgumentSpec['type'], extra: Partial<ArgumentSpec> = {}): ArgumentSpec => ({
  name: 'arg',
  type,
  required: false,
  nullable: false,
  ...extra
});

describe('parseArgument', () => {
  it('parses integers and floats', () => {
    expect(parseArgument(spec('int'), ' 32 ')).toEqual({ ok: true, value: 32 });
    expect(parseArgument(spec('int'), '3.5')).toMatchObject({ ok: false, error: 'arg must be an integer, got "3.5"' });
    expect(parseArgument(spec('float'), '1e-3')).toEqual({ ok: true, value: 0.001 });
    expect(parseArgument(spec('float'), 'fast')).toMatchObject({ ok: false });
  });

  it('refuses numbers outside the declared range, ends included or not', () => {
    const units = spec('int', { minimum: 1 });
    expect(parseArgument(units, '1')).toEqual({ ok: true, value: 1 });
    expect(parseArgument(units, '0')).toMatchObject({ ok: false, error: 'arg must be in [1, inf), got 0' });
    const rate = spec('float', { minimum: 0, exclusive_maximum: 1 });
    expect(parseArgument(rate, '0')).toEqual({ ok: true, value: 0 });
    expect(parseArgument(rate, '0.99')).toEqual({ ok: true, value: 0.99 });
    expect(parseArgument(rate, '1')).toMatchObject({ ok: false, error: 'arg must be in [0, 1), got 1' });
    const epsilon = spec('float', { exclusive_minimum: 0 });
    expect(parseArgument(epsilon, '0')).toMatchObject({ ok: false, error: 'arg must be in (0, inf), got 0' });
    expect(parseArgument(epsilon, '1e-9')).toEqual({ ok: true, value: 1e-9 });
  });

  it('maps empty text to None only where None is allowed', () => {
    expect(parseArgument(spec('int', { nullable: true }), '')).toEqual({ ok: true, value: null });
    expect(parseArgument(spec('int', { nullable: true }), 'None')).toEqual({ ok: true, value: null });
    expect(parseArgument(spec('int'), '')).toMatchObject({ ok: false, error: 'arg needs a value' });
  });

  it('parses booleans and choices', () => {
    expect(parseArgument(spec('bool'), false)).toEqual({ ok: true, value: false });
    expect(parseArgument(spec('choice', { choices: ['relu', 'tanh'] }), 'tanh')).toEqual({ ok: true, value: 'tanh' });
    expect(parseArgument(spec('choice', { choices: ['relu', 'tanh'] }), 'swish')).toMatchObject({
      ok: false,
      error: 'arg must be one of relu, tanh'
    });
  });

  it('parses shapes and lists in Python or plain notation', () => {
    expect(parseArgument(spec('shape'), '(28, 28, 1)')).toEqual({ ok: true, value: [28, 28, 1] });
    expect(parseArgument(spec('shape'), '[None, 16]')).toEqual({ ok: true, value: [null, 16] });
    expect(parseArgument(spec('shape'), '28,')).toEqual({ ok: true, value: [28] });
    expect(parseArgument(spec('int_list'), '-1, 4')).toEqual({ ok: true, value: [-1, 4] });
    expect(parseArgument(spec('int_list'), '4, x')).toMatchObject({ ok: false, error: 'arg: "x" is not an integer' });
    expect(parseArgument(spec('int_list', { length: 2 }), '1, 2, 3')).toMatchObject({
      ok: false,
      error: 'arg takes 2 integers, got 3'
    });
  });

  it('parses an int or a list of ints (kernel sizes)', () => {
    expect(parseArgument(spec('int_or_int_list'), '3')).toEqual({ ok: true, value: 3 });
    expect(parseArgument(spec('int_or_int_list'), '3, 5')).toEqual({ ok: true, value: [3, 5] });
  });
});

describe('formatArgument', () => {
  it('writes what parseArgument reads', () => {
    expect(formatArgument(null)).toBe('');
    expect(formatArgument([null, 28, 1])).toBe('None, 28, 1');
    expect(formatArgument(0.5)).toBe('0.5');
    expect(parseArgument(spec('shape'), formatArgument([null, 28, 1]))).toEqual({ ok: true, value: [null, 28, 1] });
  });
});
