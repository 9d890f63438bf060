// Bundles each notebook widget (src/widgets/<name>.ts) into one self-contained ES module,
// workbench/static/<name>.js, the file the Python widget's `_esm` points at. No code
// splitting: anywidget loads a widget as a single module. CSS is bundled as text and
// injected by the widget itself.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const widgets = join(root, 'src', 'widgets');
const outdir = join(root, '..', 'workbench', 'static');

const entryPoints = Object.fromEntries(
  readdirSync(widgets)
    .filter(file => file.endsWith('.ts'))
    .map(file => [basename(file, '.ts'), join(widgets, file)])
);

const result = await build({
  entryPoints,
  outdir,
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: !process.argv.includes('--dev'),
  sourcemap: process.argv.includes('--dev') ? 'inline' : false,
  loader: { '.css': 'text' },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: root
});

for (const file of Object.keys(result.metafile.outputs).sort()) {
  const kib = (statSync(join(root, file)).size / 1024).toFixed(1);
  console.log(`${file.replace(/^.*workbench\//, 'workbench/')}  ${kib} KiB`);
}
