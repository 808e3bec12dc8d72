// A refused or failed htmx request never swaps its answer into the page: the
// answer may be a whole error page, and pasting one into the message list
// breaks the page. Its reason is shown beside the control that made the
// request instead, and forms keep what the user typed.
'use strict'
{
  const FALLBACK = {
    403: 'You are not allowed to do that.',
    404: 'That is no longer here.',
    409: 'That clashed with another change; reload and try again.',
    413: 'That is too large.',
    422: 'That could not be accepted.',
    429: 'Too many requests; please wait a moment.',
  }
  const UNREACHABLE = 'The server could not be reached. Nothing was lost: try again in a moment.'
  const UNREACHABLE_SEND = 'Not sent: the server could not be reached. Your text is kept and goes once the connection is back (or press Send).'

  /** The short reason inside an answer: plain text, JSON's `error`, or the marked reason of an HTML page. */
  function reasonOf(response, text) {
    const type = response.headers?.get('content-type') ?? ''
    let reason = ''
    if (type.includes('json')) {
      try { reason = String(JSON.parse(text).error ?? '') } catch { reason = '' }
    } else if (type.includes('html')) {
      // DOMParser makes an inert document: nothing in it runs or loads.
      const doc = new DOMParser().parseFromString(text, 'text/html')
      reason = doc.querySelector('[data-reason], [role="alert"]')?.textContent ?? ''
    } else {
      reason = text
    }
    reason = reason.trim()
    if (!reason || reason.length > 300) {
      reason = FALLBACK[response.status] ?? (response.status >= 500 ? 'Something went wrong on the server; try again in a moment.' : 'The request was refused.')
    }
    const wait = Number(response.headers?.get('retry-after'))
    if (response.status === 429 && wait > 0 && !/\d+ ?s(econds?)?\b/.test(reason)) reason += ` Try again in ${Math.ceil(wait)} s.`
    return reason
  }

  /** Where a control's reasons go: its form's own alert line, or one made for it beside the control. */
  function slotFor(elt) {
    const host = elt.closest('form') ?? elt.closest('p, li, div') ?? elt.parentElement
    let slot = host.querySelector(':scope > .error[role="alert"]')
    if (!slot) {
      slot = document.createElement(host.tagName === 'P' ? 'span' : 'p')
      slot.className = 'error refusal'
      slot.setAttribute('role', 'alert')
      host.append(slot)
    }
    return slot
  }

  function say(elt, text, status = 0) {
    if (!elt?.isConnected) return
    const slot = slotFor(elt)
    slot.textContent = text
    // The session ended (signed out elsewhere, expired): say where to sign in again.
    if (status === 401) {
      const link = Object.assign(document.createElement('a'), { href: '/login', textContent: 'Sign in' })
      slot.append(' ', link)
    }
    slot.hidden = false
  }

  document.addEventListener('htmx:before:swap', (e) => {
    if ((e.detail.ctx?.response?.status ?? 0) >= 400) e.preventDefault()
  })
  document.addEventListener('htmx:response:error', (e) => {
    const ctx = e.detail.ctx
    say(ctx.sourceElement, reasonOf(ctx.response, ctx.text ?? ''), ctx.response.status)
  })
  // No answer at all: the server is away (restarting, or the network dropped).
  document.addEventListener('htmx:error', (e) => {
    const ctx = e.detail.ctx
    if (!ctx?.sourceElement || ctx.response) return
    say(ctx.sourceElement, ctx.sourceElement.closest('#composer') ? UNREACHABLE_SEND : UNREACHABLE)
  })
  // An accepted request clears its control's old reason.
  document.addEventListener('htmx:after:request', (e) => {
    const ctx = e.detail.ctx
    const status = ctx?.response?.status ?? 0
    if (status < 200 || status >= 300 || !ctx.sourceElement?.isConnected) return
    const host = ctx.sourceElement.closest('form') ?? ctx.sourceElement.parentElement
    const slot = host?.querySelector(':scope > .error[role="alert"]')
    if (slot) slot.textContent = ''
  })
}
