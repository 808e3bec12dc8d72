// The files waiting in the composer, shown as chips: a thumbnail for an image (an object URL: nothing is
// uploaded yet), the name and size, and a button to remove one. A file over the server's limit
// (data-max-bytes, UPLOAD_MAX_BYTES) is refused here, before any upload; the server still checks.
// uploads.js adds pasted and dropped files to the same input and announces them with a change event.
'use strict'

document.addEventListener('DOMContentLoaded', () => {
  const composer = document.getElementById('composer')
  const input = composer?.querySelector('input[type="file"][name="file"]')
  if (!composer || !input) return
  const error = document.getElementById('composer-error')
  const max = Number(input.dataset.maxBytes) || Infinity
  const chips = document.createElement('ul')
  chips.id = 'attach-chips'
  chips.className = 'chips'
  chips.setAttribute('aria-label', 'Files to send')
  input.closest('label').after(chips)
  composer.classList.add('has-chips')
  let urls = []

  const size = (n) => n >= 1048576 ? `${Number((n / 1048576).toFixed(1))} MB` : n >= 1024 ? `${Number((n / 1024).toFixed(1))} KB` : `${n} bytes`
  const keep = (files) => {
    const all = new DataTransfer()
    for (const f of files) all.items.add(f)
    input.files = all.files
  }

  function render () {
    for (const url of urls) URL.revokeObjectURL(url)
    urls = []
    chips.replaceChildren(...[...input.files].map((file, i) => {
      const li = document.createElement('li')
      li.className = 'chip'
      if (file.type.startsWith('image/')) {
        const img = document.createElement('img')
        img.src = URL.createObjectURL(file)
        img.alt = ''
        urls.push(img.src)
        li.append(img)
      } else {
        const kind = document.createElement('span')
        kind.className = 'file-icon'
        kind.setAttribute('aria-hidden', 'true')
        kind.textContent = (/\.([A-Za-z0-9]{1,5})$/.exec(file.name)?.[1] ?? 'file').toUpperCase()
        li.append(kind)
      }
      const name = Object.assign(document.createElement('span'), { className: 'chip-name', textContent: file.name, title: file.name })
      const bytes = Object.assign(document.createElement('span'), { className: 'size muted', textContent: size(file.size) })
      const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'chip-remove', textContent: '×' })
      remove.setAttribute('aria-label', `Remove ${file.name}`)
      remove.addEventListener('click', () => {
        keep([...input.files].filter((_, j) => j !== i))
        input.dispatchEvent(new Event('change', { bubbles: true }))
        // Focus stays in the list (the next chip's button), or goes back to the message.
        ;(chips.querySelectorAll('.chip-remove')[Math.min(i, input.files.length - 1)] ?? composer.querySelector('textarea'))?.focus()
      })
      li.append(name, bytes, remove)
      return li
    }))
    chips.hidden = input.files.length === 0
  }

  input.addEventListener('change', () => {
    const big = [...input.files].filter((f) => f.size > max)
    if (big.length > 0) {
      keep([...input.files].filter((f) => f.size <= max))
      error.textContent = `${big.map((f) => `${f.name} (${size(f.size)})`).join(', ')} ${big.length === 1 ? 'is' : 'are'} too large to send: files up to ${size(max)} can be attached.`
    }
    composer.classList.toggle('has-files', input.files.length > 0)
    render()
  })
  render()
})
