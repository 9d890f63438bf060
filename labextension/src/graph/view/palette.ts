/**
 * The palette: every engine layer by category. Drag one onto the canvas, or click to add it
 * below the selection. Categories fold (a click on the name), so all of them show without a
 * scroll box of their own.
 */
import { h, listen } from '../../ui/dom';
import type { Cleanup } from '../../widget';
import type { LayerCategory } from '../../protocol';
import type { GraphEditorModel } from '../model';
import { LAYER_MIME } from './canvas';

export class PaletteView {
  readonly element = h('div', { class: 'wb-palette', 'data-testid': 'palette' });
  private cleanups: Cleanup[];
  private shownKey = '';

  constructor(private model: GraphEditorModel) {
    this.cleanups = [
      listen(this.element, 'dragstart', event => {
        const item = (event.target as Element).closest('[data-class]');
        if (item !== null && event.dataTransfer !== null) {
          event.dataTransfer.setData(LAYER_MIME, item.getAttribute('data-class') as string);
          event.dataTransfer.effectAllowed = 'copy';
        }
      }),
      listen(this.element, 'click', event => {
        const heading = (event.target as Element).closest('[data-category]');
        if (heading !== null) {
          this.model.toggleCategory(heading.getAttribute('data-category') as LayerCategory);
        }
        const item = (event.target as Element).closest('[data-class]');
        if (item !== null) {
          void this.model.addLayer(item.getAttribute('data-class') as string);
        }
      })
    ];
  }

  render(): void {
    const groups = this.model.paletteGroups();
    const key = JSON.stringify(groups.map(group => [group.entries.map(entry => entry.class), group.open]));
    if (key === this.shownKey) {
      return;
    }
    this.shownKey = key;
    this.element.replaceChildren(
      ...groups.map(group =>
        h(
          'section',
          { class: 'wb-palette-group' },
          h(
            'button',
            {
              class: 'wb-palette-heading',
              type: 'button',
              'data-category': group.category,
              'aria-expanded': String(group.open),
              title: `${group.open ? 'Fold' : 'Show'} the ${group.category} layers`
            },
            `${group.open ? '▾' : '▸'} ${group.category}`,
            h('span', { class: 'wb-palette-count' }, String(group.entries.length))
          ),
          ...(group.open ? group.entries : []).map(entry =>
            h(
              'div',
              {
                class: 'wb-palette-item',
                draggable: 'true',
                'data-class': entry.class,
                title: entry.doc,
                role: 'button'
              },
              entry.class
            )
          )
        )
      )
    );
  }

  dispose(): void {
    this.cleanups.forEach(cleanup => cleanup());
  }
}
