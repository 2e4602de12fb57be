// Package ui serves Coffer's web UI: a static single-page application,
// built from web/ (Preact, TypeScript, Vite; see docs/ui.md) into dist/,
// committed, and embedded in the binary with go:embed, so running and
// testing Coffer needs no Node and nothing from the network.
//
// The UI has no back door: everything it shows it fetches in the browser
// from the public /v1 API with the signed-in user's token, under the same
// ACL and audit as any client. This package therefore imports nothing from
// Coffer; Handler only serves files.
//
// Handler answers GET and HEAD for /ui (a redirect to /ui/), /ui/ (the
// app's index.html, never cached, so a new binary's UI is picked up at
// once) and /ui/assets/* (content-hashed file names, cached for a year).
// Every answer carries a strict Content-Security-Policy: scripts, styles
// and connections only from the server's own origin, no framing.
//
// dist/source.sha256 is a digest of the sources dist/ was built from; a
// test recomputes it from web/ so a source change without a rebuild fails
// `go test ./ui` (rebuild with `make ui`).
package ui
