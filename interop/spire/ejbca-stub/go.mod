// Stand-in for github.com/Keyfactor/ejbca-go-client-sdk, used only to build
// SPIRE's spire-server for interop tests. See README.md in this directory.
module github.com/Keyfactor/ejbca-go-client-sdk

go 1.21
