import { main } from './main.ts'

/**
 * `npm run demo`: production start with demo defaults (local sign-in, loopback,
 * embedded storage). Anything set in the environment still wins.
 */
await main({
  HOST: '127.0.0.1',
  LOCAL_LOGIN: 'true',
  DATA_DIR: './data/demo',
  ...process.env,
})
