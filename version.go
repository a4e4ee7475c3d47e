package rpcexec

// Version is rpcexec's release (see CHANGELOG.md), reported by loadgen's
// saved results.
const Version = "0.1.0"
