/**
 * The Workbench widget (anywidget ES module): workbench/static/workbench.js. It bundles the
 * editor, dashboard and inspector views and renders its child widgets with them.
 */
import { checkChildren, checkTab } from '../protocol';
import css from '../styles/workbench.css';
import { useStyles } from '../ui/styles';
import { Cleanup, mountWidget, RenderContext } from '../widget';
import { WorkbenchView } from '../workbench/view';
import { renderDashboard } from './dashboard';
import { renderGraphEditor } from './graph_editor';
import { renderInspector } from './inspector';

export function renderWorkbench(context: RenderContext): Cleanup {
  useStyles('workbench', css);
  const manager = context.model.widget_manager;
  const resolve = (id: string) =>
    manager === undefined
      ? Promise.reject(new Error('this front end cannot resolve child widgets'))
      : manager.get_model(id);
  return mountWidget(
    context,
    { tab: checkTab, children: checkChildren },
    send =>
      new WorkbenchView(send, resolve, { build: renderGraphEditor, train: renderDashboard, inspect: renderInspector })
  );
}

export default { render: renderWorkbench };
