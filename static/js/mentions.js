// @mention autocomplete in the composer: typing "@" and the start of a login or a name lists the room's
// matching members (a fragment from GET /rooms/:room/mentions). The textarea keeps focus and points at the
// highlighted option with aria-activedescendant (WAI-ARIA's combobox with a list): ArrowUp/ArrowDown move,
// Enter or Tab pick, Escape closes. Without JavaScript there is no list: the member list shows who is here.
'use strict'
{
  /** "@" at the start or after a space or bracket, then what the mention parser accepts, up to the caret. */
  const TYPED = /(?:^|[\s([{])@([A-Za-z0-9-]{0,39})$/

  document.addEventListener('DOMContentLoaded', () => {
    const area = document.querySelector('#composer textarea[data-mentions]')
    const box = document.getElementById('mention-list')
    if (!area || !box) return
    let asked = 0
    let shown = ''

    const options = () => [...box.querySelectorAll('[role="option"]')]
    const active = () => box.querySelector('[aria-selected="true"]')

    function close() {
      asked++
      shown = ''
      box.hidden = true
      box.replaceChildren()
      area.removeAttribute('aria-activedescendant')
    }

    function highlight(option) {
      for (const o of options()) o.setAttribute('aria-selected', String(o === option))
      if (!option) return area.removeAttribute('aria-activedescendant')
      area.setAttribute('aria-activedescendant', option.id)
      option.scrollIntoView({ block: 'nearest' })
    }

    /** What is typed after "@" before the caret, or null when the caret is not in a mention. */
    function typed() {
      if (area.selectionStart !== area.selectionEnd) return null
      return TYPED.exec(area.value.slice(0, area.selectionStart))?.[1] ?? null
    }

    async function suggest() {
      const q = typed()
      if (q === null) return close()
      if (q === shown && !box.hidden) return
      const mine = ++asked
      try {
        const res = await fetch(`${area.dataset.mentions}?q=${encodeURIComponent(q)}`, { credentials: 'same-origin', headers: { 'HX-Request': 'true' } })
        if (!res.ok || mine !== asked) return
        const t = document.createElement('template')
        t.innerHTML = await res.text()
        if (mine !== asked) return
        box.replaceChildren(t.content)
        shown = q
        box.hidden = options().length === 0
        highlight(options()[0] ?? null)
      } catch {
        if (mine === asked) close()
      }
    }

    function pick(option) {
      const login = option?.dataset.login
      if (!login) return
      const caret = area.selectionStart
      const before = area.value.slice(0, caret).replace(/@[A-Za-z0-9-]*$/, `@${login} `)
      area.value = before + area.value.slice(caret)
      area.setSelectionRange(before.length, before.length)
      close()
      area.focus()
      area.dispatchEvent(new Event('input', { bubbles: true }))
    }

    area.addEventListener('input', suggest)
    area.addEventListener('click', suggest)
    area.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== area) close() }, 150))
    // Before app.js's Enter-sends (capture on the document runs first): an open list takes these keys.
    document.addEventListener('keydown', (e) => {
      if (e.target !== area) return
      if (box.hidden) {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') setTimeout(suggest)
        return
      }
      const all = options()
      const at = all.indexOf(active())
      let handled = true
      if (e.key === 'ArrowDown') highlight(all[(at + 1) % all.length])
      else if (e.key === 'ArrowUp') highlight(all[(at - 1 + all.length) % all.length])
      else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && !e.isComposing && at >= 0) pick(all[at])
      else if (e.key === 'Escape') close()
      else handled = false
      if (handled) {
        e.preventDefault()
        e.stopImmediatePropagation()
      }
    }, true)
    box.addEventListener('mousedown', (e) => e.preventDefault())
    box.addEventListener('click', (e) => pick(e.target.closest('[role="option"]')))
    // A send empties the composer: nothing to suggest for.
    area.form.addEventListener('htmx:after:request', close)
  })
}
