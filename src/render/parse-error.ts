// Where a JSON or YAML file stops parsing, and what the parser expected there, in words that never quote the file:
// a task definition may hold secrets (environment values, tokens), and the parsers' own messages print the bytes
// around the error (V8's JSON.parse quotes the text; yaml adds a code frame).
import { YAMLParseError, type ErrorCode } from 'yaml'

/** Line and column (1-based) and what the parser expected there; undefined when the location is not known. */
export interface ParseFault {
  line: number
  column: number
  expected: string
  /** The parser's own code for the error, when it has one (yaml's BAD_INDENT, …). */
  code?: string
}

// What each of yaml's error codes means the parser expected, phrased without the content.
const YAML_EXPECTED: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'no anchor or tag on an alias',
  BAD_ALIAS: 'an alias (*name) of an anchor defined before it',
  BAD_DIRECTIVE: 'a valid %YAML or %TAG directive',
  BAD_DQ_ESCAPE: 'a valid escape sequence in a double-quoted string',
  BAD_INDENT: 'indentation that lines up with the lines around it',
  BAD_PROP_ORDER: 'the anchor and tag before the value',
  BAD_SCALAR_START: 'a value that does not start with a reserved character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a plain key before `:`, not a block collection',
  BLOCK_IN_FLOW: 'no block collection inside a flow collection ([…] or {…})',
  DUPLICATE_KEY: 'each key at most once in a mapping',
  IMPOSSIBLE: 'valid YAML',
  KEY_OVER_1024_CHARS: 'an implicit key of at most 1024 characters',
  MISSING_CHAR: 'a closing character (a quote, `]` or `}`) or a `:` after a key',
  MULTILINE_IMPLICIT_KEY: 'a key on a single line (or a missing `:` on the line before)',
  MULTIPLE_ANCHORS: 'at most one anchor per value',
  MULTIPLE_DOCS: 'a single document (no second `---`)',
  MULTIPLE_TAGS: 'at most one tag per value',
  NON_STRING_KEY: 'a string key',
  RESOURCE_EXHAUSTION: 'fewer alias expansions',
  TAB_AS_INDENT: 'spaces for indentation, not tabs',
  TAG_RESOLVE_FAILED: 'a value its tag can represent',
  UNEXPECTED_TOKEN: 'a key, a value or a list item here (a stray character, or a missing `:` or `-`)',
  BAD_COLLECTION_TYPE: 'a collection of the type its tag names',
}

/** Where a YAML parse error is and what was expected, from yaml's error code and position only. */
export function yamlFault(err: unknown): ParseFault | undefined {
  if (!(err instanceof YAMLParseError)) return undefined
  const at = err.linePos?.[0]
  if (!at) return undefined
  return { line: at.line, column: at.col, expected: YAML_EXPECTED[err.code] ?? 'valid YAML', code: err.code }
}

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const VALUE = 'a value (an object, a list, a string in double quotes, a number, true, false or null)'
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const MAX_DEPTH = 512

/**
 * The first place `text` stops being JSON (RFC 8259, as JSON.parse reads it) and what a parser expected there.
 * Undefined when it is valid JSON.
 */
export function jsonFault(text: string): ParseFault | undefined {
  try {
    new JsonScan(text).document()
    return undefined
  } catch (err) {
    if (!(err instanceof Stop)) return undefined
    const before = text.slice(0, err.offset)
    const line = before.split('\n').length
    return { line, column: err.offset - before.lastIndexOf('\n'), expected: err.expected }
  }
}

/** Follows the JSON grammar from the start of `text` and throws a Stop at the first place it breaks. */
class JsonScan {
  private i = 0

  constructor(private readonly text: string) {}

  document(): void {
    if (this.text.charCodeAt(0) === 0xfeff) this.stop('no byte order mark (BOM) at the start of the file')
    this.value(0)
    this.space()
    if (this.i < this.text.length) this.stop('the end of the file after the top-level value')
  }

  private stop(expected: string): never {
    throw new Stop(this.i, expected)
  }

  private space(): void {
    const { text } = this
    while (this.i < text.length && (text[this.i] === ' ' || text[this.i] === '\t' || text[this.i] === '\n' || text[this.i] === '\r')) this.i++
  }

  private value(depth: number): void {
    const { text } = this
    if (depth > MAX_DEPTH) this.stop(`at most ${MAX_DEPTH} levels of nesting`)
    this.space()
    if (this.i >= text.length) this.stop(VALUE)
    const c = text[this.i]
    if (c === '{' || c === '[') return this.collection(c, depth)
    if (c === '"') return this.string()
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.i
      if (!NUMBER.exec(text)) this.stop('a number')
      this.i = NUMBER.lastIndex
      return
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, this.i)) {
        this.i += word.length
        return
      }
    }
    this.stop(VALUE)
  }

  /** An object or a list, from its opening bracket to its closing one. */
  private collection(open: '{' | '[', depth: number): void {
    const close = open === '{' ? '}' : ']'
    this.i++
    this.space()
    if (this.text[this.i] === close) {
      this.i++
      return
    }
    for (;;) {
      if (open === '{') this.propertyName()
      this.value(depth + 1)
      this.space()
      if (this.text[this.i] === ',') this.i++
      else if (this.text[this.i] === close) {
        this.i++
        return
      } else this.stop(open === '{' ? '`,` or `}` after the property value' : '`,` or `]` after the list element')
    }
  }

  /** An object's `"name":`, up to the value. */
  private propertyName(): void {
    this.space()
    if (this.text[this.i] !== '"') this.stop('a property name in double quotes')
    this.string()
    this.space()
    if (this.text[this.i] !== ':') this.stop('`:` after the property name')
    this.i++
  }

  private string(): void {
    const { text } = this
    this.i++
    for (;;) {
      if (this.i >= text.length) this.stop('a closing double quote')
      const c = text.charCodeAt(this.i)
      if (c === 0x22) {
        this.i++
        return
      }
      if (c < 0x20) this.stop('no control character (a line break or tab) inside a string: write \\n or \\t')
      if (c === 0x5c) {
        this.i++
        if (this.i < text.length && '"\\/bfnrt'.includes(text[this.i])) this.i++
        else if (text[this.i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 1, this.i + 5))) this.i += 5
        else this.stop('a valid escape after \\ (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits)')
      } else this.i++
    }
  }
}

/**
 * The detail of a parse problem without the file's content: `at line 3, column 12: expected …`. `err` is what the
 * parser threw (used for YAML, whose errors carry a code and a position; JSON is located by `jsonFault`).
 */
export function parseFaultDetail(err: unknown, text: string, json: boolean): string {
  const fault = json ? jsonFault(text) : yamlFault(err)
  const hidden = "the file's content is not shown, as it may hold secrets"
  if (!fault) return `the parser stopped without a position (${hidden})`
  const end = fault.line === text.split('\n').length && fault.column > (text.split('\n').pop() ?? '').length ? ' (the end of the file)' : ''
  return `at line ${fault.line}, column ${fault.column}${end} the parser expected ${fault.expected}${fault.code ? ` (${fault.code})` : ''}; ${hidden}`
}
