/** The Inspector widget (anywidget ES module): workbench/static/inspector.js. */
import { InspectorView } from '../inspector/view';
import {
  checkCapture,
  checkInspectionDiagnostics,
  checkInspectorNodes,
  checkInt,
  checkNullableString
} from '../protocol';
import css from '../styles/inspector.css';
import { useStyles } from '../ui/styles';
import { Cleanup, mountWidget, RenderContext } from '../widget';

const INSPECTOR_TRAITS = {
  nodes: checkInspectorNodes,
  selected_node: checkNullableString,
  selected_sample: checkInt,
  samples: checkInt,
  capture: checkCapture,
  diagnostics: checkInspectionDiagnostics,
  findings: checkInspectionDiagnostics
};

export function renderInspector(context: RenderContext): Cleanup {
  useStyles('inspector', css);
  return mountWidget(context, INSPECTOR_TRAITS, send => new InspectorView(send));
}

export default { render: renderInspector };
