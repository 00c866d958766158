/**
 * `npm run lint:electron`: runs Electronegativity (Doyensec's Electron security scanner) over
 * main/electron, assuming the Electron version we ship and never touching the network, and fails
 * on every finding above informational that docs/security.md does not justify in its table
 * "Electronegativity findings we accept". Also fails when a file could not be parsed (a file the
 * scanner skipped is a file nobody checked).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string; value: number };
  confidence: { name: string };
  description: string;
  manualReview?: boolean;
}
interface ScanResult {
  issues: Issue[];
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
}
interface Justification {
  check: string;
  file: string;
  why: string;
}
type Runner = (options: Record<string, unknown>, forCli: boolean) => Promise<ScanResult>;

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const scanned = path.join(root, 'main', 'electron');
const securityDoc = path.join(root, 'docs', 'security.md');
const TABLE_HEADING = /^#+\s+Electronegativity findings we accept/i;

/** The justified findings: rows `| CHECK_ID | file (or *) | why |` under the table heading. */
export function parseJustifications(markdown: string): Justification[] {
  const rows: Justification[] = [];
  let inSection = false;
  for (const line of markdown.split('\n')) {
    if (/^#+\s/.test(line)) inSection = TABLE_HEADING.test(line);
    if (!inSection || !line.trim().startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim().replace(/`/g, ''));
    const [check, file, why] = cells;
    if (check === undefined || file === undefined || why === undefined) continue;
    if (!/^[A-Z0-9_]+$/.test(check)) continue; // the header and the --- row
    rows.push({ check, file, why });
  }
  return rows;
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const electronVersion = (require('electron/package.json') as { version: string }).version;
  // The function the `electronegativity` command calls, so that we get each finding's severity
  // (its CSV and SARIF files either race or omit it).
  const run = require('@doyensec/electronegativity/dist/runner.js') as Runner;

  const justified = parseJustifications(await readFile(securityDoc, 'utf8'));
  for (const j of justified) {
    if (j.why.length < 20) throw new Error(`docs/security.md: justify ${j.check} in a sentence.`);
  }

  // A fresh clone has no out/ yet, and the scanner writes its report there.
  await mkdir(path.join(root, 'out'), { recursive: true });
  const result = await run(
    {
      input: scanned,
      output: path.join(root, 'out', 'electronegativity.sarif'),
      isSarif: true,
      customScan: [],
      // The one check that downloads Electron's release list; we pin the version instead.
      excludeFromScan: ['availablesecurityfixesglobalcheck'],
      isRelative: true,
      isVerbose: false,
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    },
    false,
  );

  const unparsed = result.errors.filter((e) => !e.tolerable);
  const findings = result.issues.filter((i) => i.severity.value > 0);
  const used = new Set<Justification>();
  const unjustified: Issue[] = [];
  for (const issue of findings) {
    const file = issue.file.split(path.sep).join('/');
    const j = justified.find((x) => x.check === issue.id && (x.file === '*' || x.file === file));
    if (j === undefined) unjustified.push(issue);
    else used.add(j);
  }

  console.log(
    `Electronegativity (Electron ${electronVersion}) on main/electron: ${result.issues.length} ` +
      `findings, ${findings.length} above informational, ${findings.length - unjustified.length} ` +
      'of them justified in docs/security.md.',
  );
  for (const issue of unjustified) {
    console.log(
      `  UNJUSTIFIED ${issue.severity.name} ${issue.id} ${issue.file}:${issue.location.line}` +
        ` — ${issue.description}`,
    );
  }
  for (const j of justified) {
    if (!used.has(j))
      console.log(`  note: the justification of ${j.check} (${j.file}) matched nothing.`);
  }
  for (const e of unparsed) console.log(`  NOT SCANNED ${e.file}: ${e.message}`);
  if (unjustified.length > 0 || unparsed.length > 0) process.exit(1);
}

if (import.meta.filename === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
