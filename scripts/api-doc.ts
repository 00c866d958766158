/**
 * Writes docs/api.md from shared/api.ts and shared/events.ts, so the reference never drifts.
 * `node scripts/api-doc.ts` writes it; `--check` exits 1 when the file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { api } from '../shared/api.ts';
import { CoreEvent } from '../shared/events.ts';

const target = fileURLToPath(new URL('../docs/api.md', import.meta.url));

function schema(s: z.ZodType): string {
  return JSON.stringify(
    z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' }),
    (k, v) => (k === '$schema' ? undefined : v),
    1,
  ).replace(/\n\s*/g, ' ');
}

/** The whole reference as markdown. */
export function renderApiDoc(): string {
  const out: string[] = [];
  out.push('# Estafette API reference');
  out.push('');
  out.push(
    'Generated from `shared/api.ts` and `shared/events.ts` by `node scripts/api-doc.ts`; a unit test fails when it is out of date. How to reach the API from a bot or script: see `docs/hosts.md`.',
  );
  out.push('');
  out.push(
    'Every call is a JSON-RPC 2.0 request `{"jsonrpc":"2.0","id":1,"method":"<name>","params":{...}}`. Errors carry the core\'s sentence (English) as `message`, its code as `data.code` and, for the sentences people meet, the same sentence as a code with arguments in `data.detail` (`{ code, args }`), for a UI to say it in its own language. Events arrive as notifications `{"jsonrpc":"2.0","method":"event","params":<event>}`.',
  );
  out.push('');
  out.push('## Methods');
  for (const [name, spec] of Object.entries(api)) {
    out.push('');
    out.push(`### \`${name}\``);
    out.push('');
    out.push(spec.doc);
    out.push('');
    out.push(`- params: \`${schema(spec.input)}\``);
    out.push(`- result: \`${schema(spec.output)}\``);
  }
  out.push('');
  out.push('## Events');
  for (const option of CoreEvent.options) {
    const type = option.shape.type.value;
    out.push('');
    out.push(`### \`${type}\``);
    out.push('');
    out.push(`\`${schema(option)}\``);
  }
  out.push('');
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderApiDoc();
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error('docs/api.md is out of date: run `node scripts/api-doc.ts`.');
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${target}`);
  }
}
