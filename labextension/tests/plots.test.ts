import { describe, expect, it } from 'vitest';
import { placeLabels, type LabelSpace, type PlacedLabel } from '../src/dashboard/marker_labels';
import type { Marker } from '../src/protocol';
import { Redraws, type Size, type Timers } from '../src/ui/redraws';

/** A clock the test moves by hand. */
function fakeTimers() {
  let now = 0;
  let pending: { at: number; callback: () => void }[] = [];
  const timers: Timers = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const timer = { at: now + ms, callback };
      pending.push(timer);
      return timer;
    },
    clearTimeout: handle => {
      pending = pending.filter(timer => timer !== handle);
    }
  };
  const advance = (ms: number) => {
    now += ms;
    const due = pending.filter(timer => timer.at <= now);
    pending = pending.filter(timer => timer.at > now);
    due.forEach(timer => timer.callback());
  };
  return { timers, advance };
}

function redraws() {
  const { timers, advance } = fakeTimers();
  const draws: Size[] = [];
  return { redraws: new Redraws(size => draws.push(size), 250, timers), draws, advance };
}

describe('Redraws', () => {
  it('waits for the box to have a size, then draws at the size of the box', () => {
    const { redraws: r, draws } = redraws();
    r.changed(); // data before the chart is in the page: plotly would guess 700 px
    r.resized(0, 0); // hidden
    expect(draws).toEqual([]);
    r.resized(480.6, 260);
    expect(draws).toEqual([{ width: 480, height: 260 }]);
  });

  it('redraws at once on every change of the whole-pixel size, and not for nothing', () => {
    const { redraws: r, draws, advance } = redraws();
    r.resized(500, 260);
    expect(draws).toEqual([]); // nothing to draw yet
    r.changed();
    expect(draws).toEqual([]); // not in the handler that got the data
    advance(0);
    r.resized(500.4, 260);
    r.resized(320, 260);
    r.resized(0, 0);
    r.resized(700, 260);
    expect(draws.map(size => size.width)).toEqual([500, 320, 700]);
  });

  it('draws new data at most once per interval, the latest data last', () => {
    const { redraws: r, draws, advance } = redraws();
    r.resized(500, 260);
    for (let frame = 0; frame < 60; frame++) {
      r.changed(); // one delta a frame for a second
      advance(1000 / 60);
    }
    expect(draws.length).toBeGreaterThanOrEqual(4);
    expect(draws.length).toBeLessThanOrEqual(5);
    const drawn = draws.length;
    advance(250);
    expect(draws.length).toBe(drawn + 1); // the last change is drawn, once
    advance(1000);
    expect(draws.length).toBe(drawn + 1);
  });

  it('forgets a waiting draw when disposed', () => {
    const { redraws: r, draws, advance } = redraws();
    r.resized(500, 260);
    r.changed();
    r.changed();
    r.dispose();
    advance(1000);
    expect(draws).toHaveLength(0);
  });
});

const marker = (step: number, label: string, kind: Marker['kind'] = 'backend'): Marker => ({ step, kind, label });

/** One pixel a step, 6 pixels a character. */
const space = (width: number, rows = 3): LabelSpace => ({
  width,
  x: step => step,
  textWidth: text => text.length * 6,
  rows
});

function boxes(placed: PlacedLabel[], labelSpace: LabelSpace) {
  return placed.map(({ marker: m, row, anchor }) => {
    const width = labelSpace.textWidth(m.label);
    const left = anchor === 'left' ? labelSpace.x(m.step) + 4 : labelSpace.x(m.step) - 4 - width;
    return { row, left, right: left + width };
  });
}

function overlapping(placed: PlacedLabel[], labelSpace: LabelSpace): boolean {
  const all = boxes(placed, labelSpace);
  return all.some((a, i) => all.some((b, j) => i < j && a.row === b.row && a.left < b.right && b.left < a.right));
}

describe('placeLabels', () => {
  it('puts labels whose lines are close in different rows ("tens" over "numpy")', () => {
    const markers = [marker(100, 'tensorflow'), marker(102, 'numpy')];
    const placed = placeLabels(markers, space(500));
    expect(placed.map(p => [p.marker.label, p.row])).toEqual([
      ['tensorflow', 0],
      ['numpy', 1]
    ]);
    expect(overlapping(placed, space(500))).toBe(false);
  });

  it('keeps labels that are far apart in the first row', () => {
    const placed = placeLabels([marker(300, 'jax'), marker(10, 'learning rate 0.01', 'learning_rate')], space(500));
    expect(placed.map(p => [p.marker.step, p.row, p.anchor])).toEqual([
      [10, 0, 'left'],
      [300, 0, 'left']
    ]);
  });

  it('puts a label near the right edge left of its line', () => {
    const [placed] = placeLabels([marker(490, 'numpy')], space(500));
    expect(placed.anchor).toBe('right');
    expect(boxes([placed], space(500))[0].right).toBeLessThanOrEqual(500);
  });

  it('leaves out what fits in no row, and what fits on no side', () => {
    const markers = Array.from({ length: 10 }, (_, i) => marker(50 + i, `backend ${i}`));
    const placed = placeLabels(markers, space(500));
    expect(placed.map(p => p.marker.label)).toEqual(['backend 0', 'backend 1', 'backend 2']);
    expect(overlapping(placed, space(500))).toBe(false);
    expect(placeLabels([marker(20, 'a label far wider than the plot')], space(60))).toEqual([]);
  });

  it('never overlaps, whatever the markers', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const width = 100 + random() * 800;
      const markers = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        marker(Math.floor(random() * width), 'x'.repeat(1 + Math.floor(random() * 15)))
      );
      const labelSpace = space(width);
      const placed = placeLabels(markers, labelSpace);
      expect(overlapping(placed, labelSpace)).toBe(false);
      for (const box of boxes(placed, labelSpace)) {
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(width);
      }
    }
  });
});
