// A person's card over the page: a name or face (in messages, the member list) opens it in a dialog
// instead of going to /users/:login, which is where the link leads without this script. And on the
// profile form: this device's time zone in one click, and a picture over the size limit refused at once.
'use strict'
{
  const PROFILE_LINK = 'a.who[href^="/users/"], a.face-link[href^="/users/"], a.member-name[href^="/users/"]'

  function dialog() {
    let d = document.getElementById('profile-dialog')
    if (d) return d
    d = document.createElement('dialog')
    d.id = 'profile-dialog'
    d.className = 'profile-dialog'
    d.setAttribute('aria-labelledby', 'profile-name')
    const close = document.createElement('button')
    close.type = 'button'
    close.className = 'dialog-close'
    close.setAttribute('aria-label', 'Close')
    close.textContent = '×'
    close.addEventListener('click', () => d.close())
    const body = document.createElement('div')
    body.className = 'dialog-body'
    d.append(close, body)
    // A click on the backdrop (the dialog itself, outside its box) closes it.
    d.addEventListener('click', (e) => {
      if (e.target !== d) return
      const r = d.getBoundingClientRect()
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) d.close()
    })
    document.body.append(d)
    return d
  }

  async function open(link) {
    const href = link.getAttribute('href')
    const answer = await fetch(href, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' }).catch(() => null)
    if (!answer?.ok) {
      location.href = href
      return
    }
    const card = new DOMParser().parseFromString(await answer.text(), 'text/html').body
    const d = dialog()
    d.querySelector('.dialog-body').replaceChildren(...card.childNodes)
    if (!d.open) d.showModal()
    d.querySelector('form button, a.button')?.focus()
  }

  document.addEventListener('click', (e) => {
    const link = e.target.closest?.(PROFILE_LINK)
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    void open(link)
  })

  document.addEventListener('DOMContentLoaded', () => {
    const zone = document.getElementById('time_zone')
    const use = document.getElementById('use-device-zone')
    const here = Intl.DateTimeFormat().resolvedOptions().timeZone
    if (zone && use && here && [...zone.options].some((o) => o.value === here)) {
      const offer = () => { use.hidden = zone.value === here }
      use.textContent = `Use this device's (${here})`
      use.addEventListener('click', () => { zone.value = here; offer(); zone.focus() })
      zone.addEventListener('change', offer)
      offer()
    }

    const file = document.getElementById('avatar')
    const error = document.getElementById('avatar-error')
    if (file && error) {
      file.addEventListener('change', () => {
        const max = Number(file.dataset.maxBytes)
        const picked = file.files?.[0]
        if (picked && picked.size > max) {
          error.textContent = `That picture is too large: at most ${Math.round(max / 1024 / 1024)} MB.`
          file.value = ''
        } else {
          error.textContent = ''
        }
      })
    }
  })
}
