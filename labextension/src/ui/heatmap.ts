/** Paints RGBA pixels into a canvas at their natural size; CSS scales it up, pixelated. */
export function paintPixels(canvas: HTMLCanvasElement, pixels: Uint8ClampedArray, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (context !== null && width > 0 && height > 0) {
    context.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  }
}
