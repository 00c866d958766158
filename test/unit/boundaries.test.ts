import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The architecture's two import boundaries are enforced by ESLint; this proves the rules fire.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? '');
}

describe('import boundaries', () => {
  it('main/core never imports electron', async () => {
    const ids = await ruleIds(
      "import { app } from 'electron';\nexport const x = app;\n",
      'main/core/x.ts',
    );
    expect(ids).toContain('no-restricted-imports');
  });

  it('the renderer never imports Node modules or main/', async () => {
    expect(
      await ruleIds(
        "import { readFile } from 'node:fs';\nexport const x = readFile;\n",
        'renderer/x.ts',
      ),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        "import { readFile } from 'fs';\nexport const x = readFile;\n",
        'renderer/x.ts',
      ),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        "import { createCore } from '../main/core/core.ts';\nexport const x = createCore;\n",
        'renderer/x.ts',
      ),
    ).toContain('no-restricted-imports');
  });

  it('the renderer may import the shared contract', async () => {
    expect(
      await ruleIds(
        "import { api } from '../shared/api.ts';\nexport const x = api;\n",
        'renderer/x.ts',
      ),
    ).not.toContain('no-restricted-imports');
  });
});
