// How the list reads: one name and face per run of messages by one author
// within a few minutes (a run starts again below the "New messages" line),
// a divider where the day changes, and each face's
// letter. Runs over the whole list after every change (a few hundred nodes).
'use strict'
{
  const RUN_MS = 5 * 60 * 1000
  const dayFormat = new Intl.DateTimeFormat([], { weekday: 'long', month: 'long', day: 'numeric' })
  const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()

  function dayLabel(d) {
    const days = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86_400_000)
    return days === 0 ? 'Today' : days === 1 ? 'Yesterday' : dayFormat.format(d)
  }

  function firstLetter(text) {
    const first = [...new Intl.Segmenter().segment(text.trim())][0]?.segment ?? '?'
    return first.toLocaleUpperCase()
  }

  function decorate(list) {
    let prev = null
    for (const m of list.children) {
      if (!m.matches('.msg')) continue
      const time = m.querySelector('header time[datetime]')
      const at = time ? new Date(time.getAttribute('datetime')) : null
      const face = m.querySelector('.face')
      if (face && !face.textContent) face.textContent = firstLetter(m.querySelector('.who')?.textContent ?? '')
      const newDay = at && (!prev?.at || startOfDay(prev.at) !== startOfDay(at))
      if (newDay) m.dataset.day = dayLabel(at)
      else delete m.dataset.day
      const continues = !newDay && prev && at && prev.at && prev.author === m.dataset.author &&
        at - prev.at < RUN_MS && !m.matches('.editing, .first-unread') && !prev.editing
      m.classList.toggle('cont', Boolean(continues))
      prev = { author: m.dataset.author, at, editing: m.matches('.editing') }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const list = document.getElementById('messages')
    if (!list) return
    decorate(list)
    new MutationObserver(() => decorate(list)).observe(list, { childList: true })
  })
}
