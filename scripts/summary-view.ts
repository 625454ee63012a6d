// A job summary as a person sees it: rendered to HTML by a GitHub-flavoured Markdown renderer (the page GitHub would
// show, its Mermaid charts drawn by Mermaid itself), or to text for a terminal (headings, tables, lists, the chart).
import { marked } from 'marked'
import { parseMermaidChart, textChart } from '../src/report/chart.js'

/** The summary's Markdown (with its HTML) as GitHub-flavoured Markdown renders it. */
export function summaryToHtml(markdown: string): string {
  return marked.parse(markdown, { gfm: true, async: false })
}

/** A page to open in a browser: the rendered summary, GitHub-like styles, Mermaid for the charts. */
export function summaryPage(title: string, markdown: string): string {
  const body = summaryToHtml(markdown).replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, '<pre class="mermaid">$1</pre>')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 1012px; margin: 24px auto; padding: 0 16px; }
  .summary { border: 1px solid #d1d9e0; border-radius: 6px; padding: 16px 24px; }
  .caption { color: #59636e; font-size: 12px; margin-bottom: 8px; }
  table { border-collapse: collapse; display: block; max-width: 100%; overflow: auto; margin-bottom: 16px; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
  code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
  pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
  pre code { background: none; padding: 0; }
  h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
</style></head>
<body><div class="caption">Job summary, rendered with a GitHub-flavoured Markdown renderer (marked) — ${escapeHtml(title)}</div>
<div class="summary">
${body}
</div>
<script type="module">
  import mermaid from 'https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs'
  mermaid.initialize({ startOnLoad: true })
</script>
</body></html>
`
}

/** Words longer than this with no break opportunity overflow a table cell or the page. */
const MAX_WORD = 40

/** What a reader would see wrong in the rendered summary. */
export function summaryProblems(markdown: string): string[] {
  const html = summaryToHtml(markdown)
  const problems: string[] = []
  // Text a reader sees outside code blocks: <wbr> is a break opportunity, other tags join their text.
  const prose = html
    .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
    .replace(/<wbr>/g, ' ')
    .replace(/<\/(p|li|td|th|h\d|summary|tr)>/g, ' ')
    .replace(/<[^>]+>/g, '')
  const visible = decode(prose)
  const withoutCode = decode(
    html
      .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code>[\s\S]*?<\/code>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
  for (const literal of [/`[^`\s][^`]*`/, /\*\*[^*]+\*\*/, /\[[^\]]+\]\([^)]+\)/, /(^|\s)#{1,6} \S/]) {
    const found = literal.exec(withoutCode)
    if (found) problems.push(`literal Markdown shown as typed: ${found[0]}`)
  }
  for (const word of visible.split(/\s+/)) if ([...word].length > MAX_WORD) problems.push(`unbroken string of ${[...word].length} characters: ${word}`)
  // A heading followed by another heading of the same or a higher level (or the end) heads nothing.
  const headings = [...html.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g)]
  headings.forEach((h, i) => {
    const next = headings[i + 1]
    const between = html
      .slice(h.index + h[0].length, next?.index ?? html.length)
      .replace(/<[^>]+>/g, '')
      .trim()
    if (between === '' && (!next || Number(next[1]) <= Number(h[1]))) problems.push(`empty section: ${h[2]}`)
  })
  return problems
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' }
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ENTITIES[name])

interface Style {
  bold: (s: string) => string
  dim: (s: string) => string
}

const plain: Style = { bold: (s) => s, dim: (s) => s }
const ansi: Style = { bold: (s) => `\x1b[1m${s}\x1b[22m`, dim: (s) => `\x1b[2m${s}\x1b[22m` }

/** Inline HTML as text: links become `text [n]` with the address listed after the block, tags dropped. */
function inline(html: string, links: string[]): string {
  const withLinks = html.replace(/<a href="([^"]*)">([\s\S]*?)<\/a>/g, (_, href: string, text: string) => {
    links.push(decode(href))
    return `${text} [${links.length}]`
  })
  return decode(withLinks.replace(/<br\s*\/?>/g, '\n').replace(/<[^>]+>/g, ''))
}

const width = (s: string) => [...s].length

function table(html: string, links: string[], style: Style): string[] {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<(th|td)[^>]*>([\s\S]*?)<\/\1>/g)].map((c) => ({ header: c[1] === 'th', text: inline(c[2], links).replace(/\s*\n\s*/g, ' ') })),
  )
  const columns = Math.max(...rows.map((r) => r.length))
  const MAX = 70
  const widths = Array.from({ length: columns }, (_, i) => Math.min(MAX, Math.max(...rows.map((r) => width(r[i]?.text ?? '')))))
  const cut = (s: string, w: number) => (width(s) > w ? `${[...s].slice(0, w - 1).join('')}…` : s)
  const out: string[] = []
  rows.forEach((row, index) => {
    const cells = Array.from({ length: columns }, (_, i) => {
      const cell = row[i]
      const text = cut(cell?.text ?? '', widths[i]).padEnd(widths[i])
      return cell?.header ? style.bold(text) : text
    })
    out.push(`│ ${cells.join(' │ ')} │`)
    // A header row (all <th>) gets a rule under it.
    if (index === 0 && row.every((c) => c.header) && rows.length > 1) out.push(`├${widths.map((w) => '─'.repeat(w + 2)).join('┼')}┤`)
  })
  const rule = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`
  return [rule('┌', '┬', '┐'), ...out, rule('└', '┴', '┘')]
}

/** The summary for a terminal: headings, paragraphs, tables, lists, code, the rollout chart; links as footnotes. */
export function summaryToText(markdown: string, options: { color?: boolean } = {}): string {
  const style = options.color ? ansi : plain
  const out: string[] = []
  const links: string[] = []
  const flush = () => {
    for (const [i, href] of links.entries()) out.push(style.dim(`  [${i + 1}] ${href}`))
    links.length = 0
  }
  // Blocks: a Mermaid fence, or one HTML element per line as core.summary writes them.
  const blocks = markdown.split(/(```mermaid\n[\s\S]*?\n```)/)
  for (const block of blocks) {
    if (block.startsWith('```mermaid')) {
      const chart = parseMermaidChart(block)
      if (chart) out.push('', ...textChart(chart).map((l, i) => (i === 0 ? style.bold(l) : l)))
      continue
    }
    const elements = block.match(/<(h[1-6]|p|table|ul|ol|pre|details)[\s>][\s\S]*?<\/\1>/g) ?? []
    for (const element of elements) {
      const tag = /^<(\w+)/.exec(element)?.[1] ?? ''
      if (/^h[1-6]$/.test(tag)) {
        flush()
        const text = inline(element, links)
        const level = Number(tag[1])
        out.push('', style.bold(level <= 2 ? text.toUpperCase() : text), level <= 3 ? '─'.repeat(Math.min(100, width(text))) : '')
      } else if (tag === 'p') out.push(inline(element, links))
      else if (tag === 'table') out.push(...table(element, links, style))
      else if (tag === 'ul' || tag === 'ol') {
        for (const item of element.matchAll(/<li>([\s\S]*?)<\/li>/g)) out.push(`  • ${inline(item[1], links)}`)
      } else if (tag === 'pre')
        out.push(
          ...inline(element, links)
            .split('\n')
            .map((l) => style.dim(`    ${l}`)),
        )
      else if (tag === 'details') {
        const summary = /<summary>([\s\S]*?)<\/summary>/.exec(element)?.[1] ?? ''
        out.push(`▸ ${inline(summary, links)}`)
        const body = element.replace(/<summary>[\s\S]*?<\/summary>/, '').replace(/<\/?details>/g, '')
        out.push(
          ...inline(body, links)
            .split('\n')
            .map((l) => style.dim(`    ${l}`)),
        )
      }
    }
    flush()
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
