package gateway

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/internal/ledgertest"
)

// scanLimits are small enough that every limit is reached by short
// bodies.
var scanLimits = []Limits{
	{MaxJSONDepth: 3, MaxStringBytes: 6, MaxObjectEntries: 2, MaxArrayElements: 3},
	{MaxJSONDepth: 1, MaxStringBytes: 2, MaxObjectEntries: 1, MaxArrayElements: 1},
	{MaxJSONDepth: 0, MaxStringBytes: 0, MaxObjectEntries: 0, MaxArrayElements: 0},
	DefaultLimits,
}

var scanBodies = []string{
	`{}`, `null`, `"s"`, `12`, `true`, `[]`, ` { } `, "{\n\t\"a\" : 1 ,\r\n \"b\":[ ]}",
	`{"plaintext":"aGVsbG8gd29ybGQ="}`, `{"data":{"password":"s3cr3t"},"options":{"cas":0}}`,
	`{"a":{"b":{"c":{}}}}`, `{"a":{"b":{"c":{"d":{}}}}}`, `[[[[]]]]`, `[[[]]]`,
	`{"a":1,"b":2}`, `{"a":1,"b":2,"c":3}`, `[1,2,3]`, `[1,2,3,4]`, `[1,[2,3,4,5],6]`,
	`{"abcdef":1}`, `{"abcdefg":1}`, `{"a":"abcdef"}`, `{"a":"abcdefg"}`, `{"abcdefg":{"x":{"y":{"z":{}}}}}`,
	`{"a":"\u0041"}`, `{"a":"\u00e9\u00e9\u00e9\u00e9"}`, `{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\\\"\/\b\f\n\r\t"}`,
	"{\"a\":\"\xff\xfe\"}", "{\"a\":\"\xff\"}", `{"a":"éé"}`, `{"a":"ééé"}`, `{"ab":"\n"}`,
	`{"a":-1.5e+10,"b":null,"c":false,"d":[true,0]}`, `{"a":[{"b":[{"c":1}]}]}`,
	// Not one valid value: the token walk decides.
	`{"a":1}{"b":2}`, `{"a":1} {"b":[[[[[]]]]]}`, `{"a":`, `{`, `]`, `{"a" 1}`, `[1,]`, `{"a":1,}`, `nul`, ``, `   `,
	`{"a":"x` + "\x00" + `"}`, `[1 2]`,
}

func TestScanJSONIsCheckJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	bodies := append([]string(nil), scanBodies...)
	for range 3000 {
		var sb strings.Builder
		randomJSON(rng, &sb, 0)
		bodies = append(bodies, sb.String())
	}
	fast := 0
	for _, l := range scanLimits {
		for _, body := range bodies {
			if scanAgrees(t, l, []byte(body)) {
				fast++
			}
		}
	}
	// The fast path must be the common path, or it is dead weight (the
	// rest here: strings with escapes or non-ASCII bytes near the tiny
	// limits, and bodies that are not one value).
	if want := len(scanLimits) * len(bodies) * 2 / 3; fast < want {
		t.Fatalf("scanJSON decided %d of %d bodies, want at least %d", fast, len(scanLimits)*len(bodies), want)
	}
	// A plain request body is decided by the scan.
	if _, decided := DefaultLimits.scanJSON([]byte(`{"plaintext":"aGVsbG8gd29ybGQ="}`)); !decided {
		t.Fatal("scanJSON did not decide a transit encrypt body")
	}
}

// scanAgrees fails t when scanJSON decides body otherwise than the token
// walk, and reports whether it decided.
func scanAgrees(t *testing.T, l Limits, body []byte) bool {
	t.Helper()
	got, decided := l.scanJSON(body)
	if !decided {
		return false
	}
	want := l.checkJSONTokens(body)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("limits %+v, body %q: scanJSON says %v, the token walk %v", l, body, got, want)
	}
	return true
}

func FuzzScanJSON(f *testing.F) {
	for _, s := range scanBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, l := range scanLimits {
			scanAgrees(t, l, body)
		}
	})
}

// randomJSON writes a random JSON value, mostly valid, with strings that
// hold escapes and non-ASCII bytes now and then.
func randomJSON(rng *rand.Rand, sb *strings.Builder, depth int) {
	pick := rng.IntN(10)
	if depth > 5 {
		pick = rng.IntN(5)
	}
	switch pick {
	case 0:
		sb.WriteString([]string{"null", "true", "false", "0", "-12.5e3"}[rng.IntN(5)])
	case 1, 2, 3, 4:
		randomString(rng, sb)
	case 5, 6, 7:
		sb.WriteByte('{')
		for i := range rng.IntN(5) {
			if i > 0 {
				sb.WriteString([]string{",", " , ", ",\n"}[rng.IntN(3)])
			}
			randomString(rng, sb)
			sb.WriteString([]string{":", " : "}[rng.IntN(2)])
			randomJSON(rng, sb, depth+1)
		}
		sb.WriteByte('}')
	default:
		sb.WriteByte('[')
		for i := range rng.IntN(6) {
			if i > 0 {
				sb.WriteByte(',')
			}
			randomJSON(rng, sb, depth+1)
		}
		sb.WriteByte(']')
	}
	if rng.IntN(200) == 0 { // now and then not one value
		sb.WriteString([]string{" {}", "]", ",", "x"}[rng.IntN(4)])
	}
}

func randomString(rng *rand.Rand, sb *strings.Builder) {
	sb.WriteByte('"')
	for range rng.IntN(9) {
		switch rng.IntN(12) {
		case 0:
			sb.WriteString([]string{`\n`, `\"`, `\\`, `\u0041`, `\u00e9`, `\ud800`, `\ud83d\ude00`}[rng.IntN(7)])
		case 1:
			sb.WriteString([]string{"é", "\xff", "世"}[rng.IntN(3)])
		default:
			sb.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	sb.WriteByte('"')
}

// BenchmarkCheckJSON: the JSON limit check of a transit encrypt body and
// of a KV write body, by the token walk (before) and by checkJSON (after).
func BenchmarkCheckJSON(b *testing.B) {
	bodies := map[string][]byte{
		"transit": []byte(`{"plaintext":"aGVsbG8gd29ybGQsIHRoaXMgaXMgYSB0ZXN0IHBsYWludGV4dA=="}`),
		"kv":      []byte(`{"data":{"value":"` + strings.Repeat("x", 100) + `"},"options":{}}`),
	}
	l := DefaultLimits
	for name, body := range bodies {
		b.Run(name+"/tokens", func(b *testing.B) {
			b.ReportAllocs()
			defer ledgertest.CPUPerOp(b)()
			for b.Loop() {
				if err := l.checkJSONTokens(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/checkJSON", func(b *testing.B) {
			b.ReportAllocs()
			defer ledgertest.CPUPerOp(b)()
			for b.Loop() {
				if err := l.checkJSON(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
