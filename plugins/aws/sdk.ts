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

export const require = createRequire(import.meta.url)

export const { DescribeClustersCommand, DescribePartnersCommand, RedshiftClient } = require('@aws-sdk/client-redshift') as typeof Redshift
export type DescribeClustersCommand = Redshift.DescribeClustersCommand
export type DescribePartnersCommand = Redshift.DescribePartnersCommand
export type RedshiftClient = Redshift.RedshiftClient
export const { fromNodeProviderChain, fromTemporaryCredentials } = require('@aws-sdk/credential-providers') as typeof CredentialProviders
export const { isThrottlingError, StandardRetryStrategy } = require('@smithy/core/retry') as typeof SmithyRetry
export const { AwsQueryProtocol } = require('@aws-sdk/core/protocols') as typeof CoreProtocols
export const { getHomeDir, loadSharedConfigFiles } = require('@smithy/core/config') as typeof SmithyConfig
