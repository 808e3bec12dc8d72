import type { ImportRun } from '../import/job.ts'
import type { ImportProgress } from '../import/progress.ts'
import type { SlackUserLink, User } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'
import { Layout } from './Layout.tsx'

const n = (x: number) => x.toLocaleString('en-US')
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`

const PHASES: Record<ImportProgress['phase'], string> = {
  checking: 'Checking every file of the archive',
  people: 'Matching people',
  rooms: 'Making rooms',
  messages: 'Importing messages',
  done: 'Done',
}

/** "1 message", "2 messages". */
const of = (x: number, one: string, many: string) => (x === 1 ? one : many)

/** What a run did so far, as a short list. */
function Counts({ p }: { p: ImportProgress }) {
  const { messages: m, rooms: r, people: u, reactions: x, files: f } = p
  return (
    <ul class="import-counts">
      <li><strong>{n(m.imported)}</strong> {of(m.imported, 'message', 'messages')} imported{m.known ? `, ${n(m.known)} already there` : ''}{m.replies ? `, ${n(m.replies)} of them ${of(m.replies, 'a reply', 'replies')} in threads` : ''}</li>
      <li><strong>{n(r.made)}</strong> {of(r.made, 'room', 'rooms')} made{r.known ? `, ${n(r.known)} found from before` : ''}</li>
      <li><strong>{n(u.matched)}</strong> {of(u.matched, 'person', 'people')} matched to accounts here, <strong>{n(u.placeholders)}</strong> {of(u.placeholders, 'placeholder', 'placeholders')} made{u.known ? `, ${n(u.known)} known from before` : ''}</li>
      <li><strong>{n(x.added)}</strong> {of(x.added, 'reaction', 'reactions')}{x.unknown ? ` (${n(x.unknown)} with a custom emoji left out)` : ''}</li>
      <li><strong>{n(f.attached)}</strong> {of(f.attached, 'file', 'files')} attached, <strong>{n(f.noted)}</strong> noted by name only (not in the archive)</li>
      <li>{n(m.notices)} {of(m.notices, 'notice', 'notices')} (joins, leaves, topic changes) left out</li>
    </ul>
  )
}

/** The state of this instance's import; while one runs it asks for itself again every two seconds (htmx). */
export function ImportStatus({ run }: { run: ImportRun | undefined }) {
  if (!run) return <section id="import-status" class="card"><h2>Status</h2><p class="muted">No import has run on this instance since it started.</p></section>
  const p = run.progress
  const running = run.state === 'running'
  const polling = running ? { 'hx-get': '/admin/import/status', 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {}
  const percent = p && p.days.total ? Math.floor((100 * p.days.done) / p.days.total) : 0
  return (
    <section id="import-status" class="card" aria-live="polite" {...polling}>
      <h2>{running ? 'Importing' : run.state === 'done' ? 'Imported' : run.state === 'refused' ? 'Refused' : 'Stopped'}: <bdi>{run.file}</bdi></h2>
      <p class="muted">Started by @{run.by} at {utc(run.startedAt)}{run.finishedAt ? `, ended at ${utc(run.finishedAt)}` : ''}.</p>
      {run.error && <p class="error" role="alert">{run.error}</p>}
      {p && running && (
        <>
          <p>{PHASES[p.phase]}{p.current ? <>: <bdi>{p.current}</bdi></> : null} ({n(p.days.done)} of {n(p.days.total)} {p.of ?? 'days'})</p>
          <progress max={100} value={percent}>{percent}%</progress>
        </>
      )}
      {p && p.phase !== 'checking' && <Counts p={p} />}
      {running && <p class="muted"><a href="/admin/import">Refresh</a> (this page also refreshes by itself).</p>}
    </section>
  )
}

export interface ImportPageProps {
  user: User
  run: ImportRun | undefined
  placeholders: readonly SlackUserLink[]
  uploadMaxBytes: number
  error?: string | undefined
  notice?: string | undefined
}

/** `/admin/import`: upload a Slack export, follow the import, and hand placeholders to the people they stand for. */
export function ImportPage(p: ImportPageProps) {
  const running = p.run?.state === 'running'
  return (
    <Layout title="Import from Slack" user={p.user}>
      <div class="admin">
        <p><a href="/admin">← Administration</a></p>
        <h1>Import from Slack</h1>
        {p.notice && <p class="notice" role="status">{p.notice}</p>}
        {p.error && <p class="error" role="alert">{p.error}</p>}
        <section class="card">
          <h2>Upload an export</h2>
          <p>
            A workspace export from Slack (a zip with users.json, channels.json and a folder of days per channel). Public
            channels become public rooms; private channels, group and direct messages (when the export has them) become
            private and direct rooms. People are matched by their Slack name to accounts here, or get a placeholder.
            Importing the same export again adds only what is new.
          </p>
          <p>
            Or a room exported from rtc (its JSON, or the zip of the JSON with its files): it becomes a room here, with
            its people matched by login or given a placeholder, its replies, reactions, edits and files.
          </p>
          <form class="stack" method="post" action="/admin/import" enctype="multipart/form-data">
            <fieldset disabled={running}>
              <legend>What it is</legend>
              <label><input type="radio" name="format" value="slack" checked /> A Slack export (.zip)</label>
              <label><input type="radio" name="format" value="rtc" /> A room exported from rtc (.json, or .zip with its files)</label>
            </fieldset>
            <label for="import-archive">The export (at most {formatBytes(p.uploadMaxBytes)}; larger ones: <code>npm run import:slack -- file.zip</code> or <code>npm run import:rtc -- file.json</code>)</label>
            <input id="import-archive" name="archive" type="file" accept=".zip,application/zip,.json,application/json" required disabled={running} />
            <button type="submit" class="primary" disabled={running}>{running ? 'An import is running' : 'Import'}</button>
          </form>
        </section>
        <ImportStatus run={p.run} />
        <section id="placeholders" class="card">
          <h2>Placeholders</h2>
          <p class="muted">
            Accounts made for Slack people with no account here. Nobody can sign in as one. The person signing in with
            GitHub under the same login takes it over; or give it to an existing account here.
          </p>
          {p.placeholders.length === 0 ? <p class="muted">None.</p> : (
            <ul class="admin-list">
              {p.placeholders.map((l) => (
                <li>
                  <span><bdi>{l.name}</bdi> <span class="muted">@{l.login}</span></span>
                  {l.claimedAt ? <span class="badge">claimed</span> : (
                    <form class="claim-form" method="post" action={`/admin/import/placeholders/${encodeURIComponent(l.slackId)}/claim`}>
                      <label class="sr-only" for={`claim-${l.slackId}`}>Give @{l.login} to</label>
                      <input id={`claim-${l.slackId}`} name="login" required maxlength={39} placeholder="their login here" autocomplete="off" />
                      <button type="submit" class="link">Give to this account</button>
                    </form>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </Layout>
  )
}
