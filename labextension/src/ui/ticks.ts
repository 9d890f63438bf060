/** Where an axis puts its ticks and what they say: round numbers, 1, 2, 2.5 or 5 times a power of ten apart. No DOM. */

/**
 * About `count` intervals of round values from `low` to `high` (at least two ticks where the
 * range has room for them); [low] for a single value, [] when the range is not finite.
 */
export function niceTicks(low: number, high: number, count: number): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    return [];
  }
  if (high <= low) {
    return [low];
  }
  const rough = (high - low) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const steps = [1, 2, 2.5, 5, 10].map(factor => factor * power);
  let index = steps.findIndex(step => step >= rough);
  while (index > 0 && ticksEvery(steps[index], low, high).length < 2) {
    index--;
  }
  return ticksEvery(steps[index], low, high);
}

function ticksEvery(step: number, low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let i = Math.ceil(low / step - 1e-9); i <= Math.floor(high / step + 1e-9); i++) {
    ticks.push(Number((i * step).toPrecision(12)) || 0); // no float noise, no -0
  }
  return ticks;
}

/** A round tick value in few characters: 0.25, 2000, 4e-5. */
export function tickLabel(value: number): string {
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential() : String(value);
}
