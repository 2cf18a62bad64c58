// The workspace's package graph as the sources state it: the @switchyard packages each package's src/**/*.ts imports, and the seam-marking externals
// (express, openai, @openai/agents*, bullmq, jose, ws, mongodb, @google-cloud/storage). `node --import tsx scripts/package-graph.ts [--dot]`: one line per package, or Graphviz.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCOPE = '@switchyard/';
/** Package folders: every child of these that has a package.json, plus infra itself. */
const PARENTS = ['packages', 'stand-ins', 'services', 'examples'];
const SEAMS = [/^express$/, /^openai$/, /^@openai\/agents(-.+)?$/, /^bullmq$/, /^jose$/, /^ws$/, /^mongodb$/, /^@google-cloud\/storage$/];

interface Package {
  name: string;
  dir: string;
  /** Imported package → true while every import of it is type-only. */
  internal: Map<string, boolean>;
  external: Map<string, boolean>;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; relative and node: specifiers → undefined. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports, with whether that import is type-only (erased at runtime). */
function importsOf(file: string): Array<{ specifier: string; typeOnly: boolean }> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      // `import type …` / `export type … from`; `import { type A }` still loads the module (verbatimModuleSyntax).
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
      out.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, typeOnly: false }); // await import('…')
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ specifier: node.argument.literal.text, typeOnly: true }); // typeof import('…'), import('…').T
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function note(map: Map<string, boolean>, name: string, typeOnly: boolean): void {
  map.set(name, (map.get(name) ?? true) && typeOnly);
}

const dirs = [
  ...PARENTS.flatMap((p) => (existsSync(join(ROOT, p)) ? readdirSync(join(ROOT, p)).map((d) => join(ROOT, p, d)) : [])),
  join(ROOT, 'infra'),
];
const packages: Package[] = [];
for (const dir of dirs.filter((d) => existsSync(join(d, 'package.json')) && existsSync(join(d, 'src')))) {
  const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
  const pkg: Package = { name, dir: relative(ROOT, dir), internal: new Map(), external: new Map() };
  for (const file of tsFiles(join(dir, 'src'))) {
    for (const { specifier, typeOnly } of importsOf(file)) {
      const target = packageOf(specifier);
      if (!target || target === name) continue;
      if (target.startsWith(SCOPE)) note(pkg.internal, target, typeOnly);
      else if (SEAMS.some((re) => re.test(target))) note(pkg.external, target, typeOnly);
    }
  }
  packages.push(pkg);
}
packages.sort((a, b) => a.name.localeCompare(b.name));

const known = new Set(packages.map((p) => p.name));
const short = (name: string) => (name.startsWith(SCOPE) ? name.slice(SCOPE.length) : name);
const sorted = (m: Map<string, boolean>) => [...m].sort(([a], [b]) => a.localeCompare(b));

if (process.argv.includes('--dot')) {
  // Solid edges load the package at runtime, dashed ones are type-only; externals are grey boxes.
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph switchyard {', '  rankdir=LR;', '  node [shape=ellipse, fontname="Helvetica"];'];
  for (const p of packages) lines.push(`  ${q(short(p.name))} [tooltip=${q(p.dir)}];`);
  const externals = new Set(packages.flatMap((p) => [...p.external.keys()]));
  for (const e of [...externals].sort()) lines.push(`  ${q(e)} [shape=box, style=filled, fillcolor="#eeeeee"];`);
  for (const p of packages) {
    for (const [dep, typeOnly] of [...sorted(p.internal), ...sorted(p.external)]) {
      const attrs = [typeOnly ? 'style=dashed' : '', known.has(dep) || !dep.startsWith(SCOPE) ? '' : 'color=red'].filter(Boolean);
      lines.push(`  ${q(short(p.name))} -> ${q(short(dep))}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
    }
  }
  lines.push('}');
  console.log(lines.join('\n'));
} else {
  // `name (type)`: only type-only imports of it; `name (missing)`: no workspace package has that name.
  const label = (dep: string, typeOnly: boolean) =>
    `${short(dep)}${typeOnly ? ' (type)' : ''}${dep.startsWith(SCOPE) && !known.has(dep) ? ' (missing)' : ''}`;
  const width = Math.max(...packages.map((p) => short(p.name).length));
  for (const p of packages) {
    const internal =
      sorted(p.internal)
        .map(([d, t]) => label(d, t))
        .join(', ') || '-';
    const external = sorted(p.external)
      .map(([d, t]) => label(d, t))
      .join(', ');
    console.log(`${short(p.name).padEnd(width)}  -> ${internal}${external ? `  | ext: ${external}` : ''}`);
  }
}
