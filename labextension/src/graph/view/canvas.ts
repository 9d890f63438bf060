/**
 * The SVG canvas: node boxes, ports, edges and the wire being drawn. It redraws from
 * `model.canvas()` and forwards pointer gestures to the model; one set of listeners on the
 * root (elements carry data- attributes), so a redraw never loses a handler.
 */
import { h, listen, s } from '../../ui/dom';
import type { Cleanup } from '../../widget';
import type { EdgeView, GraphEditorModel, NodeView, PortView } from '../model';
import { PORT_RADIUS, toCanvas } from '../geometry';

export const LAYER_MIME = 'application/x-model-workbench-layer';

/** A port: a circle, or for a list argument a pill as wide as its edges need, labelled "2+". */
function portElement(port: PortView, direction: 'in' | 'out'): SVGElement {
  const classes = [
    'wb-port',
    `wb-port-${direction}`,
    port.connected ? 'wb-connected' : '',
    port.optional ? 'wb-port-optional' : ''
  ];
  const data = {
    class: classes.filter(Boolean).join(' '),
    'data-node': port.node,
    'data-port': direction,
    'data-index': port.index
  };
  const { x, y } = port.position;
  const title = s('title', {}, port.title);
  if (port.kind === 'single') {
    return s('circle', { ...data, cx: x, cy: y, r: PORT_RADIUS }, title);
  }
  const left = x - port.width / 2;
  const pill = s(
    'rect',
    { ...data, x: left, y: y - PORT_RADIUS, width: port.width, height: 2 * PORT_RADIUS, rx: PORT_RADIUS },
    title
  );
  // Above the node's top edge, right of the pill: where no edge enters.
  const label = s('text', { class: 'wb-port-label', x: left + port.width + 3, y: y - 3 }, port.label);
  return s('g', {}, pill, label);
}

/** "output" (or "output 2") on the node's last line, so every model output is visible as one. */
function outputTag(node: NodeView): HTMLElement | null {
  if (node.output === null) {
    return null;
  }
  const { label, title, extra } = node.output;
  return h(
    'span',
    { class: `wb-output-tag${extra ? ' wb-extra' : ''}`, title, 'data-testid': `output-tag-${node.id}` },
    label
  );
}

function nodeElement(node: NodeView): SVGElement {
  const classes = [
    'wb-node',
    `wb-status-${node.status}`,
    node.selected ? 'wb-selected' : '',
    node.output !== null ? 'wb-output' : '',
    node.diagnostics.length > 0 ? 'wb-diagnosed' : ''
  ];
  const body = h(
    'div',
    { class: 'wb-node-body', xmlns: 'http://www.w3.org/1999/xhtml' },
    h(
      'div',
      { class: 'wb-node-title' },
      h('span', { class: 'wb-node-name', title: node.id }, node.id),
      h('span', { class: 'wb-node-class', title: node.className }, node.className)
    ),
    // A node in error has no shape to show: its message takes the room.
    node.error === null ? h('div', { class: 'wb-node-shape', title: 'output shape' }) : null,
    node.error === null
      ? h('div', { class: 'wb-node-footer' }, h('span', { class: 'wb-node-params' }), outputTag(node))
      : null,
    node.error !== null ? h('div', { class: 'wb-node-error', title: node.error }, outputTag(node), node.error) : null
  );
  const shape = body.querySelector('.wb-node-shape');
  const params = body.querySelector('.wb-node-params');
  const element = s(
    'g',
    { class: classes.filter(Boolean).join(' '), 'data-node': node.id, 'data-testid': `node-${node.id}` },
    s('rect', {
      class: 'wb-node-box',
      x: node.box.x,
      y: node.box.y,
      width: node.box.width,
      height: node.box.height,
      rx: 6
    }),
    s('foreignObject', { x: node.box.x, y: node.box.y, width: node.box.width, height: node.box.height }, body),
    ...node.inputs.map(port => portElement(port, 'in')),
    ...node.outputs.map(port => portElement(port, 'out')),
    node.diagnostics.length > 0 ? badgeElement(node) : null
  );
  NODE_TEXTS.set(element, texts => {
    setText(shape, texts.shapes);
    setText(params, texts.params);
  });
  return element;
}

type NodeTexts = Pick<NodeView, 'shapes' | 'params'>;

/** How to show new shape and parameter texts in a node's element, which stays. */
const NODE_TEXTS = new WeakMap<SVGElement, (texts: NodeTexts) => void>();

function setText(element: Element | null, text: string): void {
  if (element !== null && element.textContent !== text) {
    element.textContent = text;
  }
}

/**
 * A node's element is kept while only its texts change (an edit upstream changes the shape
 * of every node after it): the texts are set in place, nothing is rebuilt.
 */
function nodeKey(node: NodeView): string {
  const { shapes: _shapes, params: _params, ...structure } = node;
  return `node ${JSON.stringify(structure)}`;
}

/** A warning badge on the node's top-right corner; hovering it lists what was found. */
function badgeElement(node: NodeView): SVGElement {
  const x = node.box.x + node.box.width;
  const y = node.box.y;
  return s(
    'g',
    { class: 'wb-badge', 'data-testid': `badge-${node.id}`, transform: `translate(${x} ${y})` },
    s('title', {}, node.diagnostics.join('\n')),
    s('circle', { r: 9 }),
    s(
      'text',
      { 'text-anchor': 'middle', dy: '0.35em' },
      node.diagnostics.length > 1 ? String(node.diagnostics.length) : '!'
    )
  );
}

function edgeElement(edge: EdgeView): SVGElement {
  return s(
    'g',
    { class: `wb-edge${edge.selected ? ' wb-selected' : ''}`, 'data-edge': edge.key },
    s('path', { class: 'wb-edge-hit', d: edge.path, 'data-edge': edge.key }),
    s('path', { class: 'wb-edge-line', d: edge.path, 'data-edge': edge.key })
  );
}

/**
 * The edge again above every node, faint and deaf to the pointer: where it crosses another
 * node it still shows, and its arrowhead marks the port it enters. (Under the nodes, the edge
 * and its hit area leave node bodies and ports to take clicks and drops.)
 */
function edgeOverlayElement(edge: EdgeView): SVGElement {
  return s(
    'g',
    { class: `wb-edge-over${edge.selected ? ' wb-selected' : ''}`, 'data-testid': `edge-over-${edge.key}` },
    s('path', { class: 'wb-edge-line', d: edge.path }),
    s('path', { class: 'wb-edge-arrow', d: edge.arrow })
  );
}

/**
 * Elements by the view data they show: a redraw rebuilds only what changed (while one node
 * is dragged, only it and its edges), so the rest of the DOM stays put.
 */
class ElementCache {
  private current = new Map<string, SVGElement>();
  private next = new Map<string, SVGElement>();

  get(key: string, create: () => SVGElement): SVGElement {
    const element = this.next.get(key) ?? this.current.get(key) ?? create();
    this.next.set(key, element);
    return element;
  }

  sweep(): void {
    this.current = this.next;
    this.next = new Map();
  }
}

/**
 * Makes `parent`'s children `children`, in order, moving only what is out of place: elements
 * that stay are not detached, so the browser does not lay them out again.
 */
function reconcile(parent: Element, children: Element[]): void {
  children.forEach((child, index) => {
    const present = parent.children[index];
    if (present !== child) {
      parent.insertBefore(child, present ?? null);
    }
  });
  while (parent.children.length > children.length) {
    parent.lastElementChild?.remove();
  }
}

export class CanvasView {
  readonly element: HTMLDivElement;
  private svg: SVGSVGElement;
  private layer: SVGGElement;
  private cleanups: Cleanup[] = [];
  private stopGesture: Cleanup | null = null;
  private cache = new ElementCache();

  constructor(private model: GraphEditorModel) {
    this.layer = s('g', { class: 'wb-layer' });
    this.svg = s('svg', { class: 'wb-canvas-svg' }, this.layer);
    this.element = h('div', { class: 'wb-canvas', 'data-testid': 'canvas' }, this.svg);
    this.cleanups.push(
      listen(this.svg, 'pointerdown', event => this.onPointerDown(event)),
      listen(this.svg, 'wheel', event => this.onWheel(event), { passive: false }),
      listen(this.element, 'dragover', event => this.onDragOver(event)),
      listen(this.element, 'drop', event => this.onDrop(event))
    );
  }

  /** The point under a mouse event, in screen (relative to the canvas) and canvas units. */
  private points(event: MouseEvent) {
    const rect = this.svg.getBoundingClientRect();
    const screen = { x: event.clientX - rect.left, y: event.clientY - rect.top };
    return { screen, canvas: toCanvas(this.model.viewport, screen) };
  }

  size(): { width: number; height: number } {
    const rect = this.svg.getBoundingClientRect();
    return { width: rect.width, height: rect.height };
  }

  render(): void {
    const view = this.model.canvas();
    const { x, y, scale } = view.viewport;
    this.layer.setAttribute('transform', `translate(${x} ${y}) scale(${scale})`);
    this.svg.classList.toggle('wb-wiring', view.wiring);
    const edges = view.edges.map(edge => this.cache.get(`edge ${JSON.stringify(edge)}`, () => edgeElement(edge)));
    const nodes = view.nodes.map(node => {
      const element = this.cache.get(nodeKey(node), () => nodeElement(node));
      NODE_TEXTS.get(element)?.(node);
      return element;
    });
    const over = view.edges.map(edge => this.cache.get(`over ${JSON.stringify(edge)}`, () => edgeOverlayElement(edge)));
    const wire = view.wire === null ? [] : [s('path', { class: 'wb-wire', d: view.wire })];
    this.cache.sweep();
    reconcile(this.layer, [...edges, ...nodes, ...over, ...wire]);
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) {
      return;
    }
    const target = event.target as Element;
    const { screen, canvas } = this.points(event);
    const port = target.closest('[data-port]');
    const edge = target.closest('[data-edge]');
    const node = target.closest('[data-node]');
    if (port !== null && port.getAttribute('data-port') === 'out') {
      this.model.pressOutput(
        { node: port.getAttribute('data-node') as string, output: Number(port.getAttribute('data-index')) },
        canvas
      );
    } else if (port === null && node !== null) {
      this.model.pressNode(node.getAttribute('data-node') as string, canvas);
    } else if (edge !== null) {
      this.model.selectEdge(edge.getAttribute('data-edge'));
      return;
    } else if (port === null) {
      this.model.pressBackground(screen);
    } else {
      return;
    }
    event.preventDefault();
    (this.element.closest('[tabindex]') as HTMLElement | null)?.focus({ preventScroll: true });
    this.followGesture();
  }

  /** Listens on the window until the button is released, so a drag may leave the canvas. */
  private followGesture(): void {
    this.stopGesture?.();
    const stops = [
      listen(window, 'pointermove', (event: PointerEvent) => {
        const { screen, canvas } = this.points(event);
        this.model.move(canvas, screen);
      }),
      listen(window, 'pointerup', (event: PointerEvent) => {
        const under = document.elementFromPoint(event.clientX, event.clientY)?.closest('[data-port="in"]');
        this.model.release(
          under
            ? { node: under.getAttribute('data-node') as string, arg: Number(under.getAttribute('data-index')) }
            : null
        );
        this.stopGesture?.();
      })
    ];
    this.stopGesture = () => {
      stops.forEach(stop => stop());
      this.stopGesture = null;
    };
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    this.model.wheel(this.points(event).screen, event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY);
  }

  private onDragOver(event: DragEvent): void {
    if (event.dataTransfer?.types.includes(LAYER_MIME)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    }
  }

  private onDrop(event: DragEvent): void {
    const className = event.dataTransfer?.getData(LAYER_MIME);
    if (className) {
      event.preventDefault();
      void this.model.addLayer(className, this.points(event).canvas);
    }
  }

  dispose(): void {
    this.stopGesture?.();
    this.cleanups.forEach(cleanup => cleanup());
  }
}
