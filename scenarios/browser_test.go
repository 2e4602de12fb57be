package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium (or $COFFER_CHROMIUM). Without it
// the browser tests skip, unless COFFER_REQUIRE_CHROMIUM=1 (set by
// .ci/run, which installs the package) makes that a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("COFFER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("COFFER_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium) and COFFER_REQUIRE_CHROMIUM is set")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); set COFFER_REQUIRE_CHROMIUM=1 to make this a failure")
	return ""
}

// browser starts a headless Chromium for the test: no sandbox (tests run as
// root), no GPU, nothing that would reach the network on its own (the
// machine's network is closed), a fresh profile. The browser stops when
// the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	profile := filepath.Join(t.TempDir(), "profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1360, 860),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now, so a missing library fails here, clearly.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// page drives one tab of the UI.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	// shots, when set, is where screenshots are saved
	// (COFFER_UI_SCREENSHOTS; `make ui-screenshots` points it at docs/ui).
	shots string
}

// stepTimeout bounds one step (a wait included): a missing element fails
// the step with the page's HTML instead of hanging the test.
const stepTimeout = 15 * time.Second

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fail(what, err)
	}
}

func (p *page) fail(what string, err error) {
	p.t.Helper()
	// The page as it was helps more than the error alone.
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	html, herr := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("app").outerHTML`))
	if herr != nil {
		html = herr.Error()
	}
	if len(html) > 6000 {
		html = html[:6000] + "…"
	}
	p.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
}

// goTo switches the app's view. The app routes on the URL's hash, and a
// hash change is a same-document navigation, so it is made in the page.
func (p *page) goTo(hash string) {
	p.t.Helper()
	p.do("go to "+hash, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", hash)))
}

// waitFor waits until a CSS selector matches a visible element.
func (p *page) waitFor(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

func (p *page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.fail("text of "+sel, err)
	}
	return s
}

// eval runs JavaScript in the page and decodes its result.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.fail("evaluate "+js, err)
	}
	return v
}

// screenshot saves the viewport as <name>.png when screenshots are asked for.
func (p *page) screenshot(name string) {
	p.t.Helper()
	if p.shots == "" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(p.shots, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
