/**
 * The JupyterLab extension. It registers only its id for now: the workbench sidebar
 * (a later issue) plugs in here, reading its state from one TS model like the widgets do.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'model-workbench:plugin',
  description: 'Model Workbench for JupyterLab.',
  autoStart: true,
  activate: (_app: JupyterFrontEnd) => {
    // Nothing to wire yet (the sidebar arrives with its own issue); the line tells a test,
    // or a user reading the console, that the prebuilt extension is installed and running.
    console.log('Model Workbench extension is activated.');
  }
};

export default plugin;
