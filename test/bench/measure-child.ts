// Preloaded into the benchmarked CLI process: reports its own CPU time and peak memory on exit.
import { writeSync } from 'node:fs'

process.on('exit', () => {
  const usage = process.resourceUsage()
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000
  writeSync(2, `PARTNER_DRIFT_BENCH ${JSON.stringify({ cpuMs, maxRssKiB: usage.maxRSS })}\n`)
})
