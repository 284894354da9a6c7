// Bundles the CLI into dist/kmaint.js (or the file given as the first argument) so that `kmaint` starts without
// a TypeScript loader. Type checking is a separate step (`npm run typecheck`), run by the tests.
//
// @kubernetes/client-node is bundled too: imported as a package it loads every generated API model, about a
// second at the start of every command; bundled, only what kmaint uses is kept. kmaint's own dependencies
// stay external. Bundled CommonJS code requires Node's modules, hence `require` in the banner.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => name !== '@kubernetes/client-node');

await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  outfile: process.argv[2] ?? new URL('../dist/kmaint.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  banner: { js: "import { createRequire as kmaintCreateRequire } from 'node:module'; const require = kmaintCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
