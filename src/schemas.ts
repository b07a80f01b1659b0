import { readFileSync } from 'node:fs'

import type { JsonSchema } from './input/schema-check.js'

/** The JSON Schemas shipped in `schemas/`: the formats users write (manifest, snapshot) and the one we emit (report). */
export const SCHEMA_NAMES = ['manifest', 'snapshot', 'report'] as const
export type SchemaName = (typeof SCHEMA_NAMES)[number]

// dist/src/schemas.js -> <package root>/schemas/
const schemasDir = new URL('../../schemas/', import.meta.url)
const cache = new Map<SchemaName, JsonSchema>()

/** Read lazily: a command loads only the schemas it uses. */
export function loadSchema(name: SchemaName): JsonSchema {
  let schema = cache.get(name)
  if (!schema) {
    schema = JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemasDir), 'utf8')) as JsonSchema
    cache.set(name, schema)
  }
  return schema
}

export function schemaText(name: SchemaName): string {
  return readFileSync(new URL(`${name}.schema.json`, schemasDir), 'utf8')
}

let exceptionsFile: JsonSchema | undefined
/**
 * A separate exceptions file (`--exceptions FILE`): `exceptions:` as in a manifest, checked by
 * the manifest's own definitions. Built once, so its validator is found or compiled once.
 */
export function exceptionsFileSchema(): JsonSchema {
  exceptionsFile ??= {
    definitions: loadSchema('manifest').definitions,
    type: 'object',
    additionalProperties: false,
    required: ['exceptions'],
    properties: { version: { const: 1 }, exceptions: { $ref: '#/definitions/exceptions' } },
  }
  return exceptionsFile
}
