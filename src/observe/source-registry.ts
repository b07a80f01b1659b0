/**
 * Where sources come from, and how a `--source` on the command line becomes a loaded source
 * with validated options. Sources are code, so they come only from places the user installed
 * deliberately: the built-ins in `plugins/`, the direct dependencies of the project in the
 * current directory, and installed partner-drift plugins (oclif). A manifest or snapshot never
 * names a module: it is data, and nothing here reads it.
 *
 * A package declares its sources in its package.json, so that listing reads metadata only and
 * a source module (with whatever SDK it pulls in) is imported only when it is used:
 *
 *     "partner-drift": { "sources": { "http": "./index.js" } }
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import { SOURCE_CONTRACT_VERSION, type SourceDefinition } from '../contract.js'
import { closest } from '../input/diagnostics.js'
import { readInputText } from '../input/read-input.js'
import type { JsonSchema } from '../input/schema-check.js'
import { compareText } from '../model/compare-text.js'
import { SourceError } from './source-error.js'
import { sourceOptions } from './source-options.js'

export { SourceError }

/** The package.json key a source package declares itself with. */
export const DECLARATION_KEY = 'partner-drift'

/** What users write in `--source`; the same rule for built-ins and packages. */
const SOURCE_NAME = /^[a-z][a-z0-9-]*$/
const PACKAGE_NAME = /^(@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const

/** An installed package that provides sources. */
export interface SourcePackage {
  name: string
  version: string
  /** A dependency of the project in the current directory, or an installed partner-drift (oclif) plugin. */
  installedAs: 'dependency' | 'plugin'
  /** The package's directory. */
  root: string
}

/** A source the CLI can use, and where it came from. */
export interface AvailableSource {
  name: string
  origin: 'built-in' | 'package'
  /** Set when `origin` is `package`. */
  package?: SourcePackage
  /** Imports the module and checks it is a source of a contract this core implements. */
  load(): Promise<SourceDefinition<any>>
}

/** Where to look for sources besides the built-ins. */
export interface Discovery {
  /** The project directory: its package.json names the dependencies that may provide sources. Default: the process's. */
  cwd?: string
  /** Package roots of installed oclif plugins, handed over by the command layer (the engine never imports oclif). */
  pluginRoots?: readonly string[]
}

export interface SourceCatalog {
  sources: AvailableSource[]
  /** Packages that declare sources in a way that cannot be used; reported, never fatal to unrelated sources. */
  problems: string[]
}

// dist/src/observe/ -> dist/plugins/
const BUILT_IN_DIR = new URL('../../plugins/', import.meta.url)

/** Every source that can be named in `--source`, without importing any of them. */
export async function listSources(discovery: Discovery = {}): Promise<SourceCatalog> {
  const [builtIns, packages] = await Promise.all([listBuiltIns(), listPackageSources(discovery)])
  const sources = [...builtIns, ...packages.sources].sort((a, b) => compareText(a.name, b.name) || compareText(originLabel(a), originLabel(b)))
  return { sources, problems: packages.problems }
}

async function listBuiltIns(): Promise<AvailableSource[]> {
  const entries = await readdir(BUILT_IN_DIR, { withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isDirectory() && SOURCE_NAME.test(e.name))
    .map((e) => ({
      name: e.name,
      origin: 'built-in' as const,
      load: () => importSource(new URL(`${e.name}/index.js`, BUILT_IN_DIR).href, e.name, `built-in source "${e.name}"`),
    }))
}

async function listPackageSources(discovery: Discovery): Promise<SourceCatalog> {
  const cwd = resolve(discovery.cwd ?? process.cwd())
  const problems: string[] = []
  const dependencyRoots = await projectDependencyRoots(cwd, problems)
  const candidates = [
    ...dependencyRoots.map((root) => ({ root, installedAs: 'dependency' as const })),
    ...(discovery.pluginRoots ?? []).map((root) => ({ root, installedAs: 'plugin' as const })),
  ]
  // One package reachable both ways is one package, not a name clash: the same directory is read
  // once, and a package the project depends on wins over a plugin copy of it, as the project pins its version.
  // Every package.json is read at once (a project has dozens of dependencies), then judged in order.
  const roots = await Promise.all(candidates.map((candidate) => realpath(candidate.root).catch(() => undefined)))
  const seen = new Set<string>()
  const declarations = await Promise.all(
    candidates.map((candidate, i) => {
      const root = roots[i]
      if (!root || seen.has(root)) return undefined
      seen.add(root)
      return readDeclaration(root, candidate.installedAs)
    }),
  )
  const dependencyPackages = new Set<string>()
  const sources: AvailableSource[] = []
  for (const [i, candidate] of candidates.entries()) {
    const declared = declarations[i]
    if (!declared) continue
    if (candidate.installedAs === 'plugin' && declared.sources.some((s) => dependencyPackages.has(s.package!.name))) continue
    if (candidate.installedAs === 'dependency') for (const s of declared.sources) dependencyPackages.add(s.package!.name)
    problems.push(...declared.problems)
    sources.push(...declared.sources)
  }
  return { sources, problems }
}

/**
 * The installed directories of the direct dependencies in `cwd/package.json`. Each is found
 * the way Node resolves a bare package name: `node_modules/<name>` in `cwd` and its parents,
 * nowhere else; a dependency that is not installed is skipped.
 */
async function projectDependencyRoots(cwd: string, problems: string[]): Promise<string[]> {
  const packageJsonPath = join(cwd, 'package.json')
  // The project's package.json comes with the pull request like the manifest does: read it through
  // the bounded reader (a FIFO or a huge file cannot stall the run) and never quote it.
  // A directory without a package.json is the common case, not a problem.
  if (!(await stat(packageJsonPath).catch(() => undefined))) return []
  const read = await readInputText(packageJsonPath, { expected: 'a package.json' })
  if (!read.ok) {
    problems.push(`${read.diagnostics[0]!.message}; its dependencies were not searched for sources`)
    return []
  }
  let project: Record<string, unknown>
  try {
    project = JSON.parse(read.text) as Record<string, unknown>
  } catch {
    problems.push(`${packageJsonPath}: not valid JSON; its dependencies were not searched for sources`)
    return []
  }
  const names = new Set<string>()
  for (const field of DEPENDENCY_FIELDS) {
    const deps = project?.[field]
    if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) if (PACKAGE_NAME.test(name)) names.add(name)
  }
  const roots = await Promise.all([...names].map((name) => installedPackageRoot(cwd, name)))
  return roots.filter((root): root is string => root !== undefined)
}

async function installedPackageRoot(cwd: string, name: string): Promise<string | undefined> {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const root = join(dir, 'node_modules', name)
    if (await stat(join(root, 'package.json')).then((s) => s.isFile(), () => false)) return root
    if (dirname(dir) === dir) return undefined
  }
}

/** Reads the declaration of one package; a package without one provides no sources. */
async function readDeclaration(root: string, installedAs: SourcePackage['installedAs']): Promise<SourceCatalog> {
  let packageJson: Record<string, unknown>
  try {
    packageJson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, unknown>
  } catch {
    return { sources: [], problems: [] }
  }
  const declaration = packageJson[DECLARATION_KEY]
  if (declaration === undefined) return { sources: [], problems: [] }
  const pkg: SourcePackage = { name: String(packageJson.name ?? root), version: String(packageJson.version ?? '0.0.0'), installedAs, root }
  const where = `package ${pkg.name}@${pkg.version} (${root}/package.json)`
  const declared = (declaration as { sources?: unknown } | null)?.sources
  if (!declared || typeof declared !== 'object' || Array.isArray(declared)) {
    return {
      sources: [],
      problems: [`${where}: "${DECLARATION_KEY}" must be { "sources": { "<name>": "./<module>.js" } }`],
    }
  }
  const sources: AvailableSource[] = []
  const problems: string[] = []
  for (const [name, modulePath] of Object.entries(declared)) {
    if (!SOURCE_NAME.test(name)) {
      problems.push(`${where}: source name "${name}" is not valid (lowercase letters, digits and -, starting with a letter)`)
      continue
    }
    if (typeof modulePath !== 'string' || !insidePackage(root, modulePath)) {
      problems.push(`${where}: source "${name}" must point at a module inside the package, e.g. "./index.js", not ${JSON.stringify(modulePath)}`)
      continue
    }
    const label = `source "${name}" of package ${pkg.name}@${pkg.version}`
    sources.push({
      name,
      origin: 'package',
      package: pkg,
      load: async () => {
        // A symlink inside the package must not lead the import outside it.
        const file = await realpath(resolve(root, modulePath)).catch(() => undefined)
        if (!file || !insidePackage(root, relative(root, file))) {
          throw new SourceError('source-not-loadable', `${label}: module ${modulePath} does not exist inside ${root}`, `reinstall ${pkg.name}, or ask its author to fix its "${DECLARATION_KEY}" declaration`)
        }
        return importSource(pathToFileURL(file).href, name, label)
      },
    })
  }
  return { sources, problems }
}

function insidePackage(root: string, modulePath: string): boolean {
  if (isAbsolute(modulePath)) return false
  const inside = relative(root, resolve(root, modulePath))
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
}

async function importSource(specifier: string, declaredName: string, label: string): Promise<SourceDefinition<any>> {
  let module: { default?: unknown; source?: unknown }
  try {
    module = (await import(specifier)) as typeof module
  } catch (error) {
    throw new SourceError('source-not-loadable', `${label} could not be loaded: ${(error as Error).message}`, 'reinstall the package that provides it, or report this to its author')
  }
  const definition = (module.default ?? module.source) as SourceDefinition<any> | undefined
  const problem = definitionProblem(definition, declaredName)
  if (problem) throw new SourceError('not-a-source', `${label} is not a usable partner-drift source: ${problem}`, 'a source module exports defineSource({ name, version, contractVersion, description, open }) as its default export')
  checkContractVersion(definition!, label)
  return definition!
}

function definitionProblem(definition: SourceDefinition<any> | undefined, declaredName: string): string | undefined {
  if (!definition || typeof definition !== 'object') return 'it has no default export (nor one named "source")'
  if (definition.name !== declaredName) return `it is named ${JSON.stringify(definition.name)} but declared as "${declaredName}"`
  if (typeof definition.version !== 'string' || !definition.version) return 'it has no "version" string'
  if (typeof definition.contractVersion !== 'string') return 'it has no "contractVersion" string (MAJOR.MINOR)'
  if (typeof definition.description !== 'string') return 'it has no "description" string'
  if (typeof definition.open !== 'function') return 'it has no open() function'
  const options = definition.options
  if (options !== undefined) {
    if (!options || typeof options.schema !== 'object' || options.schema === null) return '"options.schema" must be a JSON Schema object'
    const properties = (options.schema.properties ?? {}) as Record<string, unknown>
    if (options.shorthand !== undefined && !(options.shorthand in properties)) return `its shorthand option "${options.shorthand}" is not a property of its options schema`
  }
  return undefined
}

/**
 * Terraform's plugin-protocol rule: majors must match; a minor only adds optional members, so
 * a source built for an older minor works, and one built for a newer minor than this core
 * implements may rely on members this core does not provide.
 */
export function checkContractVersion(definition: SourceDefinition<any>, label = `source "${definition.name}"`): void {
  const declared = /^(\d+)\.(\d+)$/.exec(String(definition.contractVersion))
  const [coreMajor, coreMinor] = SOURCE_CONTRACT_VERSION.split('.').map(Number)
  if (!declared) {
    throw new SourceError(
      'contract-version',
      `${label} declares contract version ${JSON.stringify(definition.contractVersion)}, which is not MAJOR.MINOR; this partner-drift implements source contract ${SOURCE_CONTRACT_VERSION}`,
      `the source must declare the contract version it was built for, e.g. contractVersion: '${SOURCE_CONTRACT_VERSION}'`,
    )
  }
  const [major, minor] = [Number(declared[1]), Number(declared[2])]
  if (major === coreMajor && minor <= coreMinor) return
  throw new SourceError(
    'contract-version',
    `${label} implements source contract ${definition.contractVersion}, but this partner-drift implements source contract ${SOURCE_CONTRACT_VERSION}`,
    major !== coreMajor
      ? `install a version of the source built for contract ${coreMajor}.x, or a partner-drift that implements contract ${major}.x`
      : `upgrade partner-drift to a version that implements contract ${definition.contractVersion}, or install an older version of the source`,
  )
}

/** `snapshot:examples/snapshot.json` -> name `snapshot`, shorthand argument `examples/snapshot.json`. */
export function parseSourceSpec(spec: string): { name: string; argument?: string } {
  const colon = spec.indexOf(':')
  return colon === -1 ? { name: spec } : { name: spec.slice(0, colon), argument: spec.slice(colon + 1) }
}

/** Finds the one source with this name; unknown and ambiguous names are errors that say what exists. */
export async function findSource(name: string, discovery: Discovery = {}): Promise<AvailableSource> {
  const { sources, problems } = await listSources(discovery)
  const matches = sources.filter((s) => s.name === name)
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) throw duplicateError(name, matches)
  const names = [...new Set(sources.map((s) => s.name))]
  const suggestion = closest(name, names)
  const unusable = problems.length > 0 ? `\n${problems.map((p) => `  ignored: ${p}`).join('\n')}` : ''
  throw new SourceError(
    'unknown-source',
    `unknown source "${name}"; available: ${names.join(', ') || 'none'}${unusable}`,
    (suggestion ? `did you mean "${suggestion}"? ` : '') +
      `run \`partner-drift sources\` to list them; a source package must be a dependency in ./package.json (installed) or installed with \`partner-drift plugins install\``,
  )
}

function duplicateError(name: string, matches: AvailableSource[]): SourceError {
  const packages = matches.filter((m) => m.package).map((m) => m.package!)
  const uninstall = packages.map((p) => (p.installedAs === 'plugin' ? `partner-drift plugins uninstall ${p.name}` : `npm uninstall ${p.name}`))
  return new SourceError(
    'ambiguous-source',
    `source name "${name}" is provided by ${matches.length} sources: ${matches.map(describeOrigin).join(' and ')}`,
    matches.some((m) => m.origin === 'built-in')
      ? `a package may not replace a built-in source; remove it (${uninstall.join(' or ')}) or ask its author to rename the source`
      : `keep one of them: ${uninstall.join(' or ')}`,
  )
}

/** `built-in`, or `pkg@1.2.3 (dependency, /path)` for messages. */
export function describeOrigin(source: AvailableSource): string {
  if (!source.package) return 'built-in'
  const { name, version, installedAs, root } = source.package
  return `package ${name}@${version} (${installedAs === 'plugin' ? 'partner-drift plugin' : 'dependency in package.json'}, ${root})`
}

function originLabel(source: AvailableSource): string {
  return source.package?.name ?? 'built-in'
}

/** Resolves `--source` and `--source-option key=value` into a loaded source and its validated options. */
export async function resolveSource(
  spec: string,
  optionPairs: readonly string[] = [],
  discovery: Discovery = {},
): Promise<{ source: SourceDefinition<any>; options: Record<string, unknown> }> {
  const { name, argument } = parseSourceSpec(spec)
  const source = await (await findSource(name, discovery)).load()
  const options = sourceOptions(source, argument, optionPairs)
  return { source, options }
}

/** One option of a source, as `partner-drift sources` shows it. */
export interface SourceOptionInfo {
  name: string
  type: string
  description?: string
  required: boolean
  /** True for the option `--source NAME:ARG` sets. */
  shorthand: boolean
}

/** A source as `partner-drift sources` shows it; `problem` is set when it cannot be used. */
export interface SourceInfo {
  name: string
  /** `built-in` or the name of the package that provides it. */
  origin: string
  package?: SourcePackage
  version?: string
  contractVersion?: string
  description?: string
  options: SourceOptionInfo[]
  problem?: string
}

/**
 * Loads every available source to describe it. Unlike `check`, which imports only the source
 * it uses, this imports them all; a source that cannot be loaded is listed with its problem.
 */
export async function inspectSources(discovery: Discovery = {}): Promise<{ sources: SourceInfo[]; problems: string[] }> {
  const { sources, problems } = await listSources(discovery)
  const infos = await Promise.all(
    sources.map(async (available): Promise<SourceInfo> => {
      const base = { name: available.name, origin: originLabel(available), ...(available.package ? { package: available.package } : {}) }
      const rivals = sources.filter((s) => s.name === available.name && s !== available)
      if (rivals.length > 0) return { ...base, options: [], problem: duplicateError(available.name, [available, ...rivals]).message }
      try {
        const definition = await available.load()
        return {
          ...base,
          version: definition.version,
          contractVersion: definition.contractVersion,
          description: definition.description,
          options: optionInfos(definition),
        }
      } catch (error) {
        return { ...base, options: [], problem: error instanceof SourceError ? error.message : String(error) }
      }
    }),
  )
  return { sources: infos, problems }
}

function optionInfos(definition: SourceDefinition<any>): SourceOptionInfo[] {
  const schema = definition.options?.schema
  if (!schema) return []
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : [])
  return Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    type: typeOf(property),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    required: required.has(name),
    shorthand: definition.options?.shorthand === name,
  }))
}

function typeOf(property: JsonSchema): string {
  if (Array.isArray(property.enum)) return property.enum.map((v) => JSON.stringify(v)).join(' | ')
  const types = [property.type].flat().filter((t) => typeof t === 'string')
  return types.length > 0 ? types.join(' | ') : 'any'
}
