// An input the user must fix, carried as a value rather than as message text: the code that reports it formats it
// (`Input \`image\`: …`) without parsing the message back.
export class InputProblem extends Error {
  constructor(
    readonly input: string,
    /** What is wrong, after `Input <name>: `. */
    readonly detail: string,
    /** The bare reason, for a caller that phrases the problem its own way. */
    readonly reason: string = detail,
    /** Where in the input (`line 3`). */
    readonly at?: string,
    options?: ErrorOptions,
  ) {
    super(`Input ${input}${at ? `, ${at}` : ''}: ${detail}`, options)
    this.name = 'InputProblem'
  }

  /** The problem as one sentence that names the input in backticks, as every input problem does. */
  sentence(): string {
    return `Input \`${this.input}\`${this.at ? `, ${this.at}` : ''}: ${this.detail.replace(/\.$/, '')}.`
  }
}
