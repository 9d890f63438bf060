/**
 * Binary buffers <-> typed arrays: the only place in the front end that does it.
 *
 * An array travels as a JSON header `{dtype, shape}` next to one raw buffer in the
 * message's buffer list (the kernel side writes NumPy's C-order bytes, little-endian).
 * Jupyter hands buffers over as DataView, ArrayBuffer or a typed array depending on the
 * transport, so everything goes through `bytesOf` first.
 */

export type DType = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32';

export type TypedArray =
  Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export type BufferLike = ArrayBuffer | ArrayBufferView;

export interface ArrayHeader {
  dtype: DType;
  shape: number[];
}

export interface NDArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray;
  new (length: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

const CONSTRUCTORS: Record<DType, TypedArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array
};

export class CodecError extends Error {
  name = 'CodecError';
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CONSTRUCTORS, value);
}

/** The bytes of any buffer Jupyter may hand us, without copying. */
export function bytesOf(buffer: BufferLike): Uint8Array {
  if (buffer instanceof ArrayBuffer) {
    return new Uint8Array(buffer);
  }
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
  }
  throw new CodecError(`expected an ArrayBuffer or a view of one, got ${typeof buffer}`);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((size, n) => size * n, 1);
}

/**
 * A typed array over `buffer` with the header's dtype and shape. It shares memory with the
 * buffer when the offset is aligned for the dtype, and copies otherwise (a Float32Array
 * cannot start at an odd byte).
 */
export function decodeArray(header: ArrayHeader, buffer: BufferLike): NDArray {
  if (!isDType(header.dtype)) {
    throw new CodecError(`unknown dtype ${JSON.stringify(header.dtype)}`);
  }
  if (!Array.isArray(header.shape) || !header.shape.every(n => Number.isInteger(n) && n >= 0)) {
    throw new CodecError(`shape must be a list of non-negative integers, got ${JSON.stringify(header.shape)}`);
  }
  const Constructor = CONSTRUCTORS[header.dtype];
  const bytes = bytesOf(buffer);
  const length = sizeOf(header.shape);
  const expected = length * Constructor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== expected) {
    throw new CodecError(
      `a ${header.dtype} array of shape [${header.shape}] needs ${expected} bytes, the buffer has ${bytes.byteLength}`
    );
  }
  const aligned = bytes.byteOffset % Constructor.BYTES_PER_ELEMENT === 0;
  const data = aligned
    ? new Constructor(bytes.buffer as ArrayBuffer, bytes.byteOffset, length)
    : new Constructor(bytes.slice().buffer, 0, length);
  return { dtype: header.dtype, shape: [...header.shape], data };
}

/** The header and the bytes (a tight copy when the array is a window on a bigger buffer). */
export function encodeArray(array: NDArray): { header: ArrayHeader; buffer: ArrayBuffer } {
  if (array.data.length !== sizeOf(array.shape)) {
    throw new CodecError(`${array.data.length} values do not fill shape [${array.shape}]`);
  }
  const { buffer, byteOffset, byteLength } = array.data;
  const tight = byteOffset === 0 && byteLength === buffer.byteLength;
  return {
    header: { dtype: array.dtype, shape: [...array.shape] },
    buffer: tight ? (buffer as ArrayBuffer) : (buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer)
  };
}

/** Wraps a typed array as an NDArray, inferring the dtype from its type. */
export function ndarray(data: TypedArray, shape: number[] = [data.length]): NDArray {
  const dtype = (Object.keys(CONSTRUCTORS) as DType[]).find(name => data instanceof CONSTRUCTORS[name]);
  if (dtype === undefined) {
    throw new CodecError('unsupported typed array');
  }
  return { dtype, shape, data };
}
