// AWS/ApplicationELB per target group, per minute: RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime,
// from each target group's share of its service's production traffic second by second and the traffic behaviour of
// the tasks serving it (sandbox/traffic.ts draws each minute with noise seeded by the target group and the minute).
import { createHash } from 'node:crypto'
import { mergeMinutes, minuteOf, seededRandom, type MinuteOfTraffic, type Traffic } from './traffic.js'

/** A target group's part of its service's production traffic at one moment. */
export interface TargetGroupShare {
  targetGroupArn: string
  /** The listener (rule) ARN the target group is reached through: its load balancer is the metrics' dimension. ECS
   * names none for a rolling service: its target group then sits behind a load balancer of its own (`sandboxLoadBalancer`). */
  listenerArn?: string
  /** 0–1 of the service's requests. */
  share: number
  /** The traffic of each task registered and serving in it (each takes an equal part of the share). */
  traffic: Traffic[]
}

/** Where a CODE_DEPLOY service's production traffic comes in, and (during or after a deployment) each target group's
 * share of it; without `shareOf` the target groups serving tasks split it by their tasks. */
export interface TrafficRoute {
  listenerArn: string
  shareOf?: (targetGroupArn: string) => number | undefined
}

/** `targetgroup/<name>/<id>`: the ARN's last part. */
export const targetGroupDimension = (arn: string): string => /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1] ?? arn
/** The load balancer a target group without a known listener is published under: `app/<target group name>/<16 hex>`. */
export function sandboxLoadBalancer(targetGroupArn: string): string {
  const name = /:targetgroup\/([^/]+)\//.exec(targetGroupArn)?.[1] ?? 'sandbox'
  return `app/${name}/${createHash('sha256').update(targetGroupArn).digest('hex').slice(0, 16)}`
}

/** `app/<name>/<id>`, from a load balancer's, listener's or listener rule's ARN. */
export const loadBalancerDimension = (arn: string): string | undefined => /:(?:loadbalancer|listener|listener-rule)\/(app\/[^/]+\/[^/]+)/.exec(arn)?.[1]

interface Bucket {
  /** Traffic (as JSON) → share-seconds in this minute. */
  parts: Map<string, number>
  done?: MinuteOfTraffic
}

export class LoadBalancerMetrics {
  /** `${LoadBalancer} ${TargetGroup}` → minute index → what served it. */
  private readonly minutes = new Map<string, Map<number, Bucket>>()
  private lastSecond?: number

  constructor(private readonly shares: () => TargetGroupShare[]) {}

  /** Counts each whole second up to `simMs` with the shares as they stand now. */
  advanceTo(simMs: number): void {
    const second = Math.floor(simMs / 1000)
    if (this.lastSecond === undefined || second <= this.lastSecond) {
      this.lastSecond ??= second
      return
    }
    const seconds = second - this.lastSecond
    const minute = Math.floor(this.lastSecond / 60)
    this.lastSecond = second
    for (const s of this.shares()) {
      const lb = s.listenerArn ? loadBalancerDimension(s.listenerArn) : sandboxLoadBalancer(s.targetGroupArn)
      if (!lb || s.share <= 0 || s.traffic.length === 0) continue
      const key = `${lb} ${targetGroupDimension(s.targetGroupArn)}`
      const byMinute = this.minutes.get(key) ?? new Map<number, Bucket>()
      this.minutes.set(key, byMinute)
      const bucket = byMinute.get(minute) ?? { parts: new Map() }
      byMinute.set(minute, bucket)
      for (const t of s.traffic) {
        const k = JSON.stringify(t)
        bucket.parts.set(k, (bucket.parts.get(k) ?? 0) + (s.share / s.traffic.length) * seconds)
      }
    }
  }

  /** Every load balancer and target group that took traffic (ListMetrics). */
  dimensions(): { loadBalancer: string; targetGroup: string }[] {
    return [...this.minutes.keys()].map((key) => {
      const [loadBalancer, targetGroup] = key.split(' ')
      return { loadBalancer, targetGroup }
    })
  }

  /** The minute starting at `minuteMs` of one target group, once it is over; undefined when it took no traffic. */
  minute(loadBalancer: string, targetGroup: string, minuteMs: number, nowMs: number): MinuteOfTraffic | undefined {
    const index = Math.floor(minuteMs / 60_000)
    if ((index + 1) * 60_000 > nowMs) return undefined
    const bucket = this.minutes.get(`${loadBalancer} ${targetGroup}`)?.get(index)
    if (!bucket) return undefined
    if (!bucket.done) {
      const random = seededRandom(`${loadBalancer} ${targetGroup}#${index}`)
      bucket.done = mergeMinutes([...bucket.parts].map(([t, shareSeconds]) => minuteOf(JSON.parse(t) as Traffic, shareSeconds / 60, random)))
    }
    return bucket.done.requests > 0 ? bucket.done : undefined
  }
}
