#!/usr/bin/env node
import { execute } from '../dist/src/cli/oclif.js'

await execute({ dir: import.meta.url })
