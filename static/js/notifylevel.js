// The room's notification menu (views/NotifyLevelMenu.tsx, a <details>): closes on a click elsewhere or Escape;
// a level chosen here shows on the room's sidebar entry at once, and focus comes back to the menu's button, which
// names the new level; one chosen in another tab or on another device (the sidebar's entry carries it, live over
// the socket) shows here.
'use strict'
{
  const menu = () => document.getElementById('notify-level')
  const currentEntry = () => document.querySelector('#side-rooms a.side-room[aria-current="page"]')

  /** Marks `level` as the menu's choice, with its label in the button that opens it. */
  function show(level) {
    const m = menu()
    const chosen = m?.querySelector(`button[name="level"][value="${level}"]`)
    if (!m || !chosen || m.dataset.level === level) return
    m.dataset.level = level
    for (const b of m.querySelectorAll('button[name="level"]')) b.setAttribute('aria-pressed', String(b === chosen))
    const label = chosen.querySelector('.choice-label').textContent.replace(/ \(default\)$/, '')
    const summary = m.querySelector('summary')
    summary.querySelector('.label').textContent = label
    summary.querySelector('.icon').textContent = level === 'none' ? '🔕' : '🔔'
    summary.setAttribute('aria-label', `Notifications: ${label}`)
  }

  document.addEventListener('click', (e) => {
    const m = menu()
    if (m?.open && !m.contains(e.target)) m.open = false
  })
  document.addEventListener('keydown', (e) => {
    const m = menu()
    if (e.key !== 'Escape' || !m?.open) return
    m.open = false
    m.querySelector('summary').focus()
  })
  let chosen = false
  document.addEventListener('submit', (e) => { chosen = e.target.closest?.('#notify-level') !== null })
  document.addEventListener('htmx:after:swap', () => {
    if (!chosen) return
    chosen = false
    const m = menu()
    const here = currentEntry()
    if (m && here) here.dataset.level = m.dataset.level
    m?.querySelector('summary').focus()
  })
  document.addEventListener('DOMContentLoaded', () => {
    const sidebar = document.getElementById('sidebar')
    if (!sidebar || !menu()) return
    new MutationObserver(() => {
      const level = currentEntry()?.dataset.level
      if (level) show(level)
    }).observe(sidebar, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-level', 'aria-current'] })
  })
}
