/**
 * The AWS SDK packages a live run needs when the aws source opens, loaded with require(). They are
 * CommonJS, and importing CommonJS from an ES module makes Node first scan each file for its named
 * exports: about 80 ms of every live run's start (the SDK loaded in 210 ms, now in 130). Values
 * come from here; types are imported from the packages as usual. The Organizations and CloudTrail
 * clients are required the same way by the modules that use them, which are loaded only when needed.
 */
import { createRequire } from 'node:module'

import type * as CoreProtocols from '@aws-sdk/core/protocols'
import type * as Redshift from '@aws-sdk/client-redshift'
import type * as CredentialProviders from '@aws-sdk/credential-providers'
import type * as SmithyConfig from '@smithy/core/config'
import type * as SmithyRetry from '@smithy/core/retry'

/** require() from this package, for the CommonJS packages of the SDK. */
export const requireCommonJs = createRequire(import.meta.url)

const redshift = requireCommonJs('@aws-sdk/client-redshift') as typeof Redshift
const credentialProviders = requireCommonJs('@aws-sdk/credential-providers') as typeof CredentialProviders
const retry = requireCommonJs('@smithy/core/retry') as typeof SmithyRetry
const config = requireCommonJs('@smithy/core/config') as typeof SmithyConfig

// Each with its type written out: inferred, some would name packages this project does not depend on.
export const DescribeClustersCommand: typeof Redshift.DescribeClustersCommand = redshift.DescribeClustersCommand
export type DescribeClustersCommand = Redshift.DescribeClustersCommand
export const DescribePartnersCommand: typeof Redshift.DescribePartnersCommand = redshift.DescribePartnersCommand
export type DescribePartnersCommand = Redshift.DescribePartnersCommand
export const RedshiftClient: typeof Redshift.RedshiftClient = redshift.RedshiftClient
export type RedshiftClient = Redshift.RedshiftClient
export const fromNodeProviderChain: typeof CredentialProviders.fromNodeProviderChain = credentialProviders.fromNodeProviderChain
export const fromTemporaryCredentials: typeof CredentialProviders.fromTemporaryCredentials = credentialProviders.fromTemporaryCredentials
export const isThrottlingError: typeof SmithyRetry.isThrottlingError = retry.isThrottlingError
export const StandardRetryStrategy: typeof SmithyRetry.StandardRetryStrategy = retry.StandardRetryStrategy
export const AwsQueryProtocol: typeof CoreProtocols.AwsQueryProtocol = (requireCommonJs('@aws-sdk/core/protocols') as typeof CoreProtocols).AwsQueryProtocol
export const getHomeDir: typeof SmithyConfig.getHomeDir = config.getHomeDir
export const loadSharedConfigFiles: typeof SmithyConfig.loadSharedConfigFiles = config.loadSharedConfigFiles
