// esbuild bundles .css files as text (scripts/build-widgets.mjs); widgets inject them.
declare module '*.css' {
  const css: string;
  export default css;
}
