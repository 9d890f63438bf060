/** The panel's tab icon: a small layered network. */
import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161" stroke="#616161">
    <path d="M5 6l7 6M5 18l7-6M12 12l7-6M12 12l7 6" fill="none" stroke-width="1.5"/>
    <circle cx="5" cy="6" r="2.5"/><circle cx="5" cy="18" r="2.5"/><circle cx="12" cy="12" r="2.5"/>
    <circle cx="19" cy="6" r="2.5"/><circle cx="19" cy="18" r="2.5"/>
  </g>
</svg>`;

export const workbenchIcon = new LabIcon({ name: 'model-workbench:icon', svgstr });
