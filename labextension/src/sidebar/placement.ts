/**
 * Where a view opened from the sidebar goes in JupyterLab's main area. The first one splits
 * the notebook's area once; the next ones become tabs of that same area, so however many views
 * are open, the notebook and the views share the width in two (a split per view would leave
 * each a sliver). No JupyterLab here, so the rule is tested without it.
 */

/** The `options` of `app.shell.add(view, 'main', options)`: DocumentRegistry.Mode and a ref. */
export interface Placement {
  mode: 'split-right' | 'tab-after';
  ref: string;
}

/** Beside the notebook `notebookId`, as a tab after the latest of `openViews` (ids, oldest first). */
export function placeView(notebookId: string, openViews: readonly string[]): Placement {
  const latest = openViews[openViews.length - 1];
  return latest === undefined ? { mode: 'split-right', ref: notebookId } : { mode: 'tab-after', ref: latest };
}
