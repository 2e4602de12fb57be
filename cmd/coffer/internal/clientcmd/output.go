package clientcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/vault/api"
)

// output renders results the way the Vault CLI does, in table or JSON form.
type output struct {
	out, err io.Writer
	format   string
}

func (o *output) isTable() bool { return o.format == "table" }

func (o *output) infof(format string, args ...any) {
	fmt.Fprintf(o.out, format+"\n", args...)
}

func (o *output) json(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.out, "%s\n", b)
	return err
}

// secret prints a full response: its JSON, or Vault's Key/Value table with
// lease and auth information ahead of the data.
func (o *output) secret(s *api.Secret) error {
	if !o.isTable() {
		return o.json(s)
	}
	if s == nil {
		return nil
	}
	o.warnings(s)
	rows := secretRows(s)
	if len(rows) > 0 {
		fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, rows))
	}
	return nil
}

// data prints a bare map (for example a KV v2 data or metadata block).
func (o *output) data(m map[string]any) error {
	if !o.isTable() {
		return o.json(m)
	}
	if rows := mapRows(m); len(rows) > 0 {
		fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, rows))
	}
	return nil
}

// keys prints a LIST result: sorted under a "Keys" header, or as a JSON
// array, which is what scripts consuming `vault list -format=json` expect.
func (o *output) keys(s *api.Secret, keys []string) error {
	if !o.isTable() {
		return o.json(keys)
	}
	o.warnings(s)
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	rows := make([][]string, len(sorted))
	for i, k := range sorted {
		rows[i] = []string{k}
	}
	fmt.Fprint(o.out, formatTable([]string{"Keys"}, rows))
	return nil
}

func (o *output) warnings(s *api.Secret) {
	if s == nil || len(s.Warnings) == 0 {
		return
	}
	fmt.Fprint(o.err, "WARNING! The following warnings were returned from the server:\n\n")
	for _, w := range s.Warnings {
		fmt.Fprintf(o.err, "  * %s\n\n", w)
	}
}

// field prints one value with no decoration so it can be captured by a
// script; only a terminal gets a trailing newline, as with Vault.
func (o *output) field(val any, name string) error {
	if val == nil {
		return fail(1, "Field %q not present in secret", name)
	}
	if !o.isTable() {
		return o.json(val)
	}
	fmt.Fprintf(o.out, "%v", val)
	if f, ok := o.out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(o.out)
		}
	}
	return nil
}

// secretField resolves -field against a response: lease and token fields
// first (they live outside Data), then the data map.
func secretField(s *api.Secret, name string) any {
	if w := s.WrapInfo; w != nil {
		for _, r := range wrapRows(w) {
			if r[0] == name {
				return r[1]
			}
		}
	}
	switch name {
	case "refresh_interval", "lease_duration":
		return s.LeaseDuration
	case "lease_id":
		return s.LeaseID
	case "lease_renewable":
		return s.Renewable
	}
	if a := s.Auth; a != nil {
		switch name {
		case "token":
			return a.ClientToken
		case "token_accessor":
			return a.Accessor
		case "token_duration":
			return a.LeaseDuration
		case "token_renewable":
			return a.Renewable
		case "token_policies":
			return a.TokenPolicies
		case "identity_policies":
			return a.IdentityPolicies
		case "policies":
			return a.Policies
		}
	}
	return s.Data[name]
}

// secretRows lists a response the way Vault's table formatter does.
func secretRows(s *api.Secret) [][]string {
	if s.WrapInfo != nil {
		// A wrapped response shows only its wrapping token, as Vault's.
		return wrapRows(s.WrapInfo)
	}
	var rows [][]string
	add := func(k string, v any) { rows = append(rows, []string{k, fmt.Sprint(v)}) }
	if s.LeaseDuration > 0 {
		if s.LeaseID != "" {
			add("lease_id", s.LeaseID)
			add("lease_duration", humanDuration(s.LeaseDuration))
			add("lease_renewable", s.Renewable)
		} else {
			// Static secrets carry a TTL but no lease; Vault calls that a
			// refresh interval to avoid implying revocation.
			add("refresh_interval", humanDuration(s.LeaseDuration))
		}
	}
	if a := s.Auth; a != nil {
		add("token", a.ClientToken)
		add("token_accessor", a.Accessor)
		if a.LeaseDuration == 0 {
			add("token_duration", "∞")
		} else {
			add("token_duration", humanDuration(a.LeaseDuration))
		}
		add("token_renewable", a.Renewable)
		add("token_policies", fmt.Sprintf("%q", a.TokenPolicies))
		add("identity_policies", fmt.Sprintf("%q", a.IdentityPolicies))
		add("policies", fmt.Sprintf("%q", a.Policies))
		metaKeys := make([]string, 0, len(a.Metadata))
		for k := range a.Metadata {
			metaKeys = append(metaKeys, k)
		}
		sort.Strings(metaKeys)
		for _, k := range metaKeys {
			add("token_meta_"+k, a.Metadata[k])
		}
	}
	return append(rows, mapRows(s.Data)...)
}

// wrapRows lists a wrapped response's token under Vault's names.
func wrapRows(w *api.SecretWrapInfo) [][]string {
	rows := [][]string{
		{"wrapping_token", w.Token},
		{"wrapping_accessor", w.Accessor},
		{"wrapping_token_ttl", fmt.Sprint(humanDuration(w.TTL))},
		{"wrapping_token_creation_time", w.CreationTime.String()},
		{"wrapping_token_creation_path", w.CreationPath},
	}
	if w.WrappedAccessor != "" {
		rows = append(rows, []string{"wrapped_accessor", w.WrappedAccessor})
	}
	return rows
}

func mapRows(m map[string]any) [][]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if looksLikeDuration(k) {
			v = humanDuration(v)
		}
		rows = append(rows, []string{k, fmt.Sprint(v)})
	}
	return rows
}

// formatTable reproduces Vault's columnize output: a header, a dashed
// underline, columns joined by four spaces and empty cells shown as "n/a".
func formatTable(header []string, rows [][]string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 4, ' ', 0)
	under := make([]string, len(header))
	for i, h := range header {
		under[i] = strings.Repeat("-", len(h))
	}
	for _, r := range append([][]string{header, under}, rows...) {
		cells := make([]string, len(r))
		for i, c := range r {
			// Tabs inside a value would be read as column breaks.
			c = strings.TrimSpace(strings.ReplaceAll(c, "\t", " "))
			if c == "" {
				c = "n/a"
			}
			cells[i] = c
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	return b.String()
}

// looksLikeDuration matches the keys Vault renders as durations.
func looksLikeDuration(k string) bool {
	return k == "period" || strings.HasSuffix(k, "_period") ||
		k == "ttl" || strings.HasSuffix(k, "_ttl") ||
		k == "duration" || strings.HasSuffix(k, "_duration") ||
		k == "lease_max" || k == "ttl_max"
}

// humanDuration renders a number of seconds as Vault does ("768h", "1h30m",
// "45s"); values that are not integers pass through unchanged.
func humanDuration(v any) any {
	var secs int64
	switch n := v.(type) {
	case int:
		secs = int64(n)
	case int64:
		secs = n
	case json.Number:
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return v
		}
		secs = i
	default:
		return v
	}
	if secs == 0 {
		return "0s"
	}
	s := (time.Duration(secs) * time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if i := strings.Index(s, "h0m"); i > 0 {
		s = s[:i+1] + s[i+3:]
	}
	return s
}

// headerForMap sizes a "==== Title ====" banner to the table below it.
func headerForMap(title string, m map[string]any) string {
	maxKey := 0
	for k := range m {
		maxKey = max(maxKey, len(k))
	}
	return padEqualSigns(title, maxKey+4+len("Value"))
}

func padEqualSigns(title string, total int) string {
	n := total - (len(title) + 2)
	if n <= 0 {
		n = 4
	}
	if n%2 != 0 {
		n++
	}
	eq := strings.Repeat("=", n/2)
	return eq + " " + title + " " + eq
}

// pathBanner prints the "== Secret Path ==" block kv commands lead with.
func (o *output) pathBanner(title, path string) {
	o.infof("%s\n%s\n", padEqualSigns(title, len(path)), path)
}
