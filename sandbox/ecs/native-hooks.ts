// Lifecycle hooks of blue/green, linear and canary deployments: starting a hook's run when its stage begins,
// settling it by the sandbox's hook rules (deps.hooks) or its timeout, and the outcome of a stage's hooks.
import { randomBytes } from 'node:crypto'
import type { HookRule } from '../types.js'
import type { HookRun, HookStage, HookStatus, LifecycleHookConfig, NativeRollout } from './native-model.js'
import type { Ctx, ServiceDeployment } from './state.js'

const HOOK_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_'

/** `ecs-pause-<41 chars>` / `ecs-lambda-<41 chars>`, as in ECS's ContinueServiceDeployment examples. */
function newHookId(targetType: LifecycleHookConfig['targetType']): string {
  const random = Array.from(randomBytes(41), (b) => HOOK_ID_ALPHABET[b % HOOK_ID_ALPHABET.length]).join('')
  return `${targetType === 'PAUSE' ? 'ecs-pause' : 'ecs-lambda'}-${random}`
}

function recordHook(ctx: Ctx, sd: ServiceDeployment, run: HookRun): void {
  ctx.deps.transitions.record({ kind: 'hook', id: run.hookId, state: run.status, detail: { serviceDeploymentArn: sd.arn, lifecycleStage: run.stage } })
}

export function setHookStatus(ctx: Ctx, sd: ServiceDeployment, run: HookRun, status: HookStatus): void {
  if (run.status === status) return
  run.status = status
  recordHook(ctx, sd, run)
}

/** Start a run of every hook configured for `stage`. */
export function startStageHooks(ctx: Ctx, sd: ServiceDeployment, rollout: NativeRollout, stage: HookStage, atMs: number): void {
  for (const hook of sd.config.lifecycleHooks ?? []) {
    if (!hook.lifecycleStages.includes(stage)) continue
    const target = hook.targetType === 'PAUSE' ? 'PAUSE' : hook.hookTargetArn!
    const rule: HookRule | undefined = hook.targetType === 'PAUSE' && !ctx.deps.hooks.has(target) ? undefined : ctx.deps.hooks.ruleFor(target)
    const run: HookRun = {
      hookId: newHookId(hook.targetType),
      targetType: hook.targetType,
      ...(hook.targetType === 'AWS_LAMBDA' ? { targetArn: hook.hookTargetArn! } : {}),
      stage,
      status: hook.targetType === 'PAUSE' ? 'AWAITING_ACTION' : 'IN_PROGRESS',
      startedAt: atMs,
      expiresAt: atMs + hook.timeoutConfiguration.timeoutInMinutes * 60_000,
      timeoutAction: hook.timeoutConfiguration.action,
      outcome: rule?.outcome === 'fail' ? 'fail' : 'succeed',
      ...(rule && rule.outcome !== 'in-progress' ? { settlesAt: atMs + (rule.afterSeconds ?? 2) * 1000 } : {}),
      ...(rule?.message !== undefined ? { message: rule.message } : {}),
    }
    rollout.hooks.push(run)
    recordHook(ctx, sd, run)
  }
}

export const isWaiting = (run: HookRun): boolean => run.status === 'AWAITING_ACTION' || run.status === 'IN_PROGRESS'

export type StageHooks = { state: 'running' } | { state: 'passed' } | { state: 'failed'; run: HookRun }

/** Settle the runs of the current stage that are due (rule outcome, then timeout) and say where the stage stands. */
export function settleStageHooks(ctx: Ctx, sd: ServiceDeployment, runs: HookRun[], nowMs: number): StageHooks {
  for (const run of runs.filter(isWaiting)) {
    if (run.settlesAt !== undefined && run.settlesAt <= nowMs && run.settlesAt <= run.expiresAt) {
      setHookStatus(ctx, sd, run, run.outcome === 'fail' ? 'FAILED' : 'SUCCEEDED')
    } else if (run.expiresAt <= nowMs) {
      setHookStatus(ctx, sd, run, 'TIMED_OUT')
    }
  }
  const failed = runs.find((r) => r.status === 'FAILED' || (r.status === 'TIMED_OUT' && r.timeoutAction === 'ROLLBACK'))
  if (failed) return { state: 'failed', run: failed }
  return runs.some(isWaiting) ? { state: 'running' } : { state: 'passed' }
}

/** The runs started at the current stage (the latest ones of that stage). */
export function currentRuns(rollout: NativeRollout): HookRun[] {
  return rollout.hooks.filter((r) => r.stage === rollout.stage && r.startedAt >= rollout.stageStartedAt)
}

/** How a hook's run is named in statusReason and events: `ecs-lambda-… (arn:aws:lambda:…)` or `ecs-pause-… (PAUSE)`. */
export const hookName = (run: HookRun): string => `${run.hookId} (${run.targetArn ?? 'PAUSE'})`

/** Why a hook run makes the deployment roll back. */
export function hookFailureReason(run: HookRun): string {
  if (run.status === 'TIMED_OUT') {
    return `Lifecycle hook ${hookName(run)} timed out at ${run.stage} after ${Math.round((run.expiresAt - run.startedAt) / 60_000)} minutes.`
  }
  return `Lifecycle hook ${hookName(run)} failed: ${run.message ?? (run.targetType === 'PAUSE' ? 'the deployment was not approved.' : 'the function returned hookStatus FAILED.')}`
}
