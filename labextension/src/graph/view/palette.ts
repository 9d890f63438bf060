/**
 * The palette: every engine layer by category. Drag one onto the canvas, or click to add it
 * below the selection. Categories fold (a click on the name); with many open, the list scrolls
 * by itself (its height is capped in the CSS) so the canvas stays in view. The search field
 * above the list keeps only the layers that match (Enter adds the first, Escape clears it).
 */
import { h, listen, wordBreaks } from '../../ui/dom';
import type { Cleanup } from '../../widget';
import type { LayerCategory } from '../../protocol';
import type { GraphEditorModel } from '../model';
import { LAYER_MIME } from './canvas';

export class PaletteView {
  private search = h('input', {
    class: 'wb-palette-search',
    type: 'search',
    placeholder: 'Search layers',
    'aria-label': 'Search layers',
    'data-testid': 'palette-search'
  });
  private groups = h('div', { class: 'wb-palette-groups' });
  readonly element = h('div', { class: 'wb-palette', 'data-testid': 'palette' }, this.search, this.groups);
  private cleanups: Cleanup[];
  private shownKey = '';

  constructor(private model: GraphEditorModel) {
    this.cleanups = [
      listen(this.search, 'input', () => this.model.searchPalette(this.search.value)),
      listen(this.search, 'keydown', event => {
        // Keys typed here are the search's: no Delete-the-node, no graph undo.
        event.stopPropagation();
        if (event.key === 'Enter') {
          const first = this.model.paletteGroups()[0]?.entries[0];
          if (first !== undefined) {
            void this.model.addLayer(first.class);
          }
        } else if (event.key === 'Escape') {
          this.search.value = '';
          this.model.searchPalette('');
        }
      }),
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
    this.groups.dataset.empty = String(groups.length === 0);
    if (key === this.shownKey) {
      return;
    }
    this.shownKey = key;
    this.groups.replaceChildren(
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
              ...wordBreaks(entry.class)
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
