// The user's own stream on the page: sidebar order and current room, the title count, read markers,
// the "new messages" divider, jump to latest, mention highlights and desktop notifications.
'use strict'
{
  // The server counts a visit as reading only for pages without a script; this one reports what was seen.
  document.cookie = 'rtc-js=1; path=/; max-age=31536000; SameSite=Lax'

  const NEAR_BOTTOM = 120
  const capText = (n) => (n >= 100 ? '99+' : String(n))
  const baseTitle = document.title.replace(/^\(\d+\+?\) /, '')
  const box = () => document.getElementById('scroller')
  const list = () => document.getElementById('messages')
  const atBottom = () => { const b = box(); return !b || -b.scrollTop < NEAR_BOTTOM }
  const myLogin = () => (document.body.dataset.meLogin ?? '').toLowerCase()
  const roomSlug = () => document.getElementById('live')?.dataset.room

  function updateTitle() {
    const total = Math.max(0, Number(document.getElementById('unread-total')?.dataset.total ?? 0) - seenHere())
    document.title = (total > 0 ? `(${capText(total)}) ` : '') + baseTitle
    const toggle = document.querySelector('.rooms-toggle')
    // Only the count: the toggle also holds its phone icon and its word (RoomPage.tsx).
    const count = toggle?.querySelector('.count')
    if (count) count.textContent = total > 0 ? ` (${capText(total)})` : ''
  }

  /** Newest activity first within each group; the open room marked (pushed items do not know which tab shows what). */
  function arrangeSidebar() {
    for (const a of document.querySelectorAll('#side-rooms a.side-room')) {
      // Only on change: the observer that calls this watches aria-current (a morphing swap can drop it).
      const current = a.getAttribute('href') === location.pathname
      if (current && a.getAttribute('aria-current') !== 'page') a.setAttribute('aria-current', 'page')
      else if (!current && a.hasAttribute('aria-current')) a.removeAttribute('aria-current')
    }
    for (const group of document.querySelectorAll('#side-rooms .side-group')) {
      const items = [...group.querySelectorAll(':scope > a.side-room')]
      const sorted = [...items].sort((x, y) => Number(y.dataset.activity) - Number(x.dataset.activity))
      if (sorted.some((el, i) => el !== items[i])) for (const el of sorted) group.appendChild(el)
    }
  }

  // Desktop notifications while this tab is hidden, as each room's level says (data-level, views/Sidebar.tsx): every
  // message, mentions, or nothing.
  const seen = new Map()
  function countsOf(a) {
    return { unread: Number(a.querySelector('[data-unread]')?.dataset.unread ?? 0), mentions: Number(a.querySelector('[data-mentions]')?.dataset.mentions ?? 0) }
  }
  function notifyChanges() {
    for (const a of document.querySelectorAll('#side-rooms a.side-room')) {
      const now = countsOf(a)
      const before = seen.get(a.id)
      seen.set(a.id, now)
      if (!before || document.visibilityState !== 'hidden' || !('Notification' in window) || Notification.permission !== 'granted') continue
      const level = a.dataset.level
      if (level === 'none') continue
      const name = a.querySelector('.side-name')?.textContent ?? 'rtc'
      const kind = a.dataset.kind === 'direct' ? 'direct message' : 'message'
      let body = null
      if (now.mentions > before.mentions) body = `${capText(now.mentions)} unread mention${now.mentions === 1 ? '' : 's'} of you`
      else if (level === 'all' && now.unread > before.unread) body = `${capText(now.unread)} unread ${kind}${now.unread === 1 ? '' : 's'}`
      if (!body) continue
      const n = new Notification(name, { body, tag: a.id })
      n.onclick = () => { window.focus(); location.href = a.getAttribute('href') }
    }
  }

  function offerNotifications() {
    const button = document.getElementById('notify-enable')
    if (!button || !('Notification' in window) || Notification.permission !== 'default') return
    button.hidden = false
    // Asked only on a click, never on load.
    button.addEventListener('click', () => {
      Notification.requestPermission().finally(() => { button.hidden = Notification.permission === 'default' ? false : true })
    })
  }

  function markMentions(root) {
    const login = myLogin()
    if (!login) return
    for (const span of root.querySelectorAll('.mention[data-login]')) {
      if (span.dataset.login.toLowerCase() !== login) continue
      span.classList.add('me')
      span.closest('article')?.classList.add('mentions-me')
    }
  }

  // Read markers: what was on screen in a visible tab, the newest message shown whole there, moved as the reader
  // scrolls down; the first at once and then at most every few seconds, so a busy room costs a write per reader per
  // few seconds, never one per message. Opening a room far above its newest reads only what is shown.
  const REPORT_EVERY_MS = 5000
  let reported = null
  let reportTimer = null
  let lastReport = 0
  /** The newest message whose end is inside the scroller's visible part (messages stand in id order). */
  function newestOnScreen() {
    const b = box()
    const l = list()
    if (!b || !l) return null
    const view = b.getBoundingClientRect()
    let id = null
    for (const a of l.querySelectorAll(':scope > article[data-key]')) {
      const r = a.getBoundingClientRect()
      if (r.top > view.bottom) break
      if (r.bottom <= view.bottom + 2 && r.bottom > view.top) id = a.dataset.key
    }
    return id
  }
  /** The newest id shown on screen in a visible tab, reported or not yet (a report waiting out the throttle). */
  let seenUpTo = null
  function maybeRead() {
    const slug = roomSlug()
    if (!slug || document.visibilityState !== 'visible') return
    const id = newestOnScreen()
    if (id !== null && (seenUpTo === null || BigInt(id) > BigInt(seenUpTo))) seenUpTo = id
    if (id === null || (reported !== null && BigInt(id) <= BigInt(reported))) return
    if (reportTimer !== null) return
    reportTimer = setTimeout(() => {
      reportTimer = null
      const newest = newestOnScreen()
      if (newest === null || (reported !== null && BigInt(newest) <= BigInt(reported)) || document.visibilityState !== 'visible') return
      reported = newest
      lastReport = Date.now()
      fetch(`/rooms/${encodeURIComponent(slug)}/read`, {
        method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' }, body: new URLSearchParams({ id: newest }),
      }).catch(() => { reported = null })
      // Scrolled further while this waited out the throttle: that is reported next.
      maybeRead()
    }, Math.max(250, lastReport + REPORT_EVERY_MS - Date.now()))
  }

  /** The open room, read on screen right now, shows no count while its report is on its way. */
  function seenHere() {
    const here = document.querySelector('#side-rooms a.side-room[aria-current="page"]')
    // At the bottom of everything: not at a gap edge of a room opened further up (newer messages still to load).
    const seen = Boolean(roomSlug()) && document.visibilityState === 'visible' && atBottom() && !list()?.querySelector('.gap')
    for (const a of document.querySelectorAll('#side-rooms a.side-room[data-seen]')) if (a !== here || !seen) a.removeAttribute('data-seen')
    if (here && seen) here.dataset.seen = ''
    return here && seen ? Number(here.querySelector('[data-unread]')?.dataset.unread ?? 0) : 0
  }

  // "N new messages — jump to latest" while scrolled up, instead of moving the reader.
  let unseen = 0
  function showJump() {
    const jump = document.getElementById('jump')
    if (!jump) return
    jump.hidden = unseen === 0
    jump.textContent = `${unseen} new message${unseen === 1 ? '' : 's'} — jump to latest`
  }

  /** Above the first message after the reader's marker, when the room was opened. */
  function placeDivider() {
    const l = list()
    const upTo = l?.dataset.readUpTo
    if (!l || upTo === undefined) return
    const me = document.body.dataset.me
    const first = [...l.querySelectorAll('article[data-key]')].find((a) => BigInt(a.dataset.key) > BigInt(upTo) && a.dataset.author !== me)
    first?.classList.add('first-unread')
  }

  document.addEventListener('DOMContentLoaded', () => {
    arrangeSidebar()
    updateTitle()
    notifyChanges()
    offerNotifications()
    markMentions(document)
    placeDivider()
    const sidebar = document.getElementById('sidebar')
    if (sidebar) {
      // A pushed link may be swapped in place (attributes and text) or replaced whole: watch both.
      new MutationObserver(() => { arrangeSidebar(); updateTitle(); notifyChanges() }).observe(sidebar, {
        childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['data-unread', 'data-mentions', 'data-activity', 'data-total', 'aria-current'],
      })
    }
    const l = list()
    const b = box()
    if (l && b) {
      // New arrivals are messages newer than the newest one shown so far: several may come in one frame,
      // while older history and edits (same key) never count.
      const keyOf = (el) => (el && /^\d+$/.test(el.dataset.key ?? '') ? BigInt(el.dataset.key) : 0n)
      // Messages up to the room's newest when the page was drawn are history, however they come in (the gap edge of
      // a room opened further up loads them).
      const drawn = document.getElementById('live')?.dataset.since ?? ''
      const since = /^\d+$/.test(drawn) ? BigInt(drawn) : 0n
      let newest = keyOf([...l.querySelectorAll(':scope > article[data-key]')].at(-1))
      if (since > newest) newest = since
      new MutationObserver((records) => {
        let arrived = 0
        const before = newest
        for (const r of records) {
          for (const node of r.addedNodes) {
            if (node.nodeType !== 1) continue
            markMentions(node.parentNode ?? node)
            if (!node.matches?.('article[data-key]')) continue
            const key = keyOf(node)
            if (key <= before) continue
            if (key > newest) newest = key
            if (node.dataset.author !== document.body.dataset.me) arrived++
          }
        }
        if (arrived && !atBottom()) { unseen += arrived; showJump() }
        maybeRead()
      }).observe(l, { childList: true })
      b.addEventListener('scroll', () => {
        if (atBottom() && unseen) { unseen = 0; showJump() }
        maybeRead()
        updateTitle()
      }, { passive: true })
      document.getElementById('jump')?.addEventListener('click', () => { b.scrollTop = 0; unseen = 0; showJump(); maybeRead() })
    }
    document.addEventListener('visibilitychange', () => { maybeRead(); updateTitle() })
    // Leaving the page while a report waits out the throttle: what was seen is still reported.
    window.addEventListener('pagehide', () => {
      const slug = roomSlug()
      if (!slug || seenUpTo === null || (reported !== null && BigInt(seenUpTo) <= BigInt(reported))) return
      reported = seenUpTo
      navigator.sendBeacon(`/rooms/${encodeURIComponent(slug)}/read`, new URLSearchParams({ id: seenUpTo }))
    })
    window.addEventListener('focus', maybeRead)
    maybeRead()
  })
}
