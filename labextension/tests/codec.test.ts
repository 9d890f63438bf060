import { describe, expect, it } from 'vitest';
import { bytesOf, CodecError, decodeArray, encodeArray, ndarray } from '../src/codec';
import { eventFixture } from './fixtures';

describe('decodeArray', () => {
  const values = new Float32Array([1, 2.5, -3, 4, 5, 6]);

  it('reads an ArrayBuffer, a DataView and a typed array alike', () => {
    for (const buffer of [values.buffer, new DataView(values.buffer), new Uint8Array(values.buffer)]) {
      const array = decodeArray({ dtype: 'float32', shape: [2, 3] }, buffer);
      expect(array.shape).toEqual([2, 3]);
      expect(Array.from(array.data)).toEqual([1, 2.5, -3, 4, 5, 6]);
    }
  });

  it('shares memory when aligned, copies when not', () => {
    const shared = decodeArray({ dtype: 'float32', shape: [6] }, new DataView(values.buffer));
    expect(shared.data.buffer).toBe(values.buffer);

    const padded = new Uint8Array(1 + values.byteLength);
    padded.set(new Uint8Array(values.buffer), 1);
    const misaligned = decodeArray({ dtype: 'float32', shape: [6] }, new DataView(padded.buffer, 1, values.byteLength));
    expect(Array.from(misaligned.data)).toEqual(Array.from(values));
    expect(misaligned.data.buffer).not.toBe(padded.buffer);
  });

  it('reads float64 and int32', () => {
    expect(
      Array.from(decodeArray({ dtype: 'float64', shape: [2] }, new Float64Array([0.1, 1e300]).buffer).data)
    ).toEqual([0.1, 1e300]);
    expect(Array.from(decodeArray({ dtype: 'int32', shape: [3] }, new Int32Array([-1, 0, 7]).buffer).data)).toEqual([
      -1, 0, 7
    ]);
  });

  it('treats an empty shape as a scalar and a zero axis as empty', () => {
    expect(decodeArray({ dtype: 'float32', shape: [] }, new Float32Array([9]).buffer).data[0]).toBe(9);
    expect(decodeArray({ dtype: 'float32', shape: [0, 4] }, new ArrayBuffer(0)).data.length).toBe(0);
  });

  it('refuses a buffer of the wrong size, an unknown dtype or a bad shape', () => {
    expect(() => decodeArray({ dtype: 'float32', shape: [7] }, values.buffer)).toThrow(
      /needs 28 bytes, the buffer has 24/
    );
    expect(() => decodeArray({ dtype: 'float16' as any, shape: [1] }, values.buffer)).toThrow(CodecError);
    expect(() => decodeArray({ dtype: 'float32', shape: [-6] }, values.buffer)).toThrow(/non-negative/);
  });

  it('decodes what the kernel encodes (fixture written by workbench.codec)', () => {
    const { message, buffers } = eventFixture('curve_delta');
    const loss = message.series[0];
    const steps = decodeArray(loss.steps, buffers[loss.steps.buffer]);
    const lossValues = decodeArray(loss.values, buffers[loss.values.buffer]);
    expect(steps.data).toBeInstanceOf(Float64Array);
    expect(Array.from(steps.data)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(lossValues.data)).toEqual([1, 0.5, 1 / 3, 0.25, 0.2].map(Math.fround));
  });
});

describe('encodeArray', () => {
  it('round-trips through decodeArray', () => {
    const array = ndarray(new Int32Array([1, 2, 3, 4]), [2, 2]);
    const { header, buffer } = encodeArray(array);
    expect(header).toEqual({ dtype: 'int32', shape: [2, 2] });
    expect(Array.from(decodeArray(header, buffer).data)).toEqual([1, 2, 3, 4]);
  });

  it('sends only the window of a view on a bigger buffer', () => {
    const big = new Float32Array([0, 1, 2, 3, 4, 5]);
    const { buffer } = encodeArray(ndarray(big.subarray(2, 4)));
    expect(buffer.byteLength).toBe(8);
    expect(Array.from(new Float32Array(buffer))).toEqual([2, 3]);
  });

  it('refuses values that do not fill the shape', () => {
    expect(() => encodeArray({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(/do not fill/);
  });
});

describe('helpers', () => {
  it('bytesOf keeps the offset of a view', () => {
    const bytes = bytesOf(new DataView(new ArrayBuffer(10), 2, 4));
    expect([bytes.byteOffset, bytes.byteLength]).toEqual([2, 4]);
  });
});
