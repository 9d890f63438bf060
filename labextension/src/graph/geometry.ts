/**
 * Where things are on the canvas: node boxes, their ports, edge curves, and the viewport
 * that maps canvas coordinates (the kernel's layout units) to screen pixels. No DOM.
 */
import type { NodeState, Position, Ref, Port } from '../protocol';

export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 64;
export const ERROR_NODE_HEIGHT = 104;
export const PORT_RADIUS = 6;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A node's box; `position` is its centre. Nodes with an error are taller: the message shows. */
export function nodeBox(node: NodeState, position: Position = node.position): Box {
  const height = node.status === 'error' ? ERROR_NODE_HEIGHT : NODE_HEIGHT;
  return { x: position.x - NODE_WIDTH / 2, y: position.y - height / 2, width: NODE_WIDTH, height };
}

/** A list port (Add's `inputs`) is a pill wide enough for each edge to enter at its own slot. */
export function listPortWidth(edges: number): number {
  return Math.max(36, 12 * (edges + 1));
}

/** Where the `slot`-th of `slots` edges enters a port of this width centred at `centre`. */
export function slotPosition(centre: Position, width: number, slot: number, slots: number): Position {
  return { x: centre.x - width / 2 + (width * (slot + 1)) / (slots + 1), y: centre.y };
}

/** Input ports sit along the top edge, evenly spaced. */
export function inputPortPosition(box: Box, arg: number, count: number): Position {
  return { x: box.x + (box.width * (arg + 1)) / (count + 1), y: box.y };
}

/** Output ports sit along the bottom edge. */
export function outputPortPosition(box: Box, output: number, count: number): Position {
  return { x: box.x + (box.width * (output + 1)) / (count + 1), y: box.y + box.height };
}

export function outputCount(node: NodeState): number {
  return Math.max(1, node.output_shapes?.length ?? 1);
}

/**
 * A vertical S-curve from an output port down (or up) to an input port. Going down it bends
 * halfway, so a short edge does not overshoot its port and loop back; going up it swings
 * out at least 40 units.
 */
export function edgePath(from: Position, to: Position): string {
  const dy = to.y - from.y;
  const bend = dy > 0 ? dy / 2 : Math.max(40, -dy / 2);
  return `M ${from.x} ${from.y} C ${from.x} ${from.y + bend}, ${to.x} ${to.y - bend}, ${to.x} ${to.y}`;
}

export const ARROW_LENGTH = 8;

/**
 * An edge between two port centres, drawn from rim to rim so both ports stay visible, and
 * the arrowhead that ends it pointing down into the input port (the curve enters vertically).
 */
export function edgeShape(from: Position, to: Position): { path: string; arrow: string } {
  const tip = { x: to.x, y: to.y - PORT_RADIUS };
  const path = edgePath({ x: from.x, y: from.y + PORT_RADIUS }, { x: tip.x, y: tip.y - ARROW_LENGTH });
  const base = tip.y - ARROW_LENGTH;
  const arrow = `M ${tip.x - 4.5} ${base} L ${tip.x + 4.5} ${base} L ${tip.x} ${tip.y} Z`;
  return { path, arrow };
}

export function boundsOf(boxes: Box[]): Box | null {
  if (boxes.length === 0) {
    return null;
  }
  const left = Math.min(...boxes.map(b => b.x));
  const top = Math.min(...boxes.map(b => b.y));
  const right = Math.max(...boxes.map(b => b.x + b.width));
  const bottom = Math.max(...boxes.map(b => b.y + b.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

export function refKey(ref: Ref): string {
  return `${ref.node}:${ref.output}`;
}

export function edgeKey(source: Ref, target: Port): string {
  return `${refKey(source)}->${target.node}:${target.arg}`;
}

// The viewport: screen = canvas * scale + offset.

export interface Viewport {
  x: number;
  y: number;
  scale: number;
}

export const MIN_SCALE = 0.25;
export const MAX_SCALE = 2.5;
/** The smallest text in a node box, in canvas px (graph_editor.css: .wb-node-shape, .wb-node-params). */
export const NODE_TEXT_PX = 11;
/** The smallest text a user is asked to read on screen, in px. */
export const READABLE_TEXT_PX = 11;
/**
 * The smallest scale a graph is fitted at (opening, Fit, after a layout): node text stays
 * READABLE_TEXT_PX on screen, and a graph too large for the canvas is panned, not shrunk.
 */
export const READABLE_SCALE = READABLE_TEXT_PX / NODE_TEXT_PX;

export function toCanvas(view: Viewport, screen: Position): Position {
  return { x: (screen.x - view.x) / view.scale, y: (screen.y - view.y) / view.scale };
}

export function toScreen(view: Viewport, canvas: Position): Position {
  return { x: canvas.x * view.scale + view.x, y: canvas.y * view.scale + view.y };
}

/** Zooms by `factor` keeping the canvas point under `screen` where it is. */
export function zoomAt(view: Viewport, screen: Position, factor: number): Viewport {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const anchor = toCanvas(view, screen);
  return { x: screen.x - anchor.x * scale, y: screen.y - anchor.y * scale, scale };
}

/**
 * The viewport that shows `bounds` centred, at most at scale 1 and at least at READABLE_SCALE.
 * A graph too big for the canvas at READABLE_SCALE shows its start (top left: where the inputs
 * are) rather than its middle; the rest is a pan away.
 */
export function fitView(bounds: Box | null, width: number, height: number, margin = 40): Viewport {
  if (bounds === null || width <= 0 || height <= 0) {
    return { x: width / 2, y: margin + NODE_HEIGHT / 2, scale: 1 };
  }
  const scale = Math.min(
    1,
    Math.max(READABLE_SCALE, Math.min((width - 2 * margin) / bounds.width, (height - 2 * margin) / bounds.height))
  );
  const place = (view: number, start: number, size: number) =>
    size * scale > view - 2 * margin ? margin - start * scale : view / 2 - (start + size / 2) * scale;
  return { x: place(width, bounds.x, bounds.width), y: place(height, bounds.y, bounds.height), scale };
}
