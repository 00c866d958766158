import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderApiDoc } from '../../scripts/api-doc.ts';
import { api } from '../../shared/api.ts';
import { CoreEvent } from '../../shared/events.ts';

describe('docs/api.md', () => {
  it('is in step with shared/api.ts and shared/events.ts (regenerate with node scripts/api-doc.ts)', async () => {
    const file = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    expect(file).toBe(renderApiDoc());
  });

  it('documents every method and event', async () => {
    const file = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    for (const name of Object.keys(api)) expect(file).toContain(`### \`${name}\``);
    for (const o of CoreEvent.options) expect(file).toContain(`### \`${o.shape.type.value}\``);
  });
});
