// Builds the renderer into out/renderer/ with relative URLs, so the same files load from the
// web host (http://127.0.0.1:PORT/) and from Electron (file:// or a custom protocol).
// ESTAFETTE_RENDERER_DIR builds elsewhere (parallel builds in one checkout; the web host and
// the e2e tests read the same variable).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: process.env.ESTAFETTE_RENDERER_DIR ?? `${root}/../out/renderer`,
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // One chunk is fine for a desktop app loaded from disk or loopback.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
  },
});
