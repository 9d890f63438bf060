/**
 * The JupyterLab extension: the "Model Workbench" panel in the left sidebar, showing the
 * notebook in focus (docs/protocol.md, "JupyterLab sidebar"). Plugins only: the state is in
 * sidebar/model.ts, the views in sidebar/components/, JupyterLab's side in sidebar/notebook.ts.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { SidebarPanel } from './sidebar/components/panel';
import { workbenchIcon } from './sidebar/components/icon';
import { SidebarModel } from './sidebar/model';
import { NotebookPanelLink } from './sidebar/notebook';
import { IWorkbenchSidebar } from './sidebar/tokens';

const plugin: JupyterFrontEndPlugin<IWorkbenchSidebar> = {
  id: 'model-workbench:plugin',
  description: 'Model Workbench for JupyterLab: the backend and models of the notebook in focus.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer],
  provides: IWorkbenchSidebar,
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    restorer: ILayoutRestorer | null
  ): IWorkbenchSidebar => {
    const model = new SidebarModel();
    const panel = new SidebarPanel(model, workbenchIcon);
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, panel.id);
    const links = new WeakMap<NotebookPanel, NotebookPanelLink>();
    const follow = (notebook: NotebookPanel | null) => {
      if (notebook === null) {
        model.follow(null);
        return;
      }
      const link = links.get(notebook) ?? new NotebookPanelLink(notebook, app, workbenchIcon);
      links.set(notebook, link);
      model.follow(link);
    };
    notebooks.currentChanged.connect((_, notebook) => follow(notebook));
    follow(notebooks.currentWidget);
    // Close the comms when the page goes, so the kernels stop updating panels nobody sees.
    window.addEventListener('pagehide', () => model.dispose());
    // The line tells a test, or a user reading the console, that the prebuilt extension runs.
    console.log('Model Workbench extension is activated.');
    return model;
  }
};

export default plugin;
