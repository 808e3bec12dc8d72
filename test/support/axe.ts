import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

let axeSource: string | undefined
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

interface Violation { id: string; help: string; nodes: { target: string[] }[] }

/** axe-core's WCAG 2.2 A/AA violations on the page as it stands, each as "rule: targets". */
export async function violations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  // Injected by the test (the page's CSP allows only its own scripts; a page script's source is not restricted here).
  await page.evaluate(axeSource)
  const found = await page.evaluate(async (tags) => {
    const result = await (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Violation[] }> } })
      .axe.run(document, { runOnly: { type: 'tag', values: tags } })
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
  }, TAGS)
  return found.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}
