/** Each widget's stylesheet, injected once per page together with the shared base. */
import base from '../styles/base.css';
import { injectStyle } from './dom';

export function useStyles(name: string, css: string): void {
  injectStyle('model-workbench-base', base);
  injectStyle(`model-workbench-${name}`, css);
}
