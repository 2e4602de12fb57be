package eventscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

type stateAtFlags struct {
	conn   connection
	at     string
	format string
}

func (a *app) stateAtCmd() *cobra.Command {
	f := &stateAtFlags{}
	cmd := &cobra.Command{
		Use:   "state-at -at T PATH",
		Short: "Show a KV secret's metadata, a policy, a token or a lease as it was at T (sudo)",
		Long: `Replays the ledger up to T (a ledger index or an RFC 3339 time) into a
scratch projection on the server and reads PATH from it:

  secret/data/app            KV v2 metadata (versions, times, custom metadata)
  sys/policies/acl/NAME      a policy's text
  auth/token/accessors/ACC   a token's state, by accessor
  sys/leases/LEASE_ID        a lease's state

Secret values are never shown. The cost is a read of the ledger up to T.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.at == "" {
				return fmt.Errorf("-at is required (ledger index or RFC 3339 time)")
			}
			if f.format != "table" && f.format != "json" {
				return fmt.Errorf("invalid format %q: use table or json", f.format)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return a.report(cmd, a.stateAt(ctx, f, args[0]))
		},
	}
	f.conn.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&f.at, "at", "", "Ledger index or RFC 3339 time")
	cmd.Flags().StringVar(&f.format, "format", "table", `Output: "table" or "json"`)
	return cmd
}

func (a *app) stateAt(ctx context.Context, f *stateAtFlags, path string) error {
	c, err := f.conn.client()
	if err != nil {
		return err
	}
	req, err := c.newRequest("sys/ledger/state-at", url.Values{"at": {f.at}, "path": {strings.Trim(path, "/")}})
	if err != nil {
		return err
	}
	var data map[string]any
	if err := c.read(req.WithContext(ctx), &data); err != nil {
		return err
	}
	if f.format == "json" {
		b, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(a.stdout, string(b))
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 4, ' ', 0)
	fmt.Fprintln(tw, "Key\tValue")
	fmt.Fprintln(tw, "---\t-----")
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "policy" {
			continue // multi-line: printed after the table
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, render(data[k]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p, ok := data["policy"].(string); ok {
		_, err := fmt.Fprintf(a.stdout, "\npolicy:\n%s\n", strings.TrimRight(p, "\n"))
		return err
	}
	return nil
}

// render prints a value as the Vault CLI's tables do: scalars as is,
// maps and lists as compact JSON.
func render(v any) string {
	switch t := v.(type) {
	case nil:
		return "n/a"
	case string:
		return t
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return fmt.Sprint(v)
}
