// Generates sandbox/model/aws-schema.json from the botocore service models of the operations the sandbox serves,
// so request validation (sandbox/model/) follows AWS's own models instead of hand-written rules.
//
//   npx tsx scripts/gen-sandbox-schema.ts [BOTOCORE_DIR]
//
// BOTOCORE_DIR defaults to the installed botocore package (`python3 -c 'import botocore'`). Which operations are
// served is asked of the sandbox itself (AwsService.has), so the schema covers exactly those and the shapes they
// reach; sandbox-schema.test.ts fails when the two drift apart. botocore's LICENSE and NOTICE are copied alongside.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { World } from '../sandbox/world.js'
import type { SchemaShape } from '../sandbox/model/schema.js'
import type { ServiceName } from '../sandbox/types.js'

/** The services whose models are read, in the schema's order; botocore's model directories have the sandbox's names. */
const SERVICES: ServiceName[] = ['ecs', 'ecr', 'codedeploy', 'cloudwatch', 'logs']

type Ref = { shape: string }

/** A botocore shape: what SchemaShape keeps, with references as `{ shape }`, and the error code of an exception. */
interface BotoShape extends Omit<SchemaShape, 'members' | 'member' | 'key' | 'value'> {
  members?: Record<string, Ref>
  member?: Ref
  key?: Ref
  value?: Ref
  error?: { code?: string }
}

interface BotoModel {
  metadata: { apiVersion: string; protocol: string; jsonVersion?: string; targetPrefix: string; serviceId: string; awsQueryCompatible?: object }
  operations: Record<string, { input?: Ref; output?: Ref; errors?: Ref[] }>
  shapes: Record<string, BotoShape>
}

const botocoreDir = process.argv[2] ?? execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim()
const botocoreVersion = /__version__ = '([^']+)'/.exec(readFileSync(join(botocoreDir, '__init__.py'), 'utf8'))?.[1] ?? 'unknown'

/**
 * Members AWS has that this botocore's models lack yet, which the sandbox emulates (ECS circuit-breaker thresholds,
 * July 2026, in @aws-sdk/client-ecs 3.1164.0). Listed in the schema's `source.additions`; drop them once botocore
 * has them.
 */
const ADDITIONS: Record<string, { members: Record<string, Record<string, string>>; shapes: Record<string, BotoShape> }> = {
  ecs: {
    members: { DeploymentCircuitBreaker: { resetOnHealthyTask: 'BoxedBoolean', thresholdConfiguration: 'ThresholdConfiguration' } },
    shapes: {
      ThresholdConfiguration: { type: 'structure', members: { type: { shape: 'ThresholdType' }, value: { shape: 'Integer' } }, required: ['type', 'value'] },
      ThresholdType: { type: 'string', enum: ['BOUNDED_PERCENT', 'UNBOUNDED_PERCENT', 'COUNT'] },
    },
  },
}

function readModel(service: string): BotoModel {
  const dir = join(botocoreDir, 'data', service)
  const version = readdirSync(dir).sort().at(-1) as string
  const file = join(dir, version, 'service-2.json')
  const text = existsSync(file) ? readFileSync(file, 'utf8') : gunzipSync(readFileSync(`${file}.gz`)).toString('utf8')
  const model = JSON.parse(text) as BotoModel
  const added = ADDITIONS[service]
  if (added) {
    for (const [shape, members] of Object.entries(added.members)) {
      for (const [name, target] of Object.entries(members)) {
        if (model.shapes[shape].members?.[name]) throw new Error(`${service}: ${shape}.${name} is in botocore now; drop it from ADDITIONS`)
        ;(model.shapes[shape].members as Record<string, Ref>)[name] = { shape: target }
      }
    }
    Object.assign(model.shapes, added.shapes)
  }
  return model
}

/** The shape without its documentation and with only what validation needs. */
function compact(s: BotoShape): SchemaShape {
  const out: SchemaShape = { type: s.type }
  if (s.members) out.members = Object.fromEntries(Object.entries(s.members).map(([k, m]) => [k, m.shape]))
  if (s.required?.length) out.required = s.required
  if (s.member) out.member = s.member.shape
  if (s.key) out.key = s.key.shape
  if (s.value) out.value = s.value.shape
  if (s.enum) out.enum = s.enum
  if (s.min !== undefined) out.min = s.min
  if (s.max !== undefined) out.max = s.max
  if (s.pattern !== undefined) out.pattern = s.pattern
  if (s.union) out.union = true
  if (s.document) out.document = true
  return out
}

function children(s: BotoShape): string[] {
  return [...Object.values(s.members ?? {}).map((m) => m.shape), s.member?.shape, s.key?.shape, s.value?.shape].filter((x): x is string => !!x)
}

const world = new World({ timeScale: 0, account: { region: 'us-east-1', accountId: '123456789012' } })
const services: Record<string, unknown> = {}
const versions: Record<string, string> = {}
for (const name of SERVICES) {
  const model = readModel(name)
  const md = model.metadata
  const found = world.serviceFor(md.targetPrefix)
  if (!found || found.name !== name) throw new Error(`${name}: the sandbox has no service ${name} with target prefix ${md.targetPrefix}`)
  versions[name] = md.apiVersion
  const all = Object.keys(model.operations).sort()
  const served = all.filter((op) => found.service.has(op))
  const shapes: Record<string, SchemaShape> = {}
  const reach = (shape: string) => {
    if (shapes[shape]) return
    const s = model.shapes[shape]
    shapes[shape] = compact(s)
    children(s).forEach(reach)
  }
  const operations: Record<string, unknown> = {}
  for (const op of served) {
    const o = model.operations[op]
    if (o.input) reach(o.input.shape)
    if (o.output) reach(o.output.shape)
    // Errors by their wire code (CloudWatch's query codes differ from the shape names).
    const errors = (o.errors ?? []).map((e) => model.shapes[e.shape].error?.code ?? e.shape)
    operations[op] = { ...(o.input ? { input: o.input.shape } : {}), ...(o.output ? { output: o.output.shape } : {}), errors }
  }
  services[md.targetPrefix] = {
    name,
    serviceId: md.serviceId,
    apiVersion: md.apiVersion,
    protocol: md.protocol,
    ...(md.awsQueryCompatible ? { awsQueryCompatible: true } : {}),
    operations,
    unserved: all.filter((op) => !found.service.has(op)),
    shapes: Object.fromEntries(Object.entries(shapes).sort(([a], [b]) => a.localeCompare(b))),
  }
}

// One shape per line: small diffs when a model changes, yet readable.
const lines = (obj: Record<string, unknown>, indent: string) =>
  Object.entries(obj)
    .map(([k, v]) => `${indent}${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(',\n')
const body = Object.entries(services)
  .map(([prefix, s]) => {
    const { shapes, operations, ...head } = s as { shapes: Record<string, unknown>; operations: Record<string, unknown> }
    return `    ${JSON.stringify(prefix)}: {\n${lines(head, '      ')},\n      "operations": {\n${lines(operations, '        ')}\n      },\n      "shapes": {\n${lines(shapes, '        ')}\n      }\n    }`
  })
  .join(',\n')
const additions = Object.entries(ADDITIONS).flatMap(([svc, a]) => Object.entries(a.members).flatMap(([shape, m]) => Object.keys(m).map((n) => `${svc} ${shape}.${n}`)))
const source = {
  generator: 'scripts/gen-sandbox-schema.ts',
  botocore: botocoreVersion,
  apiVersions: versions,
  additions,
  licence: 'Apache-2.0: see botocore-LICENSE.txt and botocore-NOTICE.txt',
}
const out = fileURLToPath(new URL('../sandbox/model/', import.meta.url))
writeFileSync(join(out, 'aws-schema.json'), `{\n  "source": ${JSON.stringify(source)},\n  "services": {\n${body}\n  }\n}\n`)
const distInfo = readdirSync(dirname(botocoreDir)).find((d) => d.startsWith('botocore-') && d.endsWith('.dist-info'))
if (distInfo) {
  copyFileSync(join(dirname(botocoreDir), distInfo, 'LICENSE.txt'), join(out, 'botocore-LICENSE.txt'))
  copyFileSync(join(dirname(botocoreDir), distInfo, 'NOTICE'), join(out, 'botocore-NOTICE.txt'))
}
console.log(`sandbox/model/aws-schema.json from botocore ${botocoreVersion}: ${JSON.stringify(versions)}`)
