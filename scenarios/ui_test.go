package scenarios_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// teamAPolicy reaches team-a's secrets only; team-b's stay out of sight.
const teamAPolicy = `
path "secret/data/team-a/*"     { capabilities = ["create", "read", "update", "list"] }
path "secret/metadata/team-a/*" { capabilities = ["read", "list"] }
path "sys/events/subscribe/*"   { capabilities = ["read"] }
`

// TestWebUI drives the web UI at /ui/ in a real headless Chromium against
// the real binary: every view reads the public API with the signed-in
// token, so what is checked here is what a user sees.
func TestWebUI(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	root := s.Client(t)
	kv := root.KVv2("secret")

	// A secret with two versions, and the moment between them.
	_, err := kv.Put(ctx, "team-a/app", map[string]any{"password": "first"})
	require.NoError(t, err)
	// The write is stored (fsynced) before Put returns, and the server
	// runs on this machine's clock.
	between := time.Now().UTC().Format(time.RFC3339Nano)
	_, err = kv.Put(ctx, "team-a/app", map[string]any{"password": "second"})
	require.NoError(t, err)
	_, err = kv.Put(ctx, "team-b/db", map[string]any{"password": "team-b-only"})
	require.NoError(t, err)
	require.NoError(t, root.Sys().PutPolicy("team-a", teamAPolicy))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"team-a"}, TTL: "1h", DisplayName: "team-a"})
	require.NoError(t, err)
	teamA := tok.Auth.ClientToken

	p := &page{t: t, ctx: browser(t), base: s.Addr, shots: os.Getenv("COFFER_UI_SCREENSHOTS")}

	// /ui redirects to /ui/, which serves the app.
	p.do("open the UI", chromedp.Navigate(s.Addr+"/ui"))
	p.waitFor("#login-token")
	p.screenshot("login")

	t.Run("login", func(t *testing.T) {
		p.t = t
		p.login(s.Token)
		require.Contains(t, p.text("#whoami"), "root")
	})

	t.Run("timeline finds a KV write by path", func(t *testing.T) {
		p.t = t
		p.goTo("#/timeline")
		p.do("filter by path",
			chromedp.WaitVisible(chromedp.ID("filter-path")),
			chromedp.SendKeys(chromedp.ID("filter-path"), "secret/data/team-a/"),
			chromedp.Click(chromedp.ID("filter-apply")),
		)
		write := `#timeline tr.entry[data-path="secret/data/team-a/app"][data-type="kv-v2/data-write"]`
		p.waitFor(write)
		// Only team-a's records are listed, newest first.
		paths := eval[[]string](p, `[...document.querySelectorAll("#timeline tr.entry")].map(r => r.dataset.path)`)
		require.NotEmpty(t, paths)
		for _, path := range paths {
			require.True(t, strings.HasPrefix(path, "secret/data/team-a/"), "filtered timeline shows %q", path)
		}
		cursors := eval[[]string](p, `[...document.querySelectorAll("#timeline tr.entry")].map(r => r.dataset.cursor)`)
		require.True(t, cursorAfter(cursors[0], cursors[len(cursors)-1]), "newest first: %v", cursors)
		// A row expands to its decoded record: the public event, no value.
		p.do("expand the write", chromedp.Click(chromedp.CSS(write)))
		p.waitFor("#timeline tr.detail pre.json")
		detail := p.text("#timeline tr.detail pre.json")
		require.Contains(t, detail, `"data_path": "secret/data/team-a/app"`)
		require.NotContains(t, detail, "second", "a secret value leaked into the timeline")
		p.screenshot("timeline")
	})

	t.Run("a live event appears after a kv put", func(t *testing.T) {
		p.t = t
		p.goTo("#/live")
		p.waitFor(`#live-status[data-state="live"]`)
		_, stderr, code := s.CLI(t, "kv", "put", "secret/team-a/live", "k=v")
		require.Equal(t, 0, code, stderr)
		p.waitFor(`#live-events tr.event[data-path="secret/data/team-a/live"][data-type="kv-v2/data-write"]`)
		p.screenshot("live")
	})

	t.Run("path history at a past moment", func(t *testing.T) {
		p.t = t
		p.goTo("#/history?path=secret/team-a/app")
		p.waitFor(`#history-changes tr.change[data-type="kv-v2/data-write"]`)
		p.do("ask for the state between the two writes",
			chromedp.WaitVisible(chromedp.ID("state-at-input")),
			chromedp.SendKeys(chromedp.ID("state-at-input"), between),
			chromedp.Click(chromedp.ID("state-at-show")),
		)
		p.waitFor(`#state-at-result[data-version="1"]`)
		require.Contains(t, p.text("#state-at-result"), "current_version")
		writes := eval[int](p, `document.querySelectorAll('#history-changes tr.change[data-type="kv-v2/data-write"]').length`)
		require.Equal(t, 2, writes, "two versions were written")
		p.screenshot("history")
	})

	t.Run("verify", func(t *testing.T) {
		p.t = t
		waitForCheckpoint(t, s)
		p.goTo("#/integrity")
		p.waitFor("#checkpoint pre.note")
		p.do("verify now", chromedp.Click(chromedp.ID("verify-now")))
		p.waitFor(`#verify-result[data-ok="true"]`)
		require.Contains(t, p.text("#verify-result"), "Verified")
		p.screenshot("integrity")
	})

	t.Run("secrets browser and policy errors", func(t *testing.T) {
		p.t = t
		p.goTo("#/secrets?mount=secret/&path=team-a/app")
		p.waitFor(`#kv-versions tr[data-version="2"][data-state="live"]`)
		require.NotContains(t, p.text("#kv-values"), "second", "values are hidden until revealed")
		p.do("reveal", chromedp.Click(chromedp.ID("kv-reveal")))
		require.Contains(t, p.text("#kv-values"), "second")
		p.screenshot("secrets")

		// A broken policy is refused with its line and column.
		p.goTo("#/policies?name=team-a")
		p.waitFor(`#policy-text[data-loaded="true"]`)
		eval[chromedp.Void](p, `(() => { const a = document.getElementById("policy-text");
			a.value = 'path "secret/data/x" {\n  capabilities = ["read"\n}\n';
			a.dispatchEvent(new Event("input", { bubbles: true })); })()`)
		p.do("save", chromedp.Click(chromedp.ID("policy-save")))
		p.waitFor(`#policy-error-position[data-line="3"]`)
		p.screenshot("policies")
		got, err := root.Sys().GetPolicy("team-a")
		require.NoError(t, err)
		require.Contains(t, got, "team-a", "the refused edit must not change the policy")

		// Transit: rotate a key from the UI.
		require.NoError(t, root.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
		_, err = root.Logical().Write("transit/keys/orders", map[string]any{"type": "aes256-gcm96"})
		require.NoError(t, err)
		p.goTo("#/transit?mount=transit/&key=orders")
		p.waitFor(`#transit-key-info tr[data-key="latest_version"][data-value="1"]`)
		p.do("rotate", chromedp.Click(chromedp.ID("transit-rotate")))
		p.waitFor(`#transit-key-info tr[data-key="latest_version"][data-value="2"]`)

		// Charts come from sys/metrics (polled every 5 s): after two polls
		// the requests chart draws a line per mount, the KV mount this
		// test used among them, and the lease expiries card is there.
		p.goTo("#/charts")
		p.waitFor("#chart-requests svg.chart path")
		require.Contains(t, p.text("#chart-requests .legend"), "secret/")
		p.waitFor("#chart-expiries")
		require.False(t, eval[bool](p, `document.querySelector("#metrics-unavailable") !== null`), "sys/metrics is served: the charts must not say it is absent")
		p.screenshot("charts")
	})

	t.Run("a narrow token sees only its team's paths", func(t *testing.T) {
		p.t = t
		p.do("sign out", chromedp.Click(chromedp.ID("logout")))
		p.waitFor("#login-token")
		p.login(teamA)
		require.Contains(t, p.text("#whoami"), "team-a")

		p.goTo("#/secrets?mount=secret/&path=team-a/")
		p.waitFor(`#kv-list a[data-key="team-a/app"]`)
		p.goTo("#/secrets?mount=secret/&path=team-b/")
		p.waitFor("#kv-list .error")
		require.Contains(t, p.text("#kv-list .error"), "permission denied")

		// The ledger views need sudo: refused, not emptied.
		p.goTo("#/timeline")
		p.waitFor("#page-timeline .error")
		require.Contains(t, p.text("#page-timeline .error"), "permission denied")

		// Live events: team-b's write comes first but is never delivered.
		p.goTo("#/live?type=kv-v2/*")
		p.waitFor(`#live-status[data-state="live"]`)
		_, err := kv.Put(ctx, "team-b/db", map[string]any{"password": "again"})
		require.NoError(t, err)
		_, err = kv.Put(ctx, "team-a/after", map[string]any{"k": "v"})
		require.NoError(t, err)
		after := `#live-events tr.event[data-path="secret/data/team-a/after"]`
		p.waitFor(after)
		// A reload keeps what was seen and resumes right after it: the
		// event is shown once, not lost and not repeated.
		p.do("reload", chromedp.Reload())
		p.waitFor(`#live-status[data-state="live"]`)
		p.waitFor(after)
		require.Equal(t, 1, eval[int](p, fmt.Sprintf("document.querySelectorAll(%q).length", after)))
		p.screenshot("narrow-token")
		html := eval[string](p, `document.body.innerText`)
		require.NotContains(t, html, "team-b", "a team-a token was shown team-b's paths")
	})

	t.Run("userpass sign-in", func(t *testing.T) {
		p.t = t
		require.NoError(t, root.Sys().EnableAuthWithOptions("people", &vault.EnableAuthOptions{Type: "userpass"}))
		_, err := root.Logical().Write("auth/people/users/alice", map[string]any{"password": "correct horse", "token_policies": "team-a"})
		require.NoError(t, err)
		p.do("sign out", chromedp.Click(chromedp.ID("logout")))
		p.waitFor("#login-token")
		userpass := func(password string) {
			p.do("sign in as alice",
				chromedp.Click(chromedp.ID("login-method-userpass")),
				chromedp.WaitVisible(chromedp.ID("login-username")),
				chromedp.SendKeys(chromedp.ID("login-username"), "alice"),
				chromedp.SendKeys(chromedp.ID("login-password"), password),
				chromedp.SendKeys(chromedp.ID("login-mount"), "people"),
				chromedp.Click(chromedp.ID("login-submit")),
			)
		}
		userpass("wrong")
		p.waitFor("#login-error")
		require.Contains(t, p.text("#login-error"), "invalid")
		p.do("reload", chromedp.Reload())
		userpass("correct horse")
		p.waitFor("#whoami")
		require.Contains(t, p.text("#whoami"), "alice")
		p.goTo("#/secrets?mount=secret/&path=team-a/")
		p.waitFor(`#kv-list a[data-key="team-a/app"]`)
		require.NotContains(t, eval[string](p, `document.body.innerText`), "correct horse")
	})
}

// login signs in through the form.
func (p *page) login(token string) {
	p.t.Helper()
	p.do("sign in",
		chromedp.WaitVisible(chromedp.ID("login-token")),
		chromedp.SendKeys(chromedp.ID("login-token"), token),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	p.waitFor("#whoami")
}

// waitForCheckpoint polls until the checkpointer has signed a checkpoint.
func waitForCheckpoint(t *testing.T, s *harness.Server) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, 100*time.Millisecond, func() error {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.Addr+"/v1/sys/ledger/prove/1", nil)
		req.Header.Set("X-Vault-Token", s.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET sys/ledger/prove/1: %s (no checkpoint yet)", resp.Status)
		}
		return nil
	})
}

// cursorAfter reports whether ledger cursor a ("<seq>.<pos>") comes after b.
func cursorAfter(a, b string) bool {
	var as, ap, bs, bp int
	parse := func(c string, seq, pos *int) {
		head, tail, _ := strings.Cut(c, ".")
		*seq = atoi(head)
		*pos = atoi(tail)
	}
	parse(a, &as, &ap)
	parse(b, &bs, &bp)
	return as > bs || (as == bs && ap > bp)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
