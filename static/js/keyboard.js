// The keyboard: the editor behaves like the composer (Enter saves, Shift+Enter
// makes a new line), Escape cancels, and focus follows the editor in and out.
'use strict'
{
  const cancelOf = (form) => form.querySelector('a.cancel')

  document.addEventListener('keydown', (e) => {
    const area = e.target
    if (!(area instanceof HTMLTextAreaElement) || !area.closest('.msg.editing')) return
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !touchKeyboard()) {
      e.preventDefault()
      area.form.requestSubmit()
    } else if (e.key === 'Escape') {
      e.preventDefault()
      cancelOf(area.form)?.click()
    }
  })

  // The message whose editor just closed gets focus back (on its Edit link), so the reader's place is kept.
  let reopened = null
  function follow(node) {
    if (node.nodeType !== 1) return
    if (node.matches('.msg.editing')) {
      const area = node.querySelector('textarea')
      area.focus()
      area.setSelectionRange(area.value.length, area.value.length)
      reopened = node.id
    } else if (node.matches('.msg') && node.id === reopened) {
      reopened = null
      if (document.activeElement === document.body || !document.activeElement) {
        // The message itself (js/roving.js makes it the list's one tab stop): its Edit shows only while it has focus.
        node.tabIndex = 0
        node.focus()
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const body = document.querySelector('#composer textarea')
    // Enter sends only once this script runs; the hint says so only then.
    if (body?.dataset.hint) body.placeholder = touchKeyboard() ? body.dataset.hintTouch ?? body.dataset.hint : body.dataset.hint
    const list = document.getElementById('messages')
    if (!list) return
    new MutationObserver((records) => {
      for (const r of records) for (const node of r.addedNodes) follow(node)
    }).observe(list, { childList: true })
  })
}
