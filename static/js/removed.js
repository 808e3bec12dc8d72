// A page whose reader can no longer take part: removed from the room or left it elsewhere (close 1008), or
// their session ended or was banned (4401). The server said why just before, in #conn; this drops what would
// now be refused: the composer (a typed text stays, read-only, to copy), the forms beside the member list and
// the notification menu, and for a room left or removed from, its sidebar entry and its stale member list.
'use strict'
document.addEventListener('htmx:ws:close', (e) => {
  const code = e.detail?.code
  if (code !== 1008 && code !== 4401) return
  const composer = document.getElementById('composer')
  const area = composer?.querySelector('textarea[name="body"]')
  if (composer && area && area.value.trim() !== '') {
    // Nothing lost: what was typed stays to copy; nothing can be sent.
    area.readOnly = true
    for (const el of composer.querySelectorAll('button, input')) el.disabled = true
    composer.classList.add('ended')
  } else if (composer) {
    const gone = document.createElement('p')
    gone.className = 'composer ended muted'
    gone.textContent = 'You cannot write in this room any more.'
    composer.replaceWith(gone)
  }
  document.querySelector('.typing')?.remove()
  for (const el of document.querySelectorAll('#members-panel form, #members-panel details, #notify-level')) el.remove()
  if (code !== 1008) return
  document.querySelector('#side-rooms a.side-room[aria-current="page"]')?.remove()
  // The member list no longer follows the room (it came over the closed socket): it goes rather than go stale.
  const members = document.getElementById('members')
  if (members) {
    const note = document.createElement('p')
    note.className = 'muted'
    note.textContent = 'You are not a member of this room.'
    members.replaceWith(note)
  }
})
