// Loaded with `node --import` by the benchmark: writes the process's peak resident memory (KiB) at exit.
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_PEAK_MEMORY_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
