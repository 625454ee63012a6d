// Prints one plain closing line ("Tests: N passed, N failed, N skipped") that CI tooling reads,
// since jest's own summary says "N total" instead.
export default class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`
    process.stdout.write(`\n${line}\n`)
  }
}
