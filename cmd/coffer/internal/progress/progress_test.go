package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSilentWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "verifying", Options{Total: 10})
	if b != nil {
		t.Fatal("a bar on a buffer: want nil")
	}
	b.Set(5) // a nil bar is safe to use
	b.Add(1)
	b.SetTotal(20)
	b.Finish()
	if buf.Len() != 0 {
		t.Fatalf("wrote %q to a non-terminal", buf.String())
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || New(f, "x", Options{}) != nil {
		t.Fatal("a regular file is not a terminal")
	}
}

func TestBarRedrawsAtMostEvery100msAndClears(t *testing.T) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := New(&buf, "verify", Options{Total: 200, Unit: "messages", Force: true, Now: c.now})
	b.Set(50) // too soon after the first draw
	if got := strings.Count(buf.String(), "\r"); got != 1 {
		t.Fatalf("%d draws, want 1: %q", got, buf.String())
	}
	c.t = c.t.Add(150 * time.Millisecond)
	b.Set(100)
	last := buf.String()[strings.LastIndex(buf.String(), "\r")+1:]
	want := "verify [===============>              ]  50% 100/200 messages 0.1s"
	if !strings.HasPrefix(last, want) {
		t.Fatalf("line %q, want %q", last, want)
	}
	c.t = c.t.Add(time.Second)
	b.Set(400) // more than the total is shown as the total
	if !strings.Contains(buf.String(), "100% 200/200") {
		t.Fatalf("no full bar in %q", buf.String())
	}
	b.Finish()
	b.Finish()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Fatalf("Finish must leave the cursor at the start of a clean line: %q", buf.String())
	}
}

func TestSpinnerWithoutTotal(t *testing.T) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := New(&buf, "replaying", Options{Unit: "records", Force: true, Now: c.now})
	c.t = c.t.Add(2 * time.Second)
	b.Add(42)
	if !strings.Contains(buf.String(), "replaying 42 records 2.0s") {
		t.Fatalf("spinner line missing: %q", buf.String())
	}
	b.Finish()
}
