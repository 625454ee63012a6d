// Where in a file a problem is: problems stay sentences (string[] everywhere they are collected), and the code that
// read the file records the file and line of each sentence here, so an annotation can point at the file (and line).

export interface ProblemLocation {
  /** The path as the user gave it (relative to the workspace). */
  file: string
  line?: number
  column?: number
}

const locations = new Map<string, ProblemLocation>()

/** Records where `problem` is and returns it unchanged. */
export function locate(problem: string, location: ProblemLocation): string {
  locations.set(problem, location)
  return problem
}

/** The file (and line) of a problem a file reader recorded; undefined for any other problem. */
export function locationOf(problem: string): ProblemLocation | undefined {
  return locations.get(problem)
}
