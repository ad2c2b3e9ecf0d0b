// Bundles the nomad program into one file, so that `bin/nomad version` starts fast:
// one module to load instead of hundreds. Native and WebAssembly dependencies stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/nomad.js',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  external: ['lmdb', '@cdktf/hcl2json', 'playwright-core'],
  banner: {
    // Bundled CommonJS dependencies may call require(); give them one.
    js: "import { createRequire as __nomadCreateRequire } from 'node:module'; const require = __nomadCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
