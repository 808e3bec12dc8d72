// The message list is one tab stop (a roving tabindex, as WAI-ARIA's feed pattern): one message takes
// Tab (the newest, or the last one focused), ArrowUp/ArrowDown move between messages, Home/End go to
// the first and last; Tab from a message reaches its own controls (reactions, Edit), and Escape in one
// of them comes back to the message. The other messages' controls leave the tab order, so the ~50
// "+" links between the sidebar and the composer are no longer stops. Without JavaScript every
// control keeps its stop.
'use strict'
{
  const CONTROLS = 'a[href], button, input, textarea, select, summary, [tabindex]:not(article)'
  let current = null

  const items = (list) => [...list.querySelectorAll(':scope > article.msg')]

  /** A message's controls in or out of the tab order (only those this script took out go back). */
  function controls(article, on) {
    for (const c of article.querySelectorAll(CONTROLS)) {
      if (on && c.hasAttribute('data-roved')) {
        c.removeAttribute('tabindex')
        c.removeAttribute('data-roved')
      } else if (!on && !c.hasAttribute('tabindex')) {
        c.setAttribute('tabindex', '-1')
        c.setAttribute('data-roved', '')
      }
    }
  }

  function enter(article, list) {
    for (const a of items(list)) {
      const mine = a === article
      if (a.getAttribute('tabindex') !== (mine ? '0' : '-1')) a.setAttribute('tabindex', mine ? '0' : '-1')
      if (mine || a.id === current) controls(a, mine)
    }
    current = article?.id ?? null
  }

  /** New or redrawn messages: out of the tab order unless it is the current one, redrawn. */
  function adopt(list, added) {
    for (const a of added) {
      if (a.nodeType !== 1 || a.parentNode !== list || !a.matches('article.msg')) continue
      if (a.id === current) {
        if (a.getAttribute('tabindex') !== '0') { a.setAttribute('tabindex', '0'); controls(a, true) }
      } else {
        if (a.getAttribute('tabindex') !== '-1') a.setAttribute('tabindex', '-1')
        controls(a, false)
      }
    }
    if (!list.querySelector(':scope > article.msg[tabindex="0"]')) {
      const all = items(list)
      if (all.length > 0) enter(list.querySelector(':scope > article.msg.found') ?? all.at(-1), list)
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const list = document.getElementById('messages')
    if (!list) return
    adopt(list, items(list))
    new MutationObserver((records) => adopt(list, records.flatMap((r) => [...r.addedNodes]))).observe(list, { childList: true })

    list.addEventListener('focusin', (e) => {
      const article = e.target.closest('#messages > article.msg')
      if (article && article.id !== current) enter(article, list)
    })

    list.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return
      const article = e.target.closest('#messages > article.msg')
      if (!article) return
      if (e.target !== article) {
        // Escape in a message's control (not the editor or the picker, which handle their own): back to the message.
        if (e.key === 'Escape' && !e.target.closest('.editing, .react-pop')) {
          e.preventDefault()
          article.focus()
        }
        return
      }
      const all = items(list)
      const at = all.indexOf(article)
      const to = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: all.length - 1 }[e.key]
      if (to === undefined) return
      e.preventDefault()
      const next = all[Math.max(0, Math.min(all.length - 1, to))]
      if (!next) return
      enter(next, list)
      next.focus()
    })
  })
}
