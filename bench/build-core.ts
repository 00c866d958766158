/**
 * The core as the desktop app ships it: compiled to JavaScript by tsc (what `npm run build:main`
 * does for Electron's utility process), here into the run's own directory so that other jobs'
 * builds in out/ are left alone. Start-up and memory are measured on this build: running the
 * TypeScript sources directly adds Node's type stripping (tens of MB and hundreds of ms) that
 * the app never pays.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Compiles bench/core-child.ts and everything it imports; returns the child's .js path. */
export async function compileCore(workDir: string): Promise<string> {
  const root = process.cwd();
  const outDir = join(workDir, 'build');
  const project = join(workDir, 'tsconfig.bench.json');
  await writeFile(
    project,
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        // Types are checked by `npm run typecheck`; this only emits.
        noCheck: true,
        rootDir: root,
        outDir,
        sourceMap: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      // The worker thread's entry is loaded by URL, not imported: name it too.
      files: [join(root, 'bench/core-child.ts'), join(root, 'main/core/chat/open-mail-worker.ts')],
      include: [],
    }),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await execFileAsync(process.execPath, [tsc, '-p', project], { timeout: 300_000 });
  // Packages resolve from the build as they do from the checkout.
  const modules = join(outDir, 'node_modules');
  if (!existsSync(modules)) await symlink(join(root, 'node_modules'), modules, 'dir');
  const child = join(outDir, 'bench', 'core-child.js');
  if (!existsSync(child)) throw new Error(`tsc did not write ${child}`);
  return child;
}
