/** The layer palette: drag a layer onto an open graph editor, which adds it (its own add_layer). */
import { LAYER_MIME } from '../../graph/view/canvas';
import { groupPalette } from '../../graph/model';
import type { PaletteEntry } from '../../protocol';
import { h } from '../../ui/dom';

export function paletteList(palette: readonly PaletteEntry[]): HTMLElement[] {
  return groupPalette(palette).map(group =>
    h(
      'div',
      { class: 'wb-sidebar-palette-group' },
      h('span', { class: 'wb-sidebar-palette-category' }, group.category),
      ...group.entries.map(entry =>
        h(
          'span',
          { class: 'wb-sidebar-layer', draggable: 'true', 'data-class': entry.class, title: entry.doc },
          entry.class
        )
      )
    )
  );
}

/** Puts the dragged layer's class on the drag, in the format the editor's canvas accepts. */
export function startLayerDrag(event: DragEvent): void {
  const item = (event.target as Element).closest('[data-class]');
  if (item !== null && event.dataTransfer !== null) {
    event.dataTransfer.setData(LAYER_MIME, item.getAttribute('data-class') as string);
    event.dataTransfer.effectAllowed = 'copy';
  }
}
