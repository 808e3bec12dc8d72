// rtc's only script. Loaded after htmx and before its extensions, at the end of <body>.
'use strict'

// htmx may never turn a string into code: hx-on, js: values and the like throw.
htmx.registerExtension('rtc-no-eval', {
  init(api) {
    const refuse = function () { throw new Error('rtc: htmx may not evaluate strings') }
    api.initSecurity(undefined, refuse, refuse)
  },
})

const me = () => document.body.dataset.me
/** A touch screen's keyboard has no Shift+Enter to hand: there Enter makes a new line and the Send button sends. */
const touchKeyboard = () => matchMedia('(pointer: coarse), (hover: none)').matches
const messages = () => document.getElementById('messages')
const scroller = () => document.getElementById('scroller')

/**
 * A message is shown as its newest rendering: each carries its rev (data-rev), and a swap never puts an older
 * one over a newer one already on the page. A send's own answer (rendered as the message was stored) can
 * arrive after the socket brought the message and a later change to it (its link card, an edit, a reaction);
 * a history page read before a change can land after it. The newer rendering stays where it is.
 */
document.addEventListener('htmx:before:swap', (e) => {
  for (const task of e.detail?.tasks ?? []) {
    for (const incoming of task.fragment?.querySelectorAll?.('article[data-rev]') ?? []) {
      const shown = document.getElementById(incoming.id)
      const rev = shown?.dataset.rev
      if (rev && BigInt(rev) > BigInt(incoming.dataset.rev)) incoming.replaceWith(shown.cloneNode(true))
    }
  }
})

/**
 * The socket's `since` on every (re)connect: the newest id the page got from the server's stream or
 * its render, never one a send's own answer put there. The answer to my send (id 10) can arrive
 * before someone else's earlier message (id 9) reaches me over the socket; resuming from 10 would
 * skip 9 for good.
 */
let heard = null
const newer = (a, b) => (BigInt(a) >= BigInt(b) ? a : b)
function lastId() {
  if (heard === null) {
    heard = document.getElementById('live')?.dataset.since ?? '0'
    for (const m of messages()?.querySelectorAll('article[data-key]') ?? []) heard = newer(heard, m.dataset.key)
  }
  return heard
}
document.addEventListener('htmx:ws:after:message:incoming', (e) => {
  const text = e.detail.message
  if (typeof text !== 'string' || !text.startsWith('<div id="messages"')) return
  let id = lastId()
  for (const m of text.matchAll(/<article id="m-\d+" data-key="(\d+)"/g)) id = newer(id, m[1])
  heard = id
})

function withSince(url) {
  const u = new URL(url)
  u.searchParams.set('since', lastId())
  return u.toString()
}

const timeFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' })
const dateTimeFormat = new Intl.DateTimeFormat([], { dateStyle: 'medium', timeStyle: 'short' })

/** Times arrive in UTC; show them in the reader's own time zone. */
function localizeTimes(root) {
  for (const t of root.querySelectorAll('time[datetime]:not([data-local])')) {
    const d = new Date(t.getAttribute('datetime'))
    if (Number.isNaN(d.getTime())) continue
    const today = d.toDateString() === new Date().toDateString()
    t.textContent = today ? timeFormat.format(d) : dateTimeFormat.format(d)
    t.title = dateTimeFormat.format(d)
    // Grouped follow-ups show only the hour in their gutter (app.css).
    t.dataset.hm = timeFormat.format(d)
    t.dataset.local = ''
  }
}

const relative = new Intl.RelativeTimeFormat([], { numeric: 'auto' })

/** "last seen 5 minutes ago", kept current while the page is open. */
function refreshAgo(root) {
  for (const t of root.querySelectorAll('time.ago[datetime]')) {
    const seconds = (Date.parse(t.getAttribute('datetime')) - Date.now()) / 1000
    if (Number.isNaN(seconds)) continue
    const [value, unit] = Math.abs(seconds) < 60 ? [seconds, 'second'] : Math.abs(seconds) < 3600 ? [seconds / 60, 'minute']
      : Math.abs(seconds) < 86400 ? [seconds / 3600, 'hour'] : [seconds / 86400, 'day']
    const text = relative.format(Math.round(value), unit)
    // Only on change: the observer that calls this watches these very nodes.
    if (t.textContent !== text) t.textContent = text
  }
}

function markOwn(root) {
  const id = me()
  if (!id) return
  for (const m of root.querySelectorAll(`.msg[data-author="${CSS.escape(id)}"]`)) m.classList.add('mine')
  // The same reactions markup goes to everyone: the reader's own are marked here.
  for (const b of root.querySelectorAll('.reaction[data-users]')) {
    b.classList.toggle('mine', b.dataset.users.split(' ').includes(id))
    b.setAttribute('aria-pressed', String(b.classList.contains('mine')))
  }
}

// A message's Edit link opens its form in place of the message. Each message carries only the link (every
// socket push does, so no request attributes): without this script it opens the form on a page of its own.
document.addEventListener('click', (e) => {
  const link = e.target.closest?.('article.msg > a.own')
  if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return
  e.preventDefault()
  htmx.ajax('GET', link.getAttribute('href'), { source: link, target: link.closest('article'), swap: 'outerHTML' })
})

// The scroller lays out bottom-up (app.css): scrollTop is 0 at the newest message and negative above it.
function nearBottom(el) {
  return -el.scrollTop < 120
}

function setConnection(state, text) {
  const el = document.getElementById('conn')
  if (!el) return
  el.dataset.state = state
  el.textContent = text
}

function newNonce(form) {
  const input = form.querySelector('input[name="nonce"]')
  if (input) input.value = crypto.randomUUID()
}

document.addEventListener('DOMContentLoaded', () => {
  localizeTimes(document)
  markOwn(document)
  refreshAgo(document)
  setInterval(() => refreshAgo(document), 30_000)
  new MutationObserver(() => refreshAgo(document)).observe(document.querySelector('.members') ?? document.body, { childList: true, subtree: true })
  const box = scroller()
  if (box) box.scrollTop = 0

  const list = messages()
  if (list && box) {
    let stick = true
    let lastTop = box.scrollTop
    box.addEventListener('scroll', () => { stick = nearBottom(box); lastTop = box.scrollTop }, { passive: true })
    new MutationObserver((records) => {
      // Scrolled since the last scroll event (those come a frame later): judge by where the reader is now,
      // or a message arriving in that frame would pull them back down.
      if (box.scrollTop !== lastTop) stick = nearBottom(box)
      let appended = false
      for (const r of records) {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1) continue
          localizeTimes(node.parentNode ?? node)
          markOwn(node.parentNode ?? node)
          if (node === list.lastElementChild) appended = true
        }
      }
      if (appended && stick) box.scrollTop = 0
    }).observe(list, { childList: true })
  }

  const composer = document.getElementById('composer')
  if (composer) {
    const body = composer.querySelector('textarea[name="body"]')
    body.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !touchKeyboard()) {
        e.preventDefault()
        composer.requestSubmit()
      }
    })
    // Tell the room we are typing, at most every 2 s while keys are pressed.
    let lastTyping = 0
    body.addEventListener('input', () => {
      if (Date.now() - lastTyping < 2000 || body.value.trim() === '') return
      lastTyping = Date.now()
      fetch(composer.getAttribute('action').replace(/\/messages$/, '/typing'), { method: 'POST', credentials: 'same-origin' }).catch(() => {})
    })
    composer.addEventListener('htmx:after:request', (e) => {
      const status = e.detail?.ctx?.response?.status ?? 0
      if (status >= 200 && status < 300) {
        body.value = ''
        newNonce(composer)
        document.getElementById('composer-error').textContent = ''
        if (box) box.scrollTop = 0
      }
      body.focus()
    })
  }
})

// The socket: resume from the newest id held, and show whether we are live.
document.addEventListener('htmx:ws:before:connection', (e) => {
  e.detail.connection.url = withSince(e.detail.connection.url)
  // A reconnect is scheduled (and announced here) before its delay: keep saying "reconnecting" until it opens.
  if (document.getElementById('conn')?.dataset.state === 'offline') setConnection('connecting', 'Connecting…')
})
document.addEventListener('htmx:ws:after:connection', () => setConnection('connected', 'Connected'))
document.addEventListener('htmx:ws:after:message:incoming', (e) => {
  // Keep the URL current, so a resume that skips before:connection still asks for the right page.
  e.detail.connection.url = withSince(e.detail.connection.url)
})
/** Closes the server means for good; the server pushes the exact reason just before, which wins over these. */
const FINAL_CLOSES = {
  4401: 'Your session ended. Sign in again to continue.',
  4409: 'Disconnected: too many open connections. Reload to reconnect here.',
  4429: 'Too many connections opened lately. Reload the page in a minute.',
}

document.addEventListener('htmx:ws:close', (e) => {
  const code = e.detail?.code
  // More came while this page was away than a socket replays: the room's newest page, fresh.
  if (code === 4410) return void location.assign(location.pathname)
  if (FINAL_CLOSES[code]) {
    if (document.getElementById('conn')?.dataset.state !== 'closed') setConnection('closed', FINAL_CLOSES[code])
  } else if (code === 1008) {
    // The server says why (removed, or left elsewhere) just before; js/removed.js drops what no longer works.
    if (document.getElementById('conn')?.dataset.state !== 'closed') setConnection('closed', 'You are no longer a member of this room.')
  }
  else if (code === 1009) setConnection('closed', 'Disconnected. Reload to reconnect.')
  else setConnection('reconnecting', 'Reconnecting…')
})
