import { checkBehavior } from './behaviors.js'
import { checkState, type AlarmState } from './cloudwatch.js'
import type { HookExecutionView } from './codedeploy/index.js'
import type { Fault, FaultSpec } from './faults.js'
import { checkHookRule } from './hooks.js'
import type { AlarmView, Behavior, HookRule, JsonObject, ServiceName, Transition } from './types.js'
import type { CallFilter, CallRecord, TransitionFilter, World } from './world.js'

export interface ClockView {
  /** Simulated epoch ms. */
  nowMs: number
  now: string
  timeScale: number
  wallMs: number
}

export interface AlarmStateOptions {
  reason?: string
  /** Apply at this simulated time, epoch seconds. */
  at?: number
  /** Apply this many simulated seconds from now. */
  afterSeconds?: number
}

/** Test-side handle on a running sandbox; the HTTP control API under /_sandbox/ offers the same. */
export class SandboxControl {
  constructor(
    private readonly world: World,
    private readonly reloadWorld: () => void,
  ) {}

  /** Simulated epoch ms. */
  now(): number {
    this.world.sync()
    return this.world.now()
  }

  clock(): ClockView {
    const nowMs = this.now()
    return { nowMs, now: new Date(nowMs).toISOString(), timeScale: this.world.clock.timeScale, wallMs: Date.now() }
  }

  /** Let `seconds` of simulated time pass at once (every service steps through it). Returns the new now. */
  advance(seconds: number): number {
    this.world.sync()
    return this.world.advance(seconds)
  }

  setBehavior(imageKey: string, behavior: Behavior): void {
    this.world.services.behaviors.set(imageKey, checkBehavior(behavior))
  }

  behaviors(): Record<string, Behavior> {
    return this.world.services.behaviors.entries()
  }

  /** What a lifecycle hook does: `target` is a Lambda function name or ARN (CodeDeploy AppSpec hooks, ECS hooks) or `PAUSE`. */
  setHook(target: string, rule: HookRule): void {
    this.world.services.hooks.set(target, checkHookRule(rule))
  }

  hooks(): Record<string, HookRule> {
    return this.world.services.hooks.entries()
  }

  /** CodeDeploy hook Lambdas waiting for PutLifecycleEventHookExecutionStatus (`in-progress` rules), with their execution ids. */
  hookExecutions(deploymentId?: string): HookExecutionView[] {
    this.world.sync()
    return this.world.services.codedeploy.pendingHookExecutions().filter((h) => deploymentId === undefined || h.deploymentId === deploymentId)
  }

  /** Set an alarm's state now, or at a simulated time (`at` epoch seconds, or `afterSeconds` from now). */
  setAlarmState(name: string, state: AlarmState, options: AlarmStateOptions = {}): void {
    checkState(state)
    const reason = options.reason ?? `Set by the sandbox control API to ${state}`
    const cw = this.world.services.cloudwatch
    const now = this.now()
    if (options.at !== undefined && options.afterSeconds !== undefined) throw new Error('give at or afterSeconds, not both')
    const atMs = options.at !== undefined ? options.at * 1000 : options.afterSeconds !== undefined ? now + options.afterSeconds * 1000 : undefined
    if (atMs === undefined || atMs <= now) cw.setState(name, state, reason)
    else cw.schedule(name, state, reason, atMs)
  }

  alarm(name: string): AlarmView | undefined {
    this.world.sync()
    return this.world.services.cloudwatch.get(name)
  }

  /** Make matching calls fail, slow down, lose their answer or hang: the next `count` once armed (`when`) and past `after`. */
  fault(spec: FaultSpec): Fault {
    return this.world.faults.add(spec)
  }

  faults(): Fault[] {
    return this.world.faults.list()
  }

  clearFaults(): void {
    this.world.faults.clear()
  }

  calls(filter: CallFilter = {}): CallRecord[] {
    return this.world.listCalls(filter)
  }

  transitions(filter: TransitionFilter = {}): Transition[] {
    this.world.sync()
    return this.world.listTransitions(filter)
  }

  /** Resolves with the first transition matching `filter` (already recorded or to come); rejects after `timeoutMs` wall ms. */
  async waitForTransition(filter: TransitionFilter, timeoutMs = 10_000): Promise<Transition> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.transitions(filter)[0]
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no transition matching ${JSON.stringify(filter)} within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Clear the call log, faults and transitions; with `world: true` also rebuild every service from the world spec. */
  reset(options: { world?: boolean } = {}): void {
    this.world.clearLogs()
    if (options.world) this.reloadWorld()
  }
}

export interface ControlResponse {
  status: number
  body: unknown
}

/** The control API's HTTP routes, each a thin wrapper over a SandboxControl method. */
export class ControlRouter {
  constructor(private readonly control: SandboxControl) {}

  async route(method: string, path: string, query: URLSearchParams, body: string): Promise<ControlResponse> {
    let input: JsonObject = {}
    try {
      if (body.trim() !== '') input = JSON.parse(body) as JsonObject
    } catch (e) {
      return { status: 400, body: { error: `body is not JSON: ${(e as Error).message}` } }
    }
    try {
      const out = this.dispatch(`${method} ${path.replace(/\/+$/, '')}`, query, input)
      return out === undefined ? { status: 404, body: { error: `no control route ${method} ${path}` } } : { status: 200, body: out }
    } catch (e) {
      return { status: 400, body: { error: (e as Error).message } }
    }
  }

  private dispatch(route: string, q: URLSearchParams, b: JsonObject): unknown {
    const c = this.control
    switch (route) {
      case 'GET /_sandbox/health':
        return { ok: true, nowMs: c.now() }
      case 'GET /_sandbox/clock':
        return c.clock()
      case 'POST /_sandbox/clock/advance':
        c.advance(num(b.seconds, 'seconds'))
        return c.clock()
      case 'GET /_sandbox/behaviors':
        return c.behaviors()
      case 'POST /_sandbox/behaviors':
        c.setBehavior(str(b.image, 'image'), b.behavior as Behavior)
        return c.behaviors()
      case 'GET /_sandbox/hooks':
        return c.hooks()
      case 'POST /_sandbox/hooks':
        c.setHook(str(b.target, 'target'), b.rule as HookRule)
        return c.hooks()
      case 'GET /_sandbox/codedeploy/hook-executions':
        return c.hookExecutions(q.get('deploymentId') ?? undefined)
      case 'POST /_sandbox/alarms/state':
        c.setAlarmState(str(b.name, 'name'), b.state as AlarmState, {
          reason: b.reason === undefined ? undefined : str(b.reason, 'reason'),
          at: b.at === undefined ? undefined : num(b.at, 'at'),
          afterSeconds: b.afterSeconds === undefined ? undefined : num(b.afterSeconds, 'afterSeconds'),
        })
        return c.alarm(str(b.name, 'name'))
      case 'GET /_sandbox/faults':
        return c.faults()
      case 'POST /_sandbox/faults':
        return c.fault(b as unknown as FaultSpec)
      case 'DELETE /_sandbox/faults':
        c.clearFaults()
        return c.faults()
      case 'GET /_sandbox/calls':
        return c.calls(callFilter(q))
      case 'GET /_sandbox/transitions':
        return c.transitions({ kind: q.get('kind') ?? undefined, id: q.get('id') ?? undefined, state: q.get('state') ?? undefined })
      case 'POST /_sandbox/reset':
        c.reset({ world: b.world === true })
        return { ok: true }
    }
    return undefined
  }
}

function callFilter(q: URLSearchParams): CallFilter {
  const bool = (name: string) => {
    const v = q.get(name)
    if (v === null) return undefined
    if (v !== 'true' && v !== 'false') throw new Error(`${name} must be true or false`)
    return v === 'true'
  }
  const since = q.get('since')
  return {
    service: (q.get('service') ?? undefined) as ServiceName | undefined,
    operation: q.get('operation') ?? undefined,
    mutating: bool('mutating'),
    failed: bool('failed'),
    since: since === null ? undefined : num(Number(since), 'since'),
  }
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${name} must be a non-empty string`)
  return v
}

function num(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name} must be a number`)
  return v
}
