// Bundles the CLI into dist/ so that `kmaint` starts without a TypeScript loader.
// Type checking is a separate step (`npm run typecheck`), run by the tests.
import { build } from 'esbuild';

await build({
  entryPoints: { kmaint: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
