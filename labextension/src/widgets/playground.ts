/** The Playground widget (anywidget ES module): workbench/static/playground.js. */
import { PlaygroundView } from '../playground/view';
import { checkDataset, checkExtent, checkInt, checkPlaygroundSettings } from '../protocol';
import css from '../styles/playground.css';
import { useStyles } from '../ui/styles';
import { Cleanup, mountWidget, RenderContext } from '../widget';
import { TRAINING_TRAITS } from '../training/traits';

const PLAYGROUND_TRAITS = {
  ...TRAINING_TRAITS,
  dataset: checkDataset,
  settings: checkPlaygroundSettings,
  epoch: checkInt,
  resolution: checkInt,
  extent: checkExtent
};

export function renderPlayground(context: RenderContext): Cleanup {
  useStyles('playground', css);
  return mountWidget(context, PLAYGROUND_TRAITS, send => new PlaygroundView(send));
}

export default { render: renderPlayground };
