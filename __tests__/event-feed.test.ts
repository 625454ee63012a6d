// A healthy rollout drains the old revision's tasks ("has stopped 2 running tasks"): those say nothing about our
// deployment, and looking them up would spend the run's call budget for nothing.
import { describe, expect, it } from '@jest/globals'
import { Timeline } from '../src/core/timeline.js'
import { EventFeed } from '../src/watch/service.js'

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))

describe('EventFeed.mayBeOurs', () => {
  it('is false for stopped tasks no event since ours began said started, true for ours and for anything else', () => {
    const feed = new EventFeed(new Timeline(), () => 0, ['old-event'], at(10))
    feed.take([
      { id: 'old-event', createdAt: at(1), message: '(service web) has started 2 tasks: (task old1) (task old2).' },
      { id: 'e1', createdAt: at(11), message: '(service web) has started 2 tasks: (task new1) (task new2).' },
    ])
    expect(feed.mayBeOurs('(service web) has stopped 2 running tasks: (task old1) (task old2).')).toBe(false)
    expect(feed.mayBeOurs('(service web) has stopped 2 running tasks: (task old1) (task new2).')).toBe(true)
    expect(feed.mayBeOurs('(service web) has stopped 1 running tasks.')).toBe(true)
    expect(feed.mayBeOurs('(service web) (task new1) failed container health checks.')).toBe(true)
  })
})
