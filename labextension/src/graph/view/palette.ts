/** The palette: every engine layer by category. Drag one onto the canvas, or click to add it below the selection. */
import { h, listen } from '../../ui/dom';
import type { Cleanup } from '../../widget';
import type { GraphEditorModel } from '../model';
import { LAYER_MIME } from './canvas';

export class PaletteView {
  readonly element = h('div', { class: 'wb-palette', 'data-testid': 'palette' });
  private cleanups: Cleanup[];
  private shown: unknown = null;

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
        const item = (event.target as Element).closest('[data-class]');
        if (item !== null) {
          void this.model.addLayer(item.getAttribute('data-class') as string);
        }
      })
    ];
  }

  render(): void {
    if (this.shown === this.model.state.palette) {
      return;
    }
    this.shown = this.model.state.palette;
    this.element.replaceChildren(
      ...this.model.paletteGroups().map(group =>
        h(
          'section',
          { class: 'wb-palette-group' },
          h('h4', {}, group.category),
          ...group.entries.map(entry =>
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
