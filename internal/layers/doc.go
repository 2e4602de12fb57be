// Package layers holds the test that keeps Coffer's dependencies pointing
// one way: ledger <- event schemas <- projections and commands <- engines
// <- gateway <- cmd (and node, the composition root). It lists every
// package with `go list`, puts each in its layer by path, and fails on an
// import that points up, on a production package that imports a test
// kit, and on a scenario that imports anything but public surfaces.
package layers
