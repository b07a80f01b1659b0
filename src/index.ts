/**
 * The public entry of partner-drift: the source-adapter contract and the helpers a source
 * needs to read its own input with located errors. Everything a source package imports
 * comes from here, so built-in sources and third-party ones stand on the same ground.
 */
export {
  SOURCE_CONTRACT_VERSION,
  defineSource,
  type AccountListing,
  type AccountListingRequest,
  type AttributionRequest,
  type ChangeHistory,
  type ClusterObservation,
  type ClusterTag,
  type ClusterTarget,
  type DiscoveryScope,
  type FoundCluster,
  type LookupError,
  type OrganizationAccount,
  type LearnedRate,
  type PartnerChange,
  type PartnerEventName,
  type ScopeDiscovery,
  type ObservedIntegration,
  type SourceContext,
  type SourceDefinition,
  type SourceOptionsSpec,
  type SourceSession,
  type SourceStats,
} from './contract.js'
export { InputError, formatDiagnostic, type Diagnostic } from './input/diagnostics.js'
export { formatKeyPath, parseDocumentText, readDocument, type KeyPath, type LocatedDocument, type Position } from './input/document.js'
export { MAX_INPUT_BYTES, readInputText, type InputText, type ReadInputOptions } from './input/read-input.js'
export { checkAgainstSchema, type JsonSchema } from './input/schema-check.js'
export { clusterKey } from './model/cluster.js'
export { PARTNER_STATUSES, observedIntegrationOf, type PartnerStatus } from './model/observation.js'
export { checkObservation, type ObservationCheck } from './observe/observation-check.js'
export { parseTimestamp } from './timestamp.js'
export { EXCERPT_LENGTH, escapeControl, excerpt } from './untrusted-text.js'
export {
  SNAPSHOT_VERSION,
  buildSnapshot,
  readSnapshotObservations,
  type PartnerIntegrationInfo,
  type Snapshot,
  type SnapshotCluster,
} from './snapshot-format.js'
export { readSnapshotDiscovery, type RecordedDiscovery, type SnapshotDiscovery } from './snapshot-discovery.js'
