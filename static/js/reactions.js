// Adding a reaction: one picker for the page, opened beside the message whose "+" was pressed
// (each message carries only a link, which without this script opens a page with the form).
'use strict'

let picker = null

function closePicker() {
  picker?.remove()
  picker = null
}

function openPicker(link) {
  closePicker()
  const form = document.createElement('form')
  form.className = 'react-form react-pop'
  form.dataset.action = link.getAttribute('href')
  const quick = document.createElement('span')
  quick.className = 'quick'
  for (const option of document.querySelectorAll('#quick-emojis option')) {
    const b = document.createElement('button')
    b.type = 'button'
    b.textContent = option.value
    b.setAttribute('aria-label', `React with ${option.value}`)
    b.addEventListener('click', () => { input.value = option.value; form.requestSubmit() })
    quick.append(b)
  }
  const input = document.createElement('input')
  Object.assign(input, { name: 'emoji', required: true, placeholder: '🙂', size: 3, autocomplete: 'off', maxLength: 32 })
  input.setAttribute('aria-label', 'Emoji')
  const send = document.createElement('button')
  send.type = 'submit'
  send.textContent = 'React'
  const error = document.createElement('span')
  error.className = 'error react-error'
  error.setAttribute('role', 'alert')
  form.append(quick, input, send, error)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    error.textContent = ''
    try {
      const res = await fetch(form.dataset.action, {
        method: 'POST', credentials: 'same-origin', headers: { 'HX-Request': 'true' }, body: new URLSearchParams({ emoji: input.value }),
      })
      const text = await res.text()
      if (!res.ok) { error.textContent = text; return }
      // Shown at once; the socket brings the same to everyone, this page too.
      const article = form.closest('article')
      const t = document.createElement('template')
      t.innerHTML = text.trim()
      const fresh = t.content.firstElementChild
      closePicker()
      if (article && fresh) {
        article.replaceWith(fresh)
        htmx.process(fresh)
      }
    } catch {
      error.textContent = 'The reaction did not reach the server; try again.'
    }
  })
  link.after(form)
  picker = form
  input.focus()
}

document.addEventListener('click', (e) => {
  const link = e.target.closest?.('a.react-add')
  if (link) {
    e.preventDefault()
    if (picker && picker.previousElementSibling === link) closePicker()
    else openPicker(link)
  } else if (picker && !picker.contains(e.target)) closePicker()
})
// Escape closes the picker and gives focus back to its message (js/roving.js keeps that the list's tab stop).
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !picker) return
  const article = picker.closest('article')
  const inside = picker.contains(document.activeElement)
  closePicker()
  if (article && inside) {
    e.preventDefault()
    article.tabIndex = 0
    article.focus()
  }
})
