//go:build tools

// Package tools pins the SPIRE commands this module builds. It is never
// compiled into anything; the build tag keeps it out of normal builds.
package tools

import (
	_ "github.com/spiffe/spire/cmd/spire-agent"
	_ "github.com/spiffe/spire/cmd/spire-server"
)
