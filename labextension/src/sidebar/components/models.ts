/** The model list: one row per model in the kernel, with its training state and a loss sparkline. */
import { formatNumber, formatParams } from '../../format';
import type { ModelEntry, ModelTraining, ViewKind } from '../../protocol';
import { sparkline } from '../../ui/charts';
import { h } from '../../ui/dom';
import { VIEW_TITLES } from '../connection';

const STATES: Record<ModelTraining['state'], string> = {
  not_compiled: 'not compiled',
  compiled: 'compiled, not trained',
  running: 'training',
  paused: 'paused',
  stopping: 'stopping',
  finished: 'trained',
  stopped: 'stopped',
  error: 'training failed'
};

/** "training · epoch 2/10 · loss 0.31 (dashboard)", from the training trait of a model. */
export function describeTraining(training: ModelTraining): string {
  const parts = [STATES[training.state]];
  if (training.epochs > 0) {
    parts.push(`epoch ${training.epoch}/${training.epochs}`);
  }
  if (training.loss !== null) {
    parts.push(`loss ${formatNumber(training.loss)}`);
  }
  const text = parts.join(' · ');
  return training.source === 'dashboard' ? `${text} (dashboard)` : text;
}

const VIEW_HINTS: Record<ViewKind, string> = {
  editor: 'Open its graph in an editor beside the notebook',
  dashboard: 'Train it in a dashboard beside the notebook',
  inspector: 'Look inside it beside the notebook'
};

function viewButton(entry: ModelEntry, view: ViewKind): HTMLButtonElement {
  const available = entry.views.includes(view);
  const hint =
    view === 'dashboard' && available && entry.training.source !== 'dashboard' && entry.data !== null
      ? `${VIEW_HINTS[view]}, on ${entry.data}`
      : VIEW_HINTS[view];
  return h(
    'button',
    {
      class: 'wb-button wb-small',
      type: 'button',
      'data-action': 'open',
      'data-model': entry.name,
      'data-view': view,
      disabled: !available,
      title: available ? hint : 'No training data for it in the notebook (x_train and y_train, say)'
    },
    VIEW_TITLES[view]
  );
}

export function modelRow(entry: ModelEntry): HTMLLIElement {
  const { training } = entry;
  return h(
    'li',
    { class: 'wb-model', 'data-model': entry.name, 'data-training': training.state },
    h(
      'div',
      { class: 'wb-model-head' },
      h('span', { class: 'wb-model-name', title: `${entry.class} "${entry.model_name}"` }, entry.name),
      h('span', { class: 'wb-model-params' }, formatParams(entry.params)),
      h('span', { class: 'wb-model-backend', 'data-testid': 'model-backend' }, entry.backend)
    ),
    h(
      'div',
      { class: 'wb-model-training' },
      h('span', { class: 'wb-model-state', 'data-testid': 'training' }, describeTraining(training)),
      training.curve.length > 1 ? sparkline(training.curve, 80, 18) : null
    ),
    h(
      'div',
      { class: 'wb-model-actions' },
      ...(['editor', 'dashboard', 'inspector'] as const).map(v => viewButton(entry, v))
    )
  );
}
