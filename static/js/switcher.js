// Ctrl+K (Cmd+K on a Mac) opens a room switcher: a filtered list of the reader's rooms (the sidebar's, or
// the lobby's), as WAI-ARIA's combobox with a listbox. Typing filters, ArrowUp/ArrowDown move, Enter opens
// the highlighted room, Escape closes and gives focus back. Without JavaScript the lobby lists the rooms.
'use strict'
{
  let dialog = null
  let back = null

  /** The reader's rooms on this page: name, address and unread count. */
  function rooms() {
    const seen = new Set()
    const out = []
    for (const a of document.querySelectorAll('#side-rooms a.side-room, #my-rooms li > a')) {
      const href = a.getAttribute('href')
      if (seen.has(href)) continue
      seen.add(href)
      const name = (a.querySelector('.side-name, bdi') ?? a).textContent.trim()
      const unread = Number(a.querySelector('.side-unread')?.dataset.unread ?? 0)
      out.push({ href, name, unread })
    }
    return out
  }

  function build() {
    const d = document.createElement('dialog')
    d.id = 'switcher'
    d.className = 'switcher card'
    d.setAttribute('aria-labelledby', 'switcher-label')
    d.innerHTML = `<label id="switcher-label" for="switcher-q">Go to a room</label>
      <input id="switcher-q" type="text" role="combobox" aria-autocomplete="list" aria-expanded="true" aria-controls="switcher-list" autocomplete="off" placeholder="Type a room's name">
      <ul id="switcher-list" role="listbox" aria-label="Your rooms"></ul>
      <p class="muted switcher-hint">↑↓ to choose · Enter opens · Esc closes · <a href="/">All rooms</a></p>`
    document.body.append(d)
    const input = d.querySelector('input')
    const list = d.querySelector('ul')
    const options = () => [...list.querySelectorAll('[role="option"]')]
    const highlight = (o) => {
      for (const x of options()) x.setAttribute('aria-selected', String(x === o))
      if (o) { input.setAttribute('aria-activedescendant', o.id); o.scrollIntoView({ block: 'nearest' }) } else input.removeAttribute('aria-activedescendant')
    }
    const fill = () => {
      const q = input.value.trim().toLowerCase()
      const all = rooms()
      const shown = all.filter((r) => r.name.toLowerCase().includes(q))
        .sort((a, b) => Number(b.name.toLowerCase().startsWith(q)) - Number(a.name.toLowerCase().startsWith(q)))
      list.replaceChildren(...shown.map((r, i) => {
        const li = document.createElement('li')
        li.setAttribute('role', 'option')
        li.id = `switcher-${i}`
        li.dataset.href = r.href
        const name = document.createElement('bdi')
        name.textContent = r.name
        li.append(name)
        if (r.unread > 0) {
          const n = document.createElement('span')
          n.className = 'side-unread'
          n.textContent = String(r.unread)
          n.setAttribute('aria-label', `${r.unread} unread`)
          li.append(' ', n)
        }
        return li
      }))
      if (shown.length === 0) {
        const li = document.createElement('li')
        li.className = 'muted switcher-none'
        li.textContent = all.length === 0 ? 'No rooms on this page: see all rooms below.' : 'No room by that name.'
        list.append(li)
      }
      highlight(options()[0] ?? null)
    }
    input.addEventListener('input', fill)
    input.addEventListener('keydown', (e) => {
      const all = options()
      const at = all.findIndex((o) => o.getAttribute('aria-selected') === 'true')
      if (e.key === 'ArrowDown' && all.length) highlight(all[(at + 1) % all.length])
      else if (e.key === 'ArrowUp' && all.length) highlight(all[(at - 1 + all.length) % all.length])
      else if (e.key === 'Enter' && at >= 0) location.assign(all[at].dataset.href)
      else return
      e.preventDefault()
    })
    list.addEventListener('click', (e) => {
      const o = e.target.closest('[role="option"]')
      if (o) location.assign(o.dataset.href)
    })
    d.addEventListener('close', () => { back?.focus?.(); back = null })
    // A click on the backdrop (outside the box) closes it.
    d.addEventListener('click', (e) => { if (e.target === d) d.close() })
    d.fill = fill
    return d
  }

  document.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'k' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return
    if (!document.body.dataset.me) return
    e.preventDefault()
    dialog ??= build()
    if (dialog.open) return dialog.close()
    back = document.activeElement
    const input = dialog.querySelector('input')
    input.value = ''
    dialog.fill()
    dialog.showModal()
    input.focus()
  })
}
