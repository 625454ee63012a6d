import { randomUUID } from 'node:crypto'
import { InputReader, page } from './input.js'
import { AwsError, type Account, type AwsService, type JsonObject, type LogSink, type SimClock } from './types.js'

interface LogEvent {
  timestamp: number
  message: string
  ingestionTime: number
  eventId: string
}

interface Stream {
  name: string
  createdAt: number
  events: LogEvent[]
}

interface Group {
  name: string
  createdAt: number
  streams: Map<string, Stream>
}

const OPERATIONS = ['CreateLogGroup', 'CreateLogStream', 'PutLogEvents', 'GetLogEvents', 'FilterLogEvents', 'DescribeLogGroups', 'DescribeLogStreams']
const MUTATING = new Set(['CreateLogGroup', 'CreateLogStream', 'PutLogEvents'])

/** CloudWatch Logs. Its timestamps are epoch milliseconds on the wire (Long members), unlike the other services. */
export class Logs implements AwsService, LogSink {
  readonly targetPrefix = 'Logs_20140328'
  readonly mutatingOperations: ReadonlySet<string> = MUTATING
  private readonly groups = new Map<string, Group>()

  constructor(
    private readonly clock: SimClock,
    private readonly account: Account,
  ) {}

  has(operation: string): boolean {
    return OPERATIONS.includes(operation)
  }

  handle(operation: string, input: JsonObject): JsonObject {
    const r = new InputReader(input)
    switch (operation) {
      case 'CreateLogGroup': {
        this.createGroup(r.string('logGroupName'))
        return {}
      }
      case 'CreateLogStream': {
        const group = this.group(r.string('logGroupName'))
        const name = r.string('logStreamName')
        if (group.streams.has(name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists')
        group.streams.set(name, { name, createdAt: this.clock.now(), events: [] })
        return {}
      }
      case 'PutLogEvents':
        return this.putLogEvents(r)
      case 'GetLogEvents':
        return this.getLogEvents(r)
      case 'FilterLogEvents':
        return this.filterLogEvents(r)
      case 'DescribeLogGroups':
        return this.describeLogGroups(r)
      case 'DescribeLogStreams':
        return this.describeLogStreams(r)
    }
    throw new Error(`Logs operation ${operation} is not implemented`)
  }

  groupExists(group: string): boolean {
    return this.groups.has(group)
  }

  put(group: string, stream: string, events: { timestamp: number; message: string }[], createGroup = false): void {
    if (createGroup && !this.groups.has(group)) this.createGroup(group)
    const g = this.group(group)
    if (!g.streams.has(stream)) g.streams.set(stream, { name: stream, createdAt: this.clock.now(), events: [] })
    // The awslogs driver sends no empty lines (PutLogEvents refuses an empty message).
    this.append(
      g.streams.get(stream) as Stream,
      events.filter((e) => e.message !== ''),
    )
  }

  private createGroup(name: string) {
    if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) {
      throw new AwsError(
        'InvalidParameterException',
        `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
      )
    }
    if (this.groups.has(name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists')
    this.groups.set(name, { name, createdAt: this.clock.now(), streams: new Map() })
  }

  private group(name: string): Group {
    const g = this.groups.get(name)
    if (!g) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.')
    return g
  }

  private stream(r: InputReader): Stream {
    const group = this.group(groupNameOf(r))
    const s = group.streams.get(r.string('logStreamName'))
    if (!s) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.')
    return s
  }

  /** Keeps each stream sorted by timestamp (stable for equal timestamps). */
  private append(stream: Stream, events: { timestamp: number; message: string }[]) {
    const now = this.clock.now()
    for (const e of events) {
      const ev = { timestamp: e.timestamp, message: e.message, ingestionTime: now, eventId: randomUUID().replace(/-/g, '') }
      let i = stream.events.length
      while (i > 0 && stream.events[i - 1].timestamp > e.timestamp) i--
      stream.events.splice(i, 0, ev)
    }
  }

  private putLogEvents(r: InputReader): JsonObject {
    const stream = this.stream(r)
    const events = r.objects('logEvents').map((e, i) => {
      const er = new InputReader(e)
      return { timestamp: er.number('timestamp'), message: er.string('message'), i }
    })
    for (let i = 1; i < events.length; i++) {
      if (events[i].timestamp < events[i - 1].timestamp) {
        throw new AwsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.')
      }
    }
    this.append(stream, events)
    return { nextSequenceToken: String(stream.events.length).padStart(56, '0') }
  }

  /** Tokens are `f/<index>` (read forward from index) and `b/<index>` (read backward, ending before index). */
  private getLogEvents(r: InputReader): JsonObject {
    const stream = this.stream(r)
    const start = r.number('startTime', true)
    const end = r.number('endTime', true)
    const limit = Math.min(r.number('limit', true) ?? 10000, 10000)
    const token = r.string('nextToken', true)
    const events = stream.events.filter((e) => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp < end))
    let from: number
    let to: number
    if (token !== undefined) {
      const m = /^([fb])\/(\d+)$/.exec(token)
      if (!m) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.')
      const at = Math.min(Number(m[2]), events.length)
      ;[from, to] = m[1] === 'f' ? [at, Math.min(at + limit, events.length)] : [Math.max(0, at - limit), at]
    } else if (r.boolean('startFromHead')) {
      ;[from, to] = [0, Math.min(limit, events.length)]
    } else {
      ;[from, to] = [Math.max(0, events.length - limit), events.length]
    }
    return {
      events: events.slice(from, to).map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: `f/${to}`,
      nextBackwardToken: `b/${from}`,
    }
  }

  private filterLogEvents(r: InputReader): JsonObject {
    const group = this.group(groupNameOf(r))
    const names = r.strings('logStreamNames')
    const prefix = r.string('logStreamNamePrefix', true)
    if (names && prefix !== undefined) throw new AwsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix are mutually exclusive.')
    const start = r.number('startTime', true)
    const end = r.number('endTime', true)
    // Only plain terms: the pattern (quotes removed) must occur in the message.
    const pattern = (r.string('filterPattern', true) ?? '').trim().replace(/^"(.*)"$/, '$1')
    const streams = [...group.streams.values()].filter((s) => (!names || names.includes(s.name)) && (prefix === undefined || s.name.startsWith(prefix)))
    const events = streams
      .flatMap((s) => s.events.map((e) => ({ ...e, logStreamName: s.name })))
      .filter((e) => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp <= end) && e.message.includes(pattern))
      .sort((a, b) => a.timestamp - b.timestamp)
    const p = page(events, r.string('nextToken', true), r.number('limit', true), 10000, 'InvalidParameterException')
    return {
      events: p.items.map((e) => ({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.eventId })),
      searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
      nextToken: p.nextToken,
    }
  }

  private describeLogGroups(r: InputReader): JsonObject {
    const prefix = r.string('logGroupNamePrefix', true) ?? ''
    const groups = [...this.groups.values()].filter((g) => g.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name))
    const p = page(groups, r.string('nextToken', true), r.number('limit', true), 50, 'InvalidParameterException')
    return {
      logGroups: p.items.map((g) => ({
        logGroupName: g.name,
        creationTime: g.createdAt,
        arn: `arn:aws:logs:${this.account.region}:${this.account.accountId}:log-group:${g.name}:*`,
        logGroupArn: `arn:aws:logs:${this.account.region}:${this.account.accountId}:log-group:${g.name}`,
        storedBytes: 0,
        logGroupClass: 'STANDARD',
      })),
      nextToken: p.nextToken,
    }
  }

  private describeLogStreams(r: InputReader): JsonObject {
    const group = this.group(groupNameOf(r))
    const prefix = r.string('logStreamNamePrefix', true) ?? ''
    const byTime = r.string('orderBy', true) === 'LastEventTime'
    const last = (s: Stream) => s.events.at(-1)?.timestamp ?? 0
    const streams = [...group.streams.values()].filter((s) => s.name.startsWith(prefix)).sort((a, b) => (byTime ? last(a) - last(b) : a.name.localeCompare(b.name)))
    if (r.boolean('descending')) streams.reverse()
    const p = page(streams, r.string('nextToken', true), r.number('limit', true), 50, 'InvalidParameterException')
    return {
      logStreams: p.items.map((s) => ({
        logStreamName: s.name,
        creationTime: s.createdAt,
        firstEventTimestamp: s.events[0]?.timestamp,
        lastEventTimestamp: s.events.at(-1)?.timestamp,
        lastIngestionTime: s.events.at(-1)?.ingestionTime,
        arn: `arn:aws:logs:${this.account.region}:${this.account.accountId}:log-group:${group.name}:log-stream:${s.name}`,
        storedBytes: 0,
      })),
      nextToken: p.nextToken,
    }
  }
}

/** The log group of a request: "You must include one of these two parameters, but you can't include both." */
function groupNameOf(r: InputReader): string {
  const name = r.string('logGroupName', true)
  const id = r.string('logGroupIdentifier', true)
  if ((name === undefined) === (id === undefined)) {
    throw new AwsError('InvalidParameterException', 'You must include one of logGroupIdentifier or logGroupName, but not both.')
  }
  // logGroupIdentifier is a name or an ARN (`arn:aws:logs:…:log-group:NAME[:*]`).
  return name ?? /:log-group:([^:]+)/.exec(id as string)?.[1] ?? (id as string)
}
