// The build replaces this module's compiled output with a one-file bundle of the same exports
// (scripts/bundle-dependencies.js), which starts much faster than the package's many modules.
// Import yaml from here, not from 'yaml'.
export * from 'yaml'
