/**
 * `npm run build:main`: compiles the Electron main process, the core's utility-process entry and
 * everything they import (main/, shared/) with tsc into out/ (ES modules, `.ts` imports rewritten
 * to `.js`), and bundles the preload into one CommonJS file, out/main/electron/preload.cjs,
 * because a sandboxed preload can neither be an ES module nor load files of its own.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const out = path.join(root, 'out');

async function main(): Promise<void> {
  await rm(path.join(out, 'main'), { recursive: true, force: true });
  await rm(path.join(out, 'shared'), { recursive: true, force: true });

  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = path.join(root, 'main', 'electron', 'tsconfig.build.json');
  const compiled = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error('tsc failed: the main process was not built.');

  await buildPreload(path.join(out, 'main', 'electron'));

  // Files the core reads at run time next to its modules (anything but TypeScript).
  for (const dir of ['main/core', 'shared']) await copyAssets(path.join(root, dir));
  console.log(`build:main: out/main/electron/main.js, core-entry.js and preload.cjs are ready.`);
}

/** Bundle the preload and what it imports into `outDir/preload.cjs` (only `electron` stays a require). */
export async function buildPreload(outDir: string): Promise<string> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      lib: {
        entry: path.join(root, 'main', 'electron', 'preload.ts'),
        formats: ['cjs'],
        fileName: () => 'preload.cjs',
      },
      outDir,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: 'chrome140',
      rolldownOptions: { external: ['electron'] },
    },
  });
  return path.join(outDir, 'preload.cjs');
}

async function copyAssets(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) await copyAssets(from);
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      const to = path.join(out, path.relative(root, from));
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(from, to);
    }
  }
}

if (import.meta.filename === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
