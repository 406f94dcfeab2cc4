// npm run build: bundles src/app.js (with h5wasm and d3-geo) into dist/, with the static pages.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
mkdirSync(`${root}/dist`);
await build({
  entryPoints: [`${root}/src/app.js`],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  outfile: `${root}/dist/app.js`,
  // h5wasm's emscripten glue mentions node modules it only loads under node.
  external: ['fs', 'path', 'url', 'module', 'worker_threads', 'crypto'],
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(`${root}/${f}`, `${root}/dist/${f}`);
console.log('viewer built into dist/');
