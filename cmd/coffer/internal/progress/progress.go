package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// minInterval bounds redraws: a bar redrawn on every message would cost
// more than the work it reports.
const minInterval = 100 * time.Millisecond

const width = 30

// Bar is a progress line. The zero value and a nil *Bar draw nothing.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	unit    string
	total   int64
	done    int64
	start   time.Time
	last    time.Time
	drawn   int // width of the last line drawn, to clear it
	frame   int
	now     func() time.Time
	stopped bool
	ticker  *time.Ticker
	quit    chan struct{}
}

// Options tune a bar.
type Options struct {
	// Total is the amount of work; 0 when unknown (a spinner).
	Total int64
	// Unit names what is counted ("messages").
	Unit string
	// Force draws even when w is not a terminal (tests).
	Force bool
	// Now replaces the clock (tests).
	Now func() time.Time
	// Tick redraws on its own at this interval (a spinner whose work gives
	// no news, such as a single long request); 0 for none.
	Tick time.Duration
}

// New returns a bar drawing on w, or nil (which draws nothing) when w is
// not a terminal and Force is not set.
func New(w io.Writer, label string, o Options) *Bar {
	if !o.Force && !IsTerminal(w) {
		return nil
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	b := &Bar{w: w, label: label, unit: o.Unit, total: o.Total, now: o.Now}
	b.start = b.now()
	b.draw(true)
	if o.Tick > 0 {
		b.ticker, b.quit = time.NewTicker(o.Tick), make(chan struct{})
		go b.tick()
	}
	return b
}

func (b *Bar) tick() {
	for {
		select {
		case <-b.ticker.C:
			b.mu.Lock()
			b.draw(true)
			b.mu.Unlock()
		case <-b.quit:
			return
		}
	}
}

// SetTotal sets the amount of work once it is known.
func (b *Bar) SetTotal(total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = total
}

// Set records how much is done and redraws if it is time to.
func (b *Bar) Set(done int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = done
	b.draw(false)
}

// Add records n more done.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.draw(false)
}

// Finish erases the line, so the command's own output starts clean.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	b.stopped = true
	if b.ticker != nil {
		b.ticker.Stop()
		close(b.quit)
	}
	fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.drawn))
}

func (b *Bar) draw(force bool) {
	if b.stopped {
		return
	}
	now := b.now()
	if !force && now.Sub(b.last) < minInterval {
		return
	}
	b.last = now
	line := b.line(now.Sub(b.start))
	pad := ""
	if n := len([]rune(line)); n < b.drawn {
		pad = strings.Repeat(" ", b.drawn-n)
	}
	b.drawn = len([]rune(line))
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// line renders the bar: "label [=====>     ]  45% 4500/10000 messages 3.1s".
func (b *Bar) line(elapsed time.Duration) string {
	secs := fmt.Sprintf("%.1fs", elapsed.Seconds())
	unit := ""
	if b.unit != "" {
		unit = " " + b.unit
	}
	if b.total <= 0 {
		b.frame++
		count := ""
		if b.done > 0 {
			count = fmt.Sprintf(" %d%s", b.done, unit)
		}
		return fmt.Sprintf("%s %s%s %s", spinner[b.frame%len(spinner)], b.label, count, secs)
	}
	done := min(b.done, b.total)
	filled := int(int64(width) * done / b.total)
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	return fmt.Sprintf("%s [%s] %3d%% %d/%d%s %s", b.label, bar, 100*done/b.total, done, b.total, unit, secs)
}
