/** The GraphEditor widget (anywidget ES module): workbench/static/graph_editor.js. */
import { GraphEditorModel } from '../graph/model';
import { GraphEditorView } from '../graph/view/editor';
import {
  checkDiagnostics,
  checkGraph,
  checkHistory,
  checkNullableString,
  checkPalette,
  checkString
} from '../protocol';
import css from '../styles/graph_editor.css';
import { useStyles } from '../ui/styles';
import { Cleanup, mountWidget, RenderContext } from '../widget';

const EDITOR_TRAITS = {
  graph: checkGraph,
  palette: checkPalette,
  history: checkHistory,
  selection: checkNullableString,
  code: checkString,
  diagnostics: checkDiagnostics
};

export function renderGraphEditor(context: RenderContext): Cleanup {
  useStyles('graph-editor', css);
  return mountWidget(context, EDITOR_TRAITS, send => new GraphEditorView(new GraphEditorModel(send)));
}

export default { render: renderGraphEditor };
