/** Tiny DOM and SVG builders: plain elements, no framework. */
type Attributes = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

function applyAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  applyAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttributes(element, attributes);
  append(element, children);
  return element;
}

/** Adds a listener and returns the function that removes it. */
export function listen<K extends keyof HTMLElementEventMap>(
  target: EventTarget,
  type: K,
  handler: (event: HTMLElementEventMap[K]) => void,
  options?: AddEventListenerOptions
): () => void {
  target.addEventListener(type, handler as EventListener, options);
  return () => target.removeEventListener(type, handler as EventListener, options);
}

/** Injects a stylesheet once per document, keyed by id. */
export function injectStyle(id: string, css: string): void {
  if (document.getElementById(id) !== null) {
    return;
  }
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.append(style);
}

/** `name` with line-break opportunities (<wbr>) between its words: before a capital that
 * follows a lower-case letter ("Adaptive|Average|Pooling2D") and after an underscore
 * ("kernel_|regularizer"), so a long layer or argument name wraps whole words instead of
 * being cut. */
export function wordBreaks(name: string): (string | HTMLElement)[] {
  return name
    .split(/(?<=[a-z0-9])(?=[A-Z])|(?<=_)/)
    .flatMap((word, index) => (index === 0 ? [word] : [document.createElement('wbr'), word]));
}
