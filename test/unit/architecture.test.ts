// The layout's rules, enforced (README "Layout"): what a newcomer reads from the tree must stay true.
// - queues/<name>.ts declares a queue; pipelines/<name>/ holds exactly its handler, and nothing else
//   imports a queue folder; code several queues share lives in _-prefixed library folders.
// - pipelines/ knows no BullMQ and no Fastify: the engine's primitives (ctx, deps) are its only queue API.
// - src/ is the engine and names no feature, except its composition root (src/app/, src/main.ts).
// - No queue name is written as a string outside queues/: enqueue by definition.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'generated' || name === 'node_modules') return [];
    return statSync(full).isDirectory() ? walk(full) : /\.(ts|mts)$/.test(name) ? [full] : [];
  });
}

interface Parsed {
  file: string;
  /** Resolved import targets (relative to the repo root) and bare package imports. */
  imports: Array<{ spec: string; target: string }>;
  strings: Array<{ text: string; line: number }>;
}

function parse(file: string): Parsed {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports: Parsed['imports'] = [];
  const strings: Parsed['strings'] = [];
  const addImport = (spec: string) => {
    const target = spec.startsWith('.') ? rel(path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts') : spec;
    imports.push({ spec, target });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      addImport(node.moduleSpecifier.text);
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      addImport(node.arguments[0].text);
      return;
    }
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      strings.push({ text: node.text, line: src.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return { file: rel(file), imports, strings };
}

/** The rules over a tree; returns the violations (empty when the tree is right). */
export function checkLayout(root: string): string[] {
  const problems: string[] = [];
  const queueNames = readdirSync(path.join(root, 'queues')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3));
  const queueSet = new Set(queueNames);
  const pipelineEntries = readdirSync(path.join(root, 'pipelines'));
  const folders = pipelineEntries.filter((n) => statSync(path.join(root, 'pipelines', n)).isDirectory());
  for (const loose of pipelineEntries.filter((n) => !folders.includes(n))) problems.push(`pipelines/${loose}: pipelines/ holds folders only (a queue's, or an _-prefixed library)`);
  for (const f of folders.filter((f) => !f.startsWith('_'))) {
    if (!queueSet.has(f)) problems.push(`pipelines/${f}/ names no queue (queues/${f}.ts does not exist): a library folder starts with _`);
  }
  for (const q of queueNames) {
    if (!folders.includes(q)) problems.push(`queues/${q}.ts has no pipelines/${q}/ folder`);
    const def = readFileSync(path.join(root, 'queues', `${q}.ts`), 'utf8');
    if (!def.includes(`'../pipelines/${q}/index.js'`)) problems.push(`queues/${q}.ts: its handler must be pipelines/${q}/index.ts`);
    if (!new RegExp(`name: '${q}'`).test(def)) problems.push(`queues/${q}.ts must declare name: '${q}' (file name = queue name)`);
  }

  const files = ['src', 'queues', 'pipelines'].flatMap((d) => walk(path.join(root, d))).map((f) => ({ ...parse(f), file: path.relative(root, f).split(path.sep).join('/') }));
  const queueFolderOf = (p: string) => {
    const m = /^pipelines\/([^/_][^/]*)\//.exec(p);
    return m && queueSet.has(m[1]!) ? m[1]! : null;
  };
  const isCompositionRoot = (p: string) => p.startsWith('src/app/') || p === 'src/main.ts';
  const nameInString = new RegExp(`(^|[^a-z0-9-])(${[...queueNames].sort((a, b) => b.length - a.length).join('|')})([^a-z0-9-]|$)`);
  for (const f of files) {
    const own = queueFolderOf(f.file);
    for (const imp of f.imports) {
      const target = path.relative(root, path.resolve(root, imp.target)).split(path.sep).join('/');
      if (f.file.startsWith('pipelines/') && /^(bullmq|fastify|@bull-board\/)/.test(imp.spec)) problems.push(`${f.file}: imports ${imp.spec} (pipelines use the engine's ctx and deps, never BullMQ or Fastify)`);
      if (!imp.spec.startsWith('.')) continue;
      const targetQueue = queueFolderOf(target);
      if (targetQueue && targetQueue !== own && f.file !== `queues/${targetQueue}.ts`) problems.push(`${f.file}: imports ${imp.spec} (queue folder pipelines/${targetQueue}/ is imported only by queues/${targetQueue}.ts; move shared code to an _-prefixed library)`);
      if (f.file.startsWith('src/') && !isCompositionRoot(f.file) && (target.startsWith('pipelines/') || target.startsWith('queues/'))) {
        problems.push(`${f.file}: imports ${imp.spec} (src/ is the engine and names no feature; wire features in src/app/)`);
      }
    }
    if (!f.file.startsWith('queues/')) {
      for (const s of f.strings) {
        const m = nameInString.exec(s.text);
        if (m) problems.push(`${f.file}:${s.line}: queue name "${m[2]}" written as a string (enqueue or name it through its definition in queues/)`);
      }
    }
  }
  return problems;
}

describe('architecture', () => {
  it('holds on this tree', () => {
    expect(checkLayout(ROOT)).toEqual([]);
  });

  it('names each broken rule on a tree that breaks them', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, cpSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'arch-'));
    try {
      for (const d of ['src', 'queues', 'pipelines']) cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true, filter: (p) => !p.includes(`${path.sep}generated`) });
      writeFileSync(path.join(dir, 'pipelines/ingest-plan/extra.ts'), "import { Queue } from 'bullmq';\nimport { run } from '../ingest-replay/index.js';\nexport const q = (x: Queue) => ['ml-retrain', run, x];\n");
      writeFileSync(path.join(dir, 'src/status-extra.ts'), "export { espnArticleInputs } from '../pipelines/_espn/news.js';\n");
      mkdirSync(path.join(dir, 'pipelines/helpers'));
      writeFileSync(path.join(dir, 'pipelines/helpers/x.ts'), 'export const x = 1;\n');
      writeFileSync(path.join(dir, 'pipelines/loose.ts'), 'export const y = 1;\n');
      rmSync(path.join(dir, 'pipelines/match-events'), { recursive: true });
      const problems = checkLayout(dir);
      const expected = [
        /pipelines\/loose\.ts: pipelines\/ holds folders only/,
        /pipelines\/helpers\/ names no queue/,
        /queues\/match-events\.ts has no pipelines\/match-events\/ folder/,
        /pipelines\/ingest-plan\/extra\.ts: imports bullmq/,
        /pipelines\/ingest-plan\/extra\.ts: imports \.\.\/ingest-replay\/index\.js \(queue folder/,
        /src\/status-extra\.ts: imports \.\.\/pipelines\/_espn\/news\.js \(src\/ is the engine/,
        /pipelines\/ingest-plan\/extra\.ts:3: queue name "ml-retrain" written as a string/,
      ];
      for (const re of expected) expect(problems.some((p) => re.test(p)), `expected a problem matching ${re}; got:\n${problems.join('\n')}`).toBe(true);
      expect(problems).toHaveLength(expected.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
