import { getMetricData, listMetrics } from './cloudwatch-metrics.js'
import type { LoadBalancerMetrics } from './elb-metrics.js'
import { epochSeconds, InputReader, page } from './input.js'
import { AwsError, type Account, type AlarmBook, type AlarmView, type AwsService, type JsonObject, type SimClock, type TransitionLog } from './types.js'

export type AlarmState = AlarmView['state']
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA']

interface Alarm {
  config: JsonObject
  state: AlarmState
  reason: string
  reasonData?: string
  updatedAt: number
  transitionedAt: number
  configUpdatedAt: number
}

interface Scheduled {
  name: string
  state: AlarmState
  reason: string
  atMs: number
}

const OPERATIONS = ['PutMetricAlarm', 'DescribeAlarms', 'SetAlarmState', 'DeleteAlarms', 'GetMetricData', 'ListMetrics']
const MUTATING = new Set(['PutMetricAlarm', 'SetAlarmState', 'DeleteAlarms'])
/** Echoed back as given by DescribeAlarms. */
const CONFIG_MEMBERS = [
  'AlarmDescription',
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'TreatMissingData',
  'EvaluateLowSampleCountPercentile',
  'Metrics',
  'ThresholdMetricId',
]

/** CloudWatch metric alarms whose state changes only when told (SetAlarmState, control API, world file), and the
 * load balancer metrics of GetMetricData. */
export class CloudWatch implements AwsService, AlarmBook {
  readonly targetPrefix = 'GraniteServiceVersion20100801'
  readonly mutatingOperations: ReadonlySet<string> = MUTATING
  private readonly alarms = new Map<string, Alarm>()
  private scheduled: Scheduled[] = []
  /** The load balancer metrics GetMetricData reads (set by the world once ECS exists). */
  loadBalancers?: LoadBalancerMetrics

  constructor(
    private readonly clock: SimClock,
    private readonly account: Account,
    private readonly transitions: TransitionLog,
  ) {}

  has(operation: string): boolean {
    return OPERATIONS.includes(operation)
  }

  handle(operation: string, input: JsonObject): JsonObject {
    const r = new InputReader(input, 'MissingParameter', 'InvalidParameterValue')
    switch (operation) {
      case 'PutMetricAlarm':
        return this.putMetricAlarm(input, r)
      case 'DescribeAlarms':
        return this.describeAlarms(r)
      case 'SetAlarmState': {
        const state = r.string('StateValue')
        this.setState(r.string('AlarmName'), checkState(state), r.string('StateReason'), r.string('StateReasonData', true))
        return {}
      }
      case 'GetMetricData':
        return getMetricData(input, this.loadBalancers, this.clock.now())
      case 'ListMetrics':
        return listMetrics(input, this.loadBalancers)
      case 'DeleteAlarms':
        for (const name of r.strings('AlarmNames') ?? []) this.alarms.delete(name)
        return {}
    }
    throw new Error(`CloudWatch operation ${operation} is not implemented`)
  }

  get(name: string): AlarmView | undefined {
    const a = this.alarms.get(name)
    if (!a) return undefined
    return {
      name,
      arn: this.arn(name),
      state: a.state,
      stateReason: a.reason,
      stateUpdatedAt: a.updatedAt,
      periodSeconds: (a.config.Period as number | undefined) ?? 60,
      evaluationPeriods: (a.config.EvaluationPeriods as number | undefined) ?? 1,
    }
  }

  /** Change an alarm's state now. Throws ResourceNotFound for an unknown alarm. */
  setState(name: string, state: AlarmState, reason: string, reasonData?: string): void {
    const a = this.alarms.get(name)
    if (!a) throw new AwsError('ResourceNotFound', `Alarm ${name} not found`, 404)
    const changed = a.state !== state
    a.state = state
    a.reason = reason
    a.reasonData = reasonData
    a.updatedAt = this.clock.now()
    if (changed) a.transitionedAt = a.updatedAt
    if (changed) this.transitions.record({ kind: 'alarm', id: name, state, detail: { reason } })
  }

  /** Change an alarm's state when simulated time reaches `atMs` (applied by advanceTo). */
  schedule(name: string, state: AlarmState, reason: string, atMs: number): void {
    if (!this.alarms.has(name)) throw new AwsError('ResourceNotFound', `Alarm ${name} not found`, 404)
    this.scheduled.push({ name, state, reason, atMs })
    this.scheduled.sort((a, b) => a.atMs - b.atMs)
  }

  advanceTo(simMs: number): void {
    this.loadBalancers?.advanceTo(simMs)
    while (this.scheduled.length && this.scheduled[0].atMs <= simMs) {
      const s = this.scheduled.shift() as Scheduled
      if (this.alarms.has(s.name)) this.setState(s.name, s.state, s.reason)
    }
  }

  private arn(name: string) {
    return `arn:aws:cloudwatch:${this.account.region}:${this.account.accountId}:alarm:${name}`
  }

  private putMetricAlarm(input: JsonObject, r: InputReader): JsonObject {
    const name = r.string('AlarmName')
    r.number('EvaluationPeriods')
    const op = r.string('ComparisonOperator')
    if (
      !/^(GreaterThanOrEqualToThreshold|GreaterThanThreshold|LessThanThreshold|LessThanOrEqualToThreshold|LessThanLowerOrGreaterThanUpperThreshold|LessThanLowerThreshold|GreaterThanUpperThreshold)$/.test(
        op,
      )
    ) {
      throw new AwsError('InvalidParameterValue', `Invalid value '${op}' for ComparisonOperator`)
    }
    for (const n of ['Period', 'Threshold', 'DatapointsToAlarm']) r.number(n, true)
    if (!input.Metrics && (r.string('MetricName', true) === undefined || r.string('Namespace', true) === undefined)) {
      throw new AwsError('MissingParameter', 'The parameter MetricName and Namespace are required unless Metrics is given.')
    }
    const config = Object.fromEntries(CONFIG_MEMBERS.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]))
    const now = this.clock.now()
    const existing = this.alarms.get(name)
    // Updating an alarm keeps its state, as in CloudWatch.
    if (existing) {
      existing.config = config
      existing.configUpdatedAt = now
    } else {
      this.alarms.set(name, { config, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: now, transitionedAt: now, configUpdatedAt: now })
    }
    return {}
  }

  private describeAlarms(r: InputReader): JsonObject {
    const names = r.strings('AlarmNames')
    const prefix = r.string('AlarmNamePrefix', true)
    const state = r.string('StateValue', true)
    if (names && prefix !== undefined) throw new AwsError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be used together.')
    if (state !== undefined) checkState(state)
    const types = r.strings('AlarmTypes')
    const wantMetric = !types || types.includes('MetricAlarm')
    const list = [...this.alarms.keys()]
      .sort()
      .filter((n) => (!names || names.includes(n)) && (prefix === undefined || n.startsWith(prefix)))
      .filter((n) => state === undefined || this.alarms.get(n)?.state === state)
    const p = page(wantMetric ? list : [], r.string('NextToken', true), r.number('MaxRecords', true), 100, 'InvalidNextToken')
    return { MetricAlarms: p.items.map((n) => this.view(n)), CompositeAlarms: [], NextToken: p.nextToken }
  }

  private view(name: string): JsonObject {
    const a = this.alarms.get(name) as Alarm
    return {
      AlarmName: name,
      AlarmArn: this.arn(name),
      AlarmConfigurationUpdatedTimestamp: epochSeconds(a.configUpdatedAt),
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
      Dimensions: [],
      ...a.config,
      // Threshold is a double on the wire; JSON has one number type, so this only fixes its absence.
      Threshold: typeof a.config.Threshold === 'number' ? a.config.Threshold : undefined,
      StateValue: a.state,
      StateReason: a.reason,
      StateReasonData: a.reasonData,
      StateUpdatedTimestamp: epochSeconds(a.updatedAt),
      StateTransitionedTimestamp: epochSeconds(a.transitionedAt),
    }
  }
}

export function checkState(state: string): AlarmState {
  if (!ALARM_STATES.includes(state as AlarmState)) {
    throw new AwsError(
      'InvalidParameterValue',
      `1 validation error detected: Value '${state}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
    )
  }
  return state as AlarmState
}
