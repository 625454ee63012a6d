// Modules that import each other, even for types only, cannot be understood (or moved) one at a time. This reads the
// relative imports of every .ts file under src/ and sandbox/ and fails on each import cycle, as `a.ts → b.ts → a.ts`,
// and on each import that breaks the layering docs/architecture.md describes (engines, core, report, watch), and on
// each branch on the engine kind outside src/engines/ and src/core/.
import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/** `import … from`, `import type … from`, `export … from`, `import './x'` and `import('./x')`, relative only. */
const STATIC = /(?:^|[;\s])(?:import|export)\s+(?:[\w$*{}\s,]*?\s*from\s*)?['"](\.{1,2}\/[^'"]+)['"]/g
const DYNAMIC = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path)
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The .ts file a relative specifier names: `./x.js` → x.ts, `./dir/index.js` → dir/index.ts, `./dir` → dir/index.ts. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier)
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c))
}

function importsOf(file: string): string[] {
  // Whole-line comments only: stripping `//` elsewhere would cut strings such as URLs.
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\/\*|\*)/.test(l))
    .join('\n')
  const specifiers = [...text.matchAll(STATIC), ...text.matchAll(DYNAMIC)].map((m) => m[1])
  return [...new Set(specifiers.map((s) => resolveSpecifier(file, s)).filter((f): f is string => f !== undefined))]
}

/** One cycle per import edge that lies on a cycle (the shortest way back), each starting at its smallest file. */
function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]))
  const pathBack = (from: string, to: string): string[] | undefined => {
    const prev = new Map<string, string>([[from, from]])
    const queue = [from]
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]
      if (node === to) {
        const path = [to]
        while (path[0] !== from) path.unshift(prev.get(path[0]) as string)
        return path
      }
      for (const next of graph.get(node) ?? []) {
        if (!prev.has(next)) {
          prev.set(next, node)
          queue.push(next)
        }
      }
    }
    return undefined
  }
  const cycles = new Map<string, string[]>()
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const back = pathBack(to, from)
      if (!back) continue
      const ring = [from, ...back.slice(0, -1)]
      const start = ring.indexOf([...ring].sort()[0])
      const cycle = [...ring.slice(start), ...ring.slice(0, start)]
      cycles.set(cycle.join('\n'), [...cycle, cycle[0]])
    }
  }
  return [...cycles.values()].sort((a, b) => a.join('\n').localeCompare(b.join('\n')))
}

/** Runs `check` on a scratch directory holding `files` (path → text), removed afterwards. */
function withTree(prefix: string, files: Record<string, string>, check: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(name)), { recursive: true })
      writeFileSync(join(dir, name), text)
    }
    check(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const show = (cycle: string[], root: string) => cycle.map((f) => relative(root, f).split(sep).join('/')).join(' → ')

// One graph over both trees, so a cycle through both is seen; each test owns the cycles touching its tree.
const touches = (cycle: string, dir: string) => cycle.split(' → ').some((f) => f.startsWith(dir))
const allCycles = findCycles([...tsFiles(join(repoRoot, 'src')), ...tsFiles(join(repoRoot, 'sandbox'))]).map((c) => show(c, repoRoot))

/** Imports of src/ that break a rule of docs/architecture.md, as `from → to (rule)`. */
function layeringViolations(src: string): string[] {
  const rel = (f: string) => relative(src, f).split(sep).join('/')
  const engineOf = (f: string) => /^engines\/([^/]+)\//.exec(rel(f))?.[1]
  const found: string[] = []
  for (const file of tsFiles(src)) {
    const from = rel(file)
    for (const target of importsOf(file)) {
      const to = rel(target)
      const engine = engineOf(file)
      const other = engineOf(target)
      if (engine && other && engine !== other) found.push(`${from} → ${to} (no engine imports another engine)`)
      if (from.startsWith('core/') && !to.startsWith('core/') && to !== 'aws/arn.ts') found.push(`${from} → ${to} (core/ is pure)`)
      if (from.startsWith('report/') && !/^(core|aws|report)\//.test(to)) found.push(`${from} → ${to} (report/ imports only core/ and aws/)`)
      if (from.startsWith('watch/') && /^(engines|preflight|report)\//.test(to)) found.push(`${from} → ${to} (watch/ serves the engines, not the reverse)`)
    }
  }
  return found
}

describe('layering', () => {
  test('src/ follows the import rules of docs/architecture.md', () => {
    expect(layeringViolations(join(repoRoot, 'src'))).toEqual([])
  })

  test('the rules catch what they forbid', () => {
    const files: Record<string, string> = {
      'engines/rolling/run.ts': "import { x } from '../codedeploy/watch.js'\nimport { y } from '../register.js'\nexport const r = [x, y]\n",
      'engines/codedeploy/watch.ts': 'export const x = 1\n',
      'engines/register.ts': 'export const y = 1\n',
      'core/outcome.ts': "import { w } from '../watch/loop.js'\nimport { a } from '../aws/arn.js'\nexport const o = [w, a]\n",
      'aws/arn.ts': 'export const a = 1\n',
      'watch/loop.ts': "import { y } from '../engines/register.js'\nexport const w = y\n",
      'report/log.ts': "import { p } from '../preflight/preflight.js'\nexport const l = p\n",
      'preflight/preflight.ts': 'export const p = 1\n',
    }
    withTree('layering-', files, (dir) => {
      expect(layeringViolations(dir).sort()).toEqual([
        'core/outcome.ts → watch/loop.ts (core/ is pure)',
        'engines/rolling/run.ts → engines/codedeploy/watch.ts (no engine imports another engine)',
        'report/log.ts → preflight/preflight.ts (report/ imports only core/ and aws/)',
        'watch/loop.ts → engines/register.ts (watch/ serves the engines, not the reverse)',
      ])
    })
  })
})

/** An engine kind as a string literal. */
const KIND = `['"\`](?:rolling|ecs-native|codedeploy)['"\`]`
/** `x.kind === 'rolling'`, `'codedeploy' !== x?.kind`, and `case 'ecs-native':` (of a switch on a `.kind`). */
const KIND_COMPARED = new RegExp(`\\.kind\\s*[!=]==?\\s*${KIND}|${KIND}\\s*[!=]==?\\s*[\\w$.?!]*\\.kind\\b`, 'g')
const KIND_CASE = new RegExp(`\\bcase\\s+${KIND}\\s*:`, 'g')
const SWITCH = /\bswitch\s*\(([^)]*)\)/g

/** Where src/ outside engines/ and core/ branches on the engine kind, as `file:line: code`. Code there asks the facts
 * what they carry (or a helper of core/), so that a new engine changes engines/ and core/ only. */
function engineKindBranches(src: string): string[] {
  const found: string[] = []
  for (const file of tsFiles(src)) {
    const rel = relative(src, file).split(sep).join('/')
    if (/^(engines|core)\//.test(rel)) continue
    // Whole-line comments blanked, so lines keep their numbers.
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => (/^\s*(\/\/|\/\*|\*)/.test(l) ? '' : l))
      .join('\n')
    const switches = [...text.matchAll(SWITCH)]
    // A case counts when the nearest switch before it is on a `.kind` (a switch on an input's words is not).
    const onKind = (at: number) => /\.kind\s*$/.test(switches.filter((m) => (m.index ?? 0) < at).at(-1)?.[1] ?? '')
    const matches = [...text.matchAll(KIND_COMPARED), ...[...text.matchAll(KIND_CASE)].filter((m) => onKind(m.index ?? 0))]
    for (const m of matches.sort((a, b) => (a.index ?? 0) - (b.index ?? 0))) {
      found.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${m[0].replace(/\s+/g, ' ')}`)
    }
  }
  return found
}

describe('engine kinds', () => {
  test('src/ branches on the engine kind only in engines/ and core/', () => {
    expect(engineKindBranches(join(repoRoot, 'src'))).toEqual([])
  })

  test('the check catches what it forbids', () => {
    const files: Record<string, string> = {
      'report/summary.ts': "if (facts.kind === 'codedeploy') a()\nconst b = facts?.kind !== \"rolling\"\nconst c =\n  'ecs-native' === engine.kind\n",
      'watch/diagnose.ts': "// facts.kind === 'rolling' in a comment\nswitch (facts.kind) {\n  case 'ecs-native':\n    break\n}\nswitch (word) {\n  case 'rolling':\n}\n",
      'inputs/strategy.ts': "if (kind === 'rolling') a()\nif (s.kind === 'canary') b()\n",
      'engines/rolling/run.ts': "if (facts.kind === 'rolling') a()\n",
      'core/outcome.ts': "switch (facts.kind) {\n  case 'codedeploy':\n}\n",
    }
    withTree('engine-kinds-', files, (dir) => {
      expect(engineKindBranches(dir).sort()).toEqual([
        "report/summary.ts:1: .kind === 'codedeploy'",
        'report/summary.ts:2: .kind !== "rolling"',
        "report/summary.ts:4: 'ecs-native' === engine.kind",
        "watch/diagnose.ts:3: case 'ecs-native':",
      ])
    })
  })
})

describe('import cycles', () => {
  test('src/ has none', () => {
    expect(allCycles.filter((c) => touches(c, 'src/'))).toEqual([])
  })

  test('sandbox/ has none', () => {
    expect(allCycles.filter((c) => touches(c, 'sandbox/'))).toEqual([])
  })

  test('the detector sees every kind of relative import', () => {
    const files: Record<string, string> = {
      'a.ts': "import type { B } from './b.js'\nexport type A = B\n",
      'b.ts': "export { c } from './lib/index.js'\nexport type B = string\n",
      'lib/index.ts': "export const c = () => import('../a.js')\n",
      'd.ts': "import {\n  e,\n  type E,\n} from './e.js'\nexport const d = e\n",
      'e.ts': "// import { d } from './d.js'\nexport const e = 'https://example.com/x.js'\nexport type E = string\n",
      'f.ts': "import './f.js'\n",
    }
    withTree('import-cycles-', files, (dir) => {
      expect(findCycles(tsFiles(dir)).map((c) => show(c, dir))).toEqual(['a.ts → b.ts → lib/index.ts → a.ts', 'f.ts → f.ts'])
    })
  })
})
