// What the runner would log: everything the action writes to stdout.

/** Everything written to stdout while `fn` runs (what the runner would log), still passed through. */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; stdout: string }> {
  let stdout = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    return write(chunk, ...rest)
  }) as typeof process.stdout.write
  try {
    return { result: await fn(), stdout }
  } catch (error) {
    return { error, stdout }
  } finally {
    process.stdout.write = write
  }
}

/** Lines of `stdout` containing `secret` other than the runner's own ::add-mask:: command (which the runner hides). */
export function leaks(stdout: string, secret: string): string[] {
  return stdout.split('\n').filter((l) => l.includes(secret) && !l.startsWith('::add-mask::'))
}
