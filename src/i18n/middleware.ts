import type { MiddlewareHandler } from 'hono'
import { jsx } from 'hono/jsx'
import type { AppEnv } from '../context.ts'
import { isLanguage, negotiateLanguage } from './languages.ts'
import { LanguageContext } from './translate.ts'

/**
 * Chooses the request's language: the signed-in user's setting, else the browser's `Accept-Language`.
 * Every page and fragment this request renders through `c.html` is rendered in it: the markup is
 * wrapped in the language context here, once, rather than a language prop threaded through every
 * component. (The rendering is synchronous inside `c.html`, so the context holds for all of it.)
 */
export const chooseLanguage: MiddlewareHandler<AppEnv> = async (c, next) => {
  const chosen = c.get('user')?.language
  const lang = isLanguage(chosen) ? chosen : negotiateLanguage(c.req.header('accept-language'))
  c.set('lang', lang)
  const html = c.html
  c.html = ((body: unknown, ...rest: unknown[]) =>
    (html as (...args: unknown[]) => unknown)(body !== null && typeof body === 'object' && !(body instanceof Promise) && !(body instanceof String) ? jsx(LanguageContext.Provider, { value: lang }, body as never) : body, ...rest)) as typeof c.html
  c.header('Content-Language', lang)
  c.header('Vary', 'Accept-Language', { append: true })
  await next()
}
