import { main } from './main.ts'

/**
 * `npm run demo`: production start with demo defaults (local sign-in, loopback,
 * embedded storage). Anything set in the environment still wins.
 */
const config = await main({
  HOST: '127.0.0.1',
  LOCAL_LOGIN: 'true',
  DATA_DIR: './data/demo',
  ...process.env,
})
// The logs are JSON lines for machines; a person starting the demo needs the address in plain words.
process.stderr.write(`\nrtc demo is running: open ${config.publicUrl} and sign in with any name.\n\n`)
