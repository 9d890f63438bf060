// plotly.js-basic-dist-min ships no types; these are the calls the dashboard makes.
declare module 'plotly.js-basic-dist-min' {
  type Data = Record<string, unknown>;
  type Layout = Record<string, unknown>;
  interface Plotly {
    react(root: HTMLElement, data: Data[], layout?: Layout, config?: Record<string, unknown>): Promise<void>;
    purge(root: HTMLElement): void;
  }
  const plotly: Plotly;
  export default plotly;
}
