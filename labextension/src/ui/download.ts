/** Saves bytes from the kernel as a file, the way a browser download does. */
import { h } from './dom';

export function saveFile(filename: string, mime: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download asynchronously: free the bytes once it has them.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
