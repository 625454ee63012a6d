import type { HookBook, HookRule } from './types.js'

const OUTCOMES = new Set(['succeed', 'fail', 'in-progress'])
const DEFAULT_RULE: HookRule = { outcome: 'succeed', afterSeconds: 2 }

/** Throws unless `r` is a HookRule (world files and the control API hand us untyped JSON). */
export function checkHookRule(r: unknown): HookRule {
  const o = r as Record<string, unknown>
  if (typeof o !== 'object' || o === null || !OUTCOMES.has(o.outcome as string)) {
    throw new Error(`hook rule must be an object with outcome one of ${[...OUTCOMES].join(', ')}; got ${JSON.stringify(r)}`)
  }
  if (o.afterSeconds !== undefined && (typeof o.afterSeconds !== 'number' || o.afterSeconds < 0)) throw new Error('hook rule afterSeconds must be a number ≥ 0')
  if (o.message !== undefined && typeof o.message !== 'string') throw new Error('hook rule message must be a string')
  return o as unknown as HookRule
}

/** A Lambda is matched by its full ARN, then by its function name (the ARN's last part, without a version or alias). */
function keysFor(target: string): string[] {
  const arn = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(target)
  return arn ? [target, arn[1]] : [target]
}

export class Hooks implements HookBook {
  private readonly byTarget = new Map<string, HookRule>()

  set(target: string, rule: HookRule): void {
    this.byTarget.set(target.trim(), checkHookRule(rule))
  }

  has(target: string): boolean {
    return keysFor(target).some((key) => this.byTarget.has(key))
  }

  ruleFor(target: string): HookRule {
    for (const key of keysFor(target)) {
      const rule = this.byTarget.get(key)
      if (rule) return { afterSeconds: DEFAULT_RULE.afterSeconds, ...rule }
    }
    return DEFAULT_RULE
  }

  entries(): Record<string, HookRule> {
    return Object.fromEntries(this.byTarget)
  }
}
