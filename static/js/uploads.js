// Files in the composer: picked, pasted or dropped, sent with a progress bar. Without this script the
// composer is a plain multipart form, and its file input works as it is.
'use strict'

document.addEventListener('DOMContentLoaded', () => {
  const composer = document.getElementById('composer')
  const input = composer?.querySelector('input[type="file"][name="file"]')
  if (!composer || !input) return
  const progress = document.getElementById('upload-progress')
  const error = document.getElementById('composer-error')

  const addFiles = (files) => {
    if (!files || files.length === 0) return
    const all = new DataTransfer()
    for (const f of input.files) all.items.add(f)
    for (const f of files) all.items.add(f)
    input.files = all.files
    // attachments.js shows them and checks their sizes.
    input.dispatchEvent(new Event('change', { bubbles: true }))
  }

  composer.addEventListener('paste', (e) => {
    if (e.clipboardData?.files?.length) {
      e.preventDefault()
      addFiles(e.clipboardData.files)
    }
  })
  // Files dropped anywhere on the room (the message list too) go to the composer, never to the browser to open.
  document.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types?.includes('Files')) return
    e.preventDefault()
    composer.classList.add('dropping')
  })
  document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) composer.classList.remove('dropping') })
  document.addEventListener('drop', (e) => {
    composer.classList.remove('dropping')
    if (!e.dataTransfer?.types?.includes('Files')) return
    e.preventDefault()
    addFiles(e.dataTransfer.files)
  })

  /** The reason in a refusal: the text itself, or the line an error page marks with data-reason. */
  const reasonIn = (xhr) => {
    if (!(xhr.getResponseHeader('content-type') ?? '').includes('html')) return xhr.responseText
    const page = new DOMParser().parseFromString(xhr.responseText, 'text/html')
    return page.querySelector('[data-reason]')?.textContent ?? `The upload failed (${xhr.status}).`
  }

  // Capture phase, before htmx: a send with files goes by XMLHttpRequest, whose upload reports progress.
  document.addEventListener('submit', (e) => {
    if (e.target !== composer || input.files.length === 0) return
    e.preventDefault()
    e.stopImmediatePropagation()
    const xhr = new XMLHttpRequest()
    xhr.open('POST', composer.getAttribute('action'))
    xhr.setRequestHeader('HX-Request', 'true')
    xhr.upload.addEventListener('progress', (p) => { if (p.lengthComputable) progress.value = Math.round((p.loaded / p.total) * 100) })
    xhr.addEventListener('loadend', () => {
      progress.hidden = true
      composer.classList.remove('sending')
      if (xhr.status >= 200 && xhr.status < 300) {
        // The message itself arrives over the socket, as everyone's does.
        composer.querySelector('textarea[name="body"]').value = ''
        input.value = ''
        input.dispatchEvent(new Event('change', { bubbles: true }))
        newNonce(composer)
        error.textContent = ''
      } else {
        error.textContent = xhr.status === 0 ? 'The upload did not reach the server; try again.' : reasonIn(xhr)
      }
    })
    progress.value = 0
    progress.hidden = false
    composer.classList.add('sending')
    error.textContent = ''
    xhr.send(new FormData(composer))
  }, true)
})
