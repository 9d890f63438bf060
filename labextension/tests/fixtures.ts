/** Reads the fixtures tests/fixtures/generate.py writes from the kernel side's own code. */
import { readFileSync, existsSync } from 'node:fs';

const dir = new URL('./fixtures/', import.meta.url);

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;
}

/** An event fixture and its buffers (name.0.bin, name.1.bin, …) as DataViews, as Jupyter hands them over. */
export function eventFixture(name: string): { message: any; buffers: DataView[] } {
  const buffers: DataView[] = [];
  for (let i = 0; existsSync(new URL(`${name}.${i}.bin`, dir)); i++) {
    const bytes = readFileSync(new URL(`${name}.${i}.bin`, dir));
    buffers.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { message: fixture(`${name}.json`), buffers };
}
