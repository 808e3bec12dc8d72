import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The views whose words are all in the catalog (src/i18n/). A file joins this list once it is translated;
 * the admin, import and invite pages are next.
 */
export const TRANSLATED_VIEWS = [
  'src/views/Layout.tsx', 'src/views/SearchBox.tsx', 'src/views/ErrorPage.tsx', 'src/views/RoomPage.tsx', 'src/views/Message.tsx',
  'src/views/MessageEditor.tsx', 'src/views/Reactions.tsx', 'src/views/LinkPreview.tsx', 'src/views/Members.tsx',
  'src/views/NotifyLevelMenu.tsx', 'src/views/Sidebar.tsx', 'src/views/LobbyPage.tsx', 'src/views/LoginPage.tsx',
  'src/settings/SettingsPage.tsx', 'src/settings/InstallSection.tsx', 'src/settings/routes.tsx', 'src/http/errors.tsx',
  'src/chat/routes.tsx', 'src/auth/routes.tsx',
] as const

/** Attributes a person reads or hears. */
const SHOWN_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'data-confirm', 'hx-confirm', 'data-hint', 'data-hint-touch', 'summary'])
/** Text that is the same in every language: names of things, formats, symbols. */
const SAME_EVERYWHERE = new Set(['rtc', 'Markdown', 'JSON', 'github.com/settings/applications/new', 'CLIENT_ID', 'CLIENT_SECRET', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'])

const wordy = (text: string) => !SAME_EVERYWHERE.has(text.trim()) && /\p{L}{2,}/u.test(text.replace(/\b(rtc|UTC)\b/g, ''))

/** English words a view shows outside the catalog: JSX text, shown attributes, and strings put straight into markup. */
export function literalsIn(file: string, source = readFileSync(file, 'utf8')): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX)
  const found: string[] = []
  const at = (node: ts.Node, text: string) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(text.trim())}`)
  /** A string that ends up as a child of an element: directly, or through a conditional or a logical operator. */
  const shownStrings = (expr: ts.Expression | undefined, report: (node: ts.Node, text: string) => void): void => {
    if (!expr) return
    if (ts.isParenthesizedExpression(expr)) return shownStrings(expr.expression, report)
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return void (wordy(expr.text) && report(expr, expr.text))
    if (ts.isTemplateExpression(expr)) {
      const text = [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)].join(' ')
      return void (wordy(text) && report(expr, text))
    }
    if (ts.isConditionalExpression(expr)) return shownStrings(expr.whenTrue, report), shownStrings(expr.whenFalse, report)
    if (ts.isBinaryExpression(expr) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(expr.operatorToken.kind)) {
      return shownStrings(expr.right, report)
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node) && wordy(node.text)) at(node, node.text)
    else if (ts.isJsxExpression(node) && ts.isJsxElement(node.parent)) shownStrings(node.expression, at)
    else if (ts.isJsxFragment(node.parent ?? node) && ts.isJsxExpression(node)) shownStrings(node.expression, at)
    else if (ts.isJsxAttribute(node) && SHOWN_ATTRIBUTES.has(node.name.getText(sf))) {
      const init = node.initializer
      if (init && ts.isStringLiteral(init) && wordy(init.text)) at(init, init.text)
      else if (init && ts.isJsxExpression(init)) shownStrings(init.expression, at)
    } else if (ts.isJsxAttribute(node) && node.name.getText(sf) === 'value' && ts.isJsxOpeningLikeElement(node.parent.parent) && ['button', 'input'].includes(node.parent.parent.tagName.getText(sf))) {
      // A button's value is shown only on <input type="submit">; a <button>'s is sent, not shown: only inputs count.
      const init = node.initializer
      const type = node.parent.properties.find((p) => ts.isJsxAttribute(p) && p.name.getText(sf) === 'type')
      const shown = node.parent.parent.tagName.getText(sf) === 'input' && type && ts.isJsxAttribute(type) && /submit|button|reset/.test(type.initializer?.getText(sf) ?? '')
      if (shown && init && ts.isStringLiteral(init) && wordy(init.text)) at(init, init.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

describe('the translated views', () => {
  it.each(TRANSLATED_VIEWS)('%s shows no English outside the catalog', (file) => {
    expect(literalsIn(file)).toEqual([])
  })

  it('catches a literal in text, in a shown attribute, and in a string put into markup', () => {
    const found = literalsIn('x.tsx', `const A = ({ ok }: { ok: boolean }) => (
      <p title="Hover words" data-key="not shown">Hello there{ok ? 'All good' : <b>{'rtc'}</b>}<input type="submit" value="Press me" /><button value="sent only">{t('x')}</button></p>
    )`)
    expect(found.map((f) => f.replace(/^x\.tsx:\d+: /, ''))).toEqual(['"Hover words"', '"Hello there"', '"All good"', '"Press me"'])
  })
})
