// The one line a rollback run ends with: `rolled back web:7 → web:5 (deployed <when>, image <digest>)`.
import type { Outcome } from '../core/timeline.js'
import type { RollbackChoice } from './rollback-target.js'

export function rollbackLine(rollback: RollbackChoice, outcome: Outcome): string {
  const about = [
    rollback.deployedAt ? `deployed ${rollback.deployedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}` : undefined,
    rollback.image ? `image ${rollback.image}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')
  const what = `${rollback.from} → ${rollback.to}${about ? ` (${about})` : ''}`
  return outcome === 'succeeded' ? `rolled back ${what}` : `rollback ${what} ${outcome}: the service was not rolled back as asked`
}
