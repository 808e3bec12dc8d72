import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:appliance` (tools/appliance/appliance.sh) only: the compose cluster in Docker, one
// file, minutes long. Not part of `npm test`, whose include this file name never matches.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/appliance/*.appliance.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    reporters: ['verbose'],
  },
})
