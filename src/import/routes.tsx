import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Hono, type Context } from 'hono'
import { requireAdmin } from '../admin/admins.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import { readForm, textField } from '../http/forms.ts'
import { formatBytes } from '../lib/bytes.ts'
import type { ModerationStore, SlackImportStore, UserStore } from '../store/ports.ts'
import { ImportPage, ImportStatus } from '../views/ImportPage.tsx'
import type { ImportJobs } from './job.ts'

const LISTED = 500

/**
 * `/admin/import`: administrators upload a Slack export (or a room exported from rtc, `format=rtc`), which this instance imports in the background (one at a
 * time) while the page shows how far it got; placeholders made for Slack people can be given to accounts here.
 * Everyone else finds nothing at these addresses, as with the rest of /admin.
 */
export function importRoutes({ jobs, imports, users, moderation, dataDir, uploadMaxBytes }: {
  jobs: ImportJobs
  imports: SlackImportStore
  users: UserStore
  moderation: Pick<ModerationStore, 'record'>
  /** Uploaded archives wait under `DATA_DIR/imports` until their import ends. */
  dataDir: string
  uploadMaxBytes: number
}) {
  const app = new Hono<AppEnv>()
  app.use('/admin/import', requireAdmin)
  app.use('/admin/import/*', requireAdmin)

  const page = async (c: Context<AppEnv>, extra: { status?: 200 | 400 | 404 | 409 | 413; error?: string; notice?: string } = {}) => {
    c.header('Cache-Control', 'no-store')
    return c.html(
      <ImportPage user={signedInUser(c.get('user'))} run={jobs.current()} placeholders={await imports.placeholders(LISTED)}
        uploadMaxBytes={uploadMaxBytes} error={extra.error} notice={extra.notice} />,
      extra.status ?? 200,
    )
  }

  app.get('/admin/import', (c) => page(c))
  app.get('/admin/import/status', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.html(<ImportStatus run={jobs.current()} />)
  })

  app.post('/admin/import', async (c) => {
    const me = signedInUser(c.get('user'))
    if (jobs.current()?.state === 'running') return page(c, { status: 409, error: 'An import is already running on this instance: wait for it to end.' })
    const form = await readForm(c, { files: { files: 1, fileBytes: uploadMaxBytes } })
    const archive = form.archive
    const format = form.format === 'rtc' ? 'rtc' : 'slack'
    if (!(archive instanceof File) || archive.size === 0) return page(c, { status: 400, error: format === 'rtc' ? 'Choose the room export (a .json or .zip file) to import.' : 'Choose the Slack export (a .zip file) to import.' })
    // The body's cap lets a form's text through beside the file: the file itself is held to the limit here.
    if (archive.size > uploadMaxBytes) return page(c, { status: 413, error: `That archive is too large to upload: at most ${formatBytes(uploadMaxBytes)} (IMPORT_UPLOAD_MAX_BYTES); import it with npm run import:${format} instead.` })
    const dir = join(dataDir, 'imports')
    await mkdir(dir, { recursive: true })
    const path = join(dir, `${crypto.randomUUID()}.${format === 'rtc' ? 'upload' : 'zip'}`)
    await writeFile(path, new Uint8Array(await archive.arrayBuffer()))
    const name = archive.name.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, 120) || 'export.zip'
    if (!jobs.start(path, name, me.login, format)) return page(c, { status: 409, error: 'An import is already running on this instance: wait for it to end.' })
    await moderation.record({ actor: me, action: format === 'rtc' ? 'import from rtc' : 'import from slack', target: name, detail: null })
    return c.redirect('/admin/import', 303)
  })

  app.post('/admin/import/placeholders/:slackId/claim', async (c) => {
    const me = signedInUser(c.get('user'))
    const login = textField(await readForm(c), 'login').replace(/^@/, '')
    const user = login ? await users.findUserByLogin(login) : undefined
    if (!user || user.kind === 'bot') return page(c, { status: 400, error: login ? `There is no person with the login @${login.slice(0, 39)} here.` : 'Say whose account the placeholder goes to.' })
    const claimed = await imports.claim(user, { slackId: c.req.param('slackId') })
    if (claimed.length === 0) return page(c, { status: 409, error: 'That placeholder was taken over already (or is that account itself).' })
    await moderation.record({ actor: me, action: 'give placeholder', target: `@${user.login}`, detail: `Slack ${claimed.map((l) => `@${l.login}`).join(', ')}` })
    return page(c, { notice: `@${claimed[0]!.login}'s rooms are now @${user.login}'s, and later imports write as them.` })
  })
  return app
}
