package ledger

// Bridges for the external test package (codec_bench_test.go), which can
// import internal/ledgertest where this package's own tests cannot
// (ledgertest imports ledger).
var (
	EncodeEvents = encodeEvents
	DecodeBatch  = decodeBatch
)

// BatchBody is the plaintext body of a group of encoded requests, as the
// writer builds it before compressing and sealing.
func BatchBody(parts ...[]byte) []byte {
	g := &group{}
	for _, p := range parts {
		g.reqs = append(g.reqs, &appendReq{encoded: p})
		g.size += len(p)
	}
	return g.appendBody(nil)
}

var (
	CompressBatch   = compressBatch
	UncompressBatch = uncompressBatch
)
