// Reads the concurrent loops of one run share (several services, one release), so the release costs about what one
// service costs from the run's one call budget. A loop opens a reader for the names it watches (its service, its
// service deployment, its alarms); a look sends one request for its own names plus the group's (a cluster's) other
// watched names, and each answer is kept with the moment its request went out. Another loop's look takes that answer
// instead of making a call when the request went out after its own previous look ended (its first look: after it
// began watching, so after its UpdateService), and waits for such a request still in flight. One loop alone makes
// exactly the calls a plain read makes, each through its own run's context (its deadline, its tally). Poller knows
// nothing of this: the readers hang off it in a WeakMap.
import type { Clients } from '../aws/clients.js'
import type { Poller } from './poller.js'
import type { Call } from './stopped-tasks.js'

/** One request for `names` of `group`, its calls made through `call`: each name's value (absent: not answered). */
export type Fetch<V> = (call: Call, group: string, names: string[]) => Promise<Map<string, V>>

export interface Read<V> {
  /** Each of the reader's names; undefined when the answer did not have it. */
  values: Map<string, V | undefined>
  /** When the oldest of the answers used arrived (poller clock). */
  answeredAt: number
  /** When the oldest of their requests went out (the logical clock `read(after)` takes). */
  sent: number
}

export interface Reader<V> {
  /** Answers whose requests went out after the previous read (the first read: after watch) and after `after` (another
   * read's `sent`: an answer no older than one already seen), sharing or calling. */
  read(after?: number): Promise<Read<V>>
  /** Stops adding the reader's names to the group's requests. */
  close(): void
}

interface Answer<V> {
  sent: number
  answeredAt: number
  value: V | undefined
}

interface Flight {
  names: ReadonlySet<string>
  /** Logical time the request's first call went out; undefined while it waits for the budget. */
  sent?: number
  done: Promise<void>
}

interface Group<V> {
  /** Name → how many open readers watch it. */
  watched: Map<string, number>
  answers: Map<string, Answer<V>>
  flights: Set<Flight>
}

/** A logical clock, one for every kind of read so a service deployment can be read "after" a service look: "request
 * sent" and "look ended" must be ordered exactly, which equal clock readings cannot. */
let tick = 0

export class SharedReads<V> {
  private readonly groups = new Map<string, Group<V>>()

  constructor(
    private readonly poller: Poller,
    private readonly fetch: Fetch<V>,
    /** The most names one request may carry (the API's limit); Infinity when `fetch` pages itself. */
    private readonly perCall: number,
  ) {}

  /** A reader for `names`, whose requests go out through `call` (its run's context). */
  watch(group: string, names: string[], call: Call): Reader<V> {
    let g = this.groups.get(group)
    if (!g) this.groups.set(group, (g = { watched: new Map(), answers: new Map(), flights: new Set() }))
    const shared = g
    for (const name of names) shared.watched.set(name, (shared.watched.get(name) ?? 0) + 1)
    let since = ++tick
    let closed = false
    return {
      read: async (after?: number) => {
        const read = await this.read(shared, group, names, Math.max(since, (after ?? 0) + 1), call)
        since = ++tick
        return read
      },
      close: () => {
        if (closed) return
        closed = true
        for (const name of names) {
          const left = (shared.watched.get(name) ?? 1) - 1
          if (left > 0) shared.watched.set(name, left)
          else {
            shared.watched.delete(name)
            shared.answers.delete(name)
          }
        }
        if (shared.watched.size === 0) this.groups.delete(group)
      },
    }
  }

  private async read(g: Group<V>, group: string, names: string[], since: number, call: Call): Promise<Read<V>> {
    for (;;) {
      const stale = names.filter((name) => (g.answers.get(name)?.sent ?? 0) < since)
      if (stale.length === 0) break
      const waits: Promise<void>[] = []
      let uncovered = stale
      for (const flight of g.flights) {
        // A request that went out before this reader's previous look may predate what it already saw.
        if (flight.sent !== undefined && flight.sent < since) continue
        if (!uncovered.some((name) => flight.names.has(name))) continue
        waits.push(flight.done)
        uncovered = uncovered.filter((name) => !flight.names.has(name))
      }
      for (let i = 0; i < uncovered.length; i += this.perCall) waits.push(this.send(g, group, uncovered.slice(i, i + this.perCall), call))
      // Any request this look depended on that failed fails the look: its loop's error policy applies.
      await Promise.all(waits)
    }
    const used = names.map((name) => g.answers.get(name)!)
    return {
      values: new Map(names.map((name, i) => [name, used[i].value])),
      answeredAt: used.reduce((at, a) => Math.min(at, a.answeredAt), this.poller.clock.now()),
      sent: used.reduce((at, a) => Math.min(at, a.sent), Number.POSITIVE_INFINITY),
    }
  }

  /** One request for `needed`, filled up to the limit with the group's other watched names, stalest first. */
  private send(g: Group<V>, group: string, needed: string[], call: Call): Promise<void> {
    const covered = new Set([...g.flights].flatMap((f) => [...f.names]))
    const others = [...g.watched.keys()]
      .filter((name) => !needed.includes(name) && !covered.has(name))
      .sort((a, b) => (g.answers.get(a)?.sent ?? 0) - (g.answers.get(b)?.sent ?? 0))
    const names = [...needed, ...others].slice(0, this.perCall)
    const flight: Flight = { names: new Set(names), done: Promise.resolve() }
    const sending: Call = (send) =>
      call((options) => {
        flight.sent ??= ++tick
        return send(options)
      })
    flight.done = this.fetch(sending, group, names)
      .then((values) => {
        const sent = flight.sent!
        const answeredAt = this.poller.clock.now()
        for (const name of names) if ((g.answers.get(name)?.sent ?? 0) < sent) g.answers.set(name, { sent, answeredAt, value: values.get(name) })
      })
      .finally(() => g.flights.delete(flight))
    // The looks waiting for it get the error; a request whose looks all gave up must not crash the run.
    flight.done.catch(() => undefined)
    g.flights.add(flight)
    return flight.done
  }
}

/** One SharedReads per poller (and clients): loops share only when they share the run's call budget. */
export function perPoller<V>(make: (clients: Clients, poller: Poller) => SharedReads<V>): (clients: Clients, poller: Poller) => SharedReads<V> {
  const byPoller = new WeakMap<Poller, WeakMap<Clients, SharedReads<V>>>()
  return (clients, poller) => {
    let byClients = byPoller.get(poller)
    if (!byClients) byPoller.set(poller, (byClients = new WeakMap()))
    let reads = byClients.get(clients)
    if (!reads) byClients.set(clients, (reads = make(clients, poller)))
    return reads
  }
}
