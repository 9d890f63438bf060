/** The TrainingDashboard widget (anywidget ES module): workbench/static/dashboard.js. */
import { DashboardView } from '../dashboard/view';
import css from '../styles/dashboard.css';
import { TRAINING_TRAITS } from '../training/traits';
import { useStyles } from '../ui/styles';
import { Cleanup, mountWidget, RenderContext } from '../widget';

export function renderDashboard(context: RenderContext): Cleanup {
  useStyles('dashboard', css);
  return mountWidget(context, TRAINING_TRAITS, send => new DashboardView(send));
}

export default { render: renderDashboard };
