// A message's Delete: asked first (data-confirm, forms.js), then posted in place instead of reloading the
// page. The author gets the message back as deleted; an administrator's answer is empty and the deletion
// arrives over the socket like everyone else's. Without this script the form posts and the room reloads.
'use strict'
document.addEventListener('submit', (e) => {
  const form = e.target.closest?.('article.msg > form.msg-delete')
  if (!form || e.defaultPrevented) return
  e.preventDefault()
  htmx.ajax('POST', form.getAttribute('action'), { source: form, target: form.closest('article'), swap: 'outerHTML' })
})
