// An invite's page: a Copy button beside the link (shown only where the clipboard can be written; without
// it, or without this script, the link is selected whole when its box is focused or clicked).
'use strict'
{
  const select = (e) => {
    const input = e.target.closest?.('.copy-row input')
    if (input) input.select()
  }
  document.addEventListener('focusin', select)
  document.addEventListener('click', select)

  const show = () => {
    if (!navigator.clipboard) return
    for (const button of document.querySelectorAll('button[data-copy]')) button.hidden = false
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show)
  else show()

  document.addEventListener('click', (e) => {
    const button = e.target.closest?.('button[data-copy]')
    const input = button && document.getElementById(button.dataset.copy)
    if (!input) return
    navigator.clipboard.writeText(input.value).then(() => {
      button.textContent = 'Copied'
      setTimeout(() => { button.textContent = 'Copy' }, 1500)
    }, () => input.select())
  })
}
