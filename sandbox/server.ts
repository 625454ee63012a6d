import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeCbor, Double, encodeCbor, EpochSeconds } from './cbor.js'
import type { ControlRouter } from './control.js'
import { faultError } from './faults.js'
import { readBody, send } from './http.js'
import { handleChecked } from './model/index.js'
import { AwsError, type JsonObject, type ServiceName } from './types.js'
import type { CallRecord, World } from './world.js'

const JSON_VERSION: Record<ServiceName, string> = { ecs: '1.1', ecr: '1.1', logs: '1.1', cloudwatch: '1.0', codedeploy: '1.1' }

/** JSON has one number type; CBOR clients want timestamps as tag 1 and doubles as floats (CloudWatch's members). */
function cborTypes(value: unknown, key = ''): unknown {
  if (typeof value === 'number') {
    if (/Timestamp$/.test(key)) return new EpochSeconds(value)
    if (key === 'Threshold') return new Double(value)
    return value
  }
  if (Array.isArray(value)) return value.map((v) => cborTypes(v, key))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cborTypes(v, k)]))
  return value
}

/** Smithy RPCv2 CBOR: `POST /service/<Service>/operation/<Operation>` (the AWS CLI v2 / newer botocore for CloudWatch). */
const CBOR_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/

/** The HTTP front: the AWS JSON protocols on `POST /` and the control API under `/_sandbox/`. */
export function createSandboxServer(world: World, control: ControlRouter): Server {
  return createServer((req, res) => {
    handle(world, control, req, res).catch((e: unknown) => {
      console.error('sandbox: request failed:', e)
      if (!res.headersSent) send(res, 500, { __type: 'ServerException', message: String((e as Error).message ?? e) }, { 'content-type': 'application/x-amz-json-1.1' })
      else res.destroy()
    })
  })
}

async function handle(world: World, control: ControlRouter, req: IncomingMessage, res: ServerResponse) {
  const raw = await readBody(req)
  // Services answer synchronously, so what the real registry holds is read before the request is dispatched.
  await world.registry?.refresh()
  const body = raw.toString('utf8')
  const url = new URL(req.url ?? '/', 'http://sandbox')
  if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
    const out = await control.route(req.method ?? 'GET', url.pathname, url.searchParams, body)
    send(res, out.status, out.body, { 'content-type': 'application/json' })
    return
  }
  await handleAws(world, req, res, url.pathname, raw)
}

async function handleAws(world: World, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) {
  const requestId = randomUUID()
  const cborPath = CBOR_PATH.exec(path)
  const cbor = cborPath !== null
  const target = cborPath ? `${cborPath[1]}.${cborPath[2]}` : String(req.headers['x-amz-target'] ?? '')
  const dot = target.lastIndexOf('.')
  const found = dot > 0 ? world.serviceFor(target.slice(0, dot)) : undefined
  const operation = dot > 0 ? target.slice(dot + 1) : target
  const requestType = String(req.headers['content-type'] ?? '')
  const contentType = cbor
    ? 'application/cbor'
    : /^application\/x-amz-json-1\.[01]/.test(requestType)
      ? requestType.split(';')[0]
      : `application/x-amz-json-${found ? JSON_VERSION[found.name] : '1.1'}`
  const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': requestId }
  if (cbor) headers['smithy-protocol'] = 'rpc-v2-cbor'
  const encode = (body: unknown) => (cbor ? encodeCbor(cborTypes(body)) : body)

  const fail = (err: AwsError) => {
    const h: Record<string, string> = { ...headers, 'x-amzn-errortype': err.code }
    // awsQueryCompatible (CloudWatch): clients map this header back to the query-protocol error code.
    if (found?.name === 'cloudwatch') h['x-amzn-query-error'] = `${err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}`
    send(res, err.status, encode({ __type: err.code, message: err.message, ...err.extra }), h)
    return err
  }

  if (req.method !== 'POST') {
    fail(new AwsError('UnknownOperationException', `The sandbox accepts AWS calls as POST /; use /_sandbox/ for the control API (got ${req.method} ${req.url})`))
    return
  }
  if (!found || !found.service.has(operation)) {
    fail(new AwsError('UnknownOperationException', target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header'))
    return
  }

  const { name, service } = found
  const mutating = service.mutatingOperations.has(operation)
  let input: JsonObject = {}
  let parseError: AwsError | undefined
  if (raw.length > 0 && (cbor || raw.toString('utf8').trim() !== '')) {
    try {
      const parsed: unknown = cbor ? decodeCbor(raw) : JSON.parse(raw.toString('utf8'))
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the body must be an object')
      input = parsed as JsonObject
    } catch (e) {
      parseError = new AwsError('SerializationException', `Could not parse the request body as ${cbor ? 'CBOR' : 'JSON'}: ${(e as Error).message}`)
    }
  }

  // A phase the world has reached by now arms the faults waiting for it before this call picks one.
  let simMs = syncOrNow(world)
  const fault = world.faults.take(name, operation)
  if (fault?.kind === 'latency') {
    await sleep(fault.latencyMs as number)
    simMs = syncOrNow(world)
  }
  const record = (status: number, errorCode?: string, applied?: CallRecord['applied']) =>
    world.recordCall({
      service: name,
      operation,
      params: input,
      simMs,
      wallMs: Date.now(),
      status,
      errorCode,
      mutating,
      fault: fault?.kind,
      faultId: fault?.id,
      ...(applied ? { applied } : {}),
    })

  if (fault?.kind === 'drop') {
    record(0, 'ConnectionDropped')
    req.socket.destroy()
    return
  }
  // The socket stays open until the client gives up or the sandbox stops (http.ts close).
  if (fault?.kind === 'hang') {
    record(0, 'NoAnswer')
    return
  }
  const injected = fault && faultError(fault)
  if (parseError || injected) {
    const err = fail((parseError ?? injected) as AwsError)
    record(err.status, err.code)
    return
  }
  // Applied, then the answer never leaves: the client sees a network error, and its retry meets the changed world.
  const loseAnswer = (applied: CallRecord['applied']) => {
    record(0, 'AnswerLost', applied)
    req.socket.destroy()
  }
  try {
    const out = handleChecked(service, operation, input)
    if (fault?.kind === 'lost-answer') return loseAnswer({ status: 200 })
    send(res, 200, encode(out), headers)
    record(200)
  } catch (e) {
    const err = e instanceof AwsError ? e : new AwsError('ServerException', `Sandbox error in ${name}.${operation}: ${(e as Error).message}`, 500)
    if (!(e instanceof AwsError)) console.error(`sandbox: ${name}.${operation} threw:`, e)
    if (fault?.kind === 'lost-answer') return loseAnswer({ status: err.status, errorCode: err.code })
    fail(err)
    record(err.status, err.code)
  }
}

/** Catch the world up with the clock; a failing service step is reported, not fatal to the request. */
function syncOrNow(world: World): number {
  try {
    world.sync()
  } catch (e) {
    console.error('sandbox: stepping the world failed:', e)
  }
  return world.now()
}
