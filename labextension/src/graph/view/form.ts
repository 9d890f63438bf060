/**
 * The selected node's arguments, one field per constructor argument with Keras's default
 * filled in. A field applies on change (Enter or leaving it); it is rebuilt only when the
 * node or its config changes, so typing is never interrupted by a redraw.
 */
import { h, listen, wordBreaks } from '../../ui/dom';
import type { Cleanup } from '../../widget';
import type { FormField, GraphEditorModel } from '../model';

function fieldInput(field: FormField): HTMLElement {
  const { spec } = field;
  const common = { 'data-argument': spec.name, id: `wb-arg-${spec.name}` };
  if (spec.type === 'bool') {
    return h('input', { ...common, type: 'checkbox', checked: field.value === true });
  }
  if (spec.type === 'choice' && spec.choices !== undefined) {
    const options = [...(spec.nullable ? [''] : []), ...spec.choices];
    return h(
      'select',
      common,
      ...options.map(choice =>
        h('option', { value: choice, selected: choice === field.text }, choice === '' ? 'None' : choice)
      )
    );
  }
  const placeholder = spec.nullable
    ? 'None'
    : spec.type === 'shape' || spec.type.endsWith('list')
      ? 'e.g. 28, 28, 1'
      : '';
  return h('input', { ...common, type: 'text', value: field.text, placeholder, spellcheck: 'false' });
}

function fieldRow(field: FormField): HTMLElement {
  const { spec } = field;
  const fallback = spec.required
    ? 'required'
    : `default: ${spec.default === null ? 'None' : JSON.stringify(spec.default)}`;
  return h(
    'div',
    { class: `wb-field${field.error ? ' wb-field-invalid' : ''}` },
    h('label', { for: `wb-arg-${spec.name}`, title: fallback }, ...wordBreaks(spec.name)),
    fieldInput(field),
    field.error ? h('div', { class: 'wb-field-error' }, field.error) : null
  );
}

export class FormView {
  readonly element = h('div', { class: 'wb-form', 'data-testid': 'form' });
  private shownKey = '';
  private cleanups: Cleanup[];

  constructor(private model: GraphEditorModel) {
    this.cleanups = [
      listen(this.element, 'change', event => this.onChange(event)),
      listen(this.element, 'click', event => {
        if ((event.target as Element).closest('[data-role="automatic-outputs"]') !== null) {
          this.model.automaticOutputs();
        }
      }),
      listen(this.element, 'keydown', event => {
        // Keys typed in a field are the field's: no Delete-the-node, no graph undo.
        event.stopPropagation();
        if (event.key === 'Enter' && event.target instanceof HTMLInputElement) {
          event.target.blur();
        }
      })
    ];
  }

  private onChange(event: Event): void {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    if (input.dataset.role === 'name') {
      this.model.rename(input.value);
      return;
    }
    if (input.dataset.role === 'output' && input instanceof HTMLInputElement) {
      this.model.setOutput(this.model.state.selection as string, input.checked);
      return;
    }
    const name = input.dataset.argument;
    if (name !== undefined) {
      this.model.setArgument(
        name,
        input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value
      );
    }
  }

  render(): void {
    const node = this.model.selectedNode();
    const fields = this.model.form();
    const { outputs, outputs_auto } = this.model.state.graph;
    const key = JSON.stringify([node, fields.map(f => [f.text, f.error]), outputs, outputs_auto]);
    if (key === this.shownKey) {
      return;
    }
    this.shownKey = key;
    if (node === null) {
      this.element.replaceChildren(
        h(
          'p',
          { class: 'wb-hint' },
          'Select a node to edit its arguments. Drag layers from the palette; drag from a node’s bottom port to another’s top port to connect them.'
        )
      );
      return;
    }
    const doc = this.model.paletteEntry(node.class)?.doc ?? '';
    this.element.replaceChildren(
      h(
        'div',
        { class: 'wb-form-header' },
        h('input', {
          class: 'wb-form-name',
          type: 'text',
          value: node.id,
          'data-role': 'name',
          title: 'Rename the layer',
          spellcheck: 'false'
        }),
        h('span', { class: 'wb-node-class' }, node.class)
      ),
      h('p', { class: 'wb-form-doc' }, doc),
      this.outputField(node.id),
      ...(node.error !== null ? [h('div', { class: 'wb-form-error', 'data-testid': 'node-error' }, node.error)] : []),
      ...fields.map(fieldRow)
    );
  }

  /** "Model output" for the selected node; with chosen outputs, a way back to automatic ones. */
  private outputField(node: string): HTMLElement {
    const { outputs, outputs_auto } = this.model.state.graph;
    const position = outputs.findIndex(ref => ref.node === node);
    return h(
      'div',
      { class: 'wb-output-field' },
      h('input', {
        type: 'checkbox',
        id: 'wb-output-toggle',
        'data-role': 'output',
        checked: position >= 0
      }),
      h(
        'label',
        {
          for: 'wb-output-toggle',
          title: outputs_auto
            ? 'Outputs are automatic: every node nothing else consumes'
            : 'Outputs were chosen: the model returns them in this order'
        },
        position >= 0 && outputs.length > 1 ? `Model output ${position + 1} of ${outputs.length}` : 'Model output'
      ),
      outputs_auto
        ? null
        : h('button', { class: 'wb-link', type: 'button', 'data-role': 'automatic-outputs' }, 'automatic')
    );
  }

  dispose(): void {
    this.cleanups.forEach(cleanup => cleanup());
  }
}
