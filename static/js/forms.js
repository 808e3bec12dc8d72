// Small guards on forms: ask before what cannot be undone, count down near the
// length limit instead of cutting a paste silently, and never send an empty
// composer (a second quick press after a send).
'use strict'
{
  document.addEventListener('submit', (e) => {
    const ask = e.target.dataset?.confirm
    if (ask && !window.confirm(ask)) e.preventDefault()
  }, true)

  function count(area, out) {
    const limit = Number(area.dataset.limit)
    const left = limit - [...area.value].length
    out.hidden = left > 200
    out.classList.toggle('error', left < 0)
    out.textContent = left >= 0 ? `${left} characters left` : `${-left} characters over the limit of ${limit}`
  }

  document.addEventListener('DOMContentLoaded', () => {
    const composer = document.getElementById('composer')
    const area = composer?.querySelector('textarea[name="body"]')
    const out = document.getElementById('composer-count')
    if (!area || !out) return
    // The browser would cut a long paste at maxlength without a word; the counter says it instead.
    area.dataset.limit = area.getAttribute('maxlength')
    area.removeAttribute('maxlength')
    area.addEventListener('input', () => count(area, out))
    composer.addEventListener('htmx:after:request', () => count(area, out))
    composer.addEventListener('htmx:config:request', (e) => {
      if (area.value.trim() === '') e.preventDefault()
    })
  })
}
