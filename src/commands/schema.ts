import { BaseCommand } from '../cli/base-command.js'
import { Args } from '../cli/oclif.js'
import { writeStdout } from '../cli/output.js'
import { SCHEMA_NAMES, schemaText } from '../schemas.js'

export default class Schema extends BaseCommand {
  static override summary = 'Print the JSON Schema of the manifest, the snapshot or the JSON report.'
  static override description = 'Point your editor at it (yaml-language-server: $schema=...) for completion and checks while writing a manifest.'
  static override examples = ['<%= config.bin %> <%= command.id %> manifest > manifest.schema.json', '<%= config.bin %> <%= command.id %> report']
  static override args = {
    name: Args.string({ description: 'which schema', options: [...SCHEMA_NAMES], default: 'manifest' }),
  }

  async run(): Promise<void> {
    const { args } = await this.parse(Schema)
    await writeStdout(schemaText(args.name as (typeof SCHEMA_NAMES)[number]))
  }
}
