package clientcmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// membersCmd: `operator members`, a view of sys/ha-status: every node,
// its API address, the ledger index its projections applied and its lag
// behind the stream, the stream's leader, and who runs each singleton.
func (a *app) membersCmd() *cobra.Command {
	return &cobra.Command{
		Use: "members", Short: "List the cluster's nodes: applied index, lag, stream leader and singletons", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			s, err := c.Logical().ReadWithContext(ctx, "sys/ha-status")
			if err != nil {
				return fail(2, "Error reading the cluster's members: %s", err)
			}
			if s == nil {
				return fail(2, "No cluster status found")
			}
			view := membersView(s.Data)
			if !o.isTable() {
				return o.json(view)
			}
			fmt.Fprint(o.out, membersTable(view))
			return nil
		}),
	}
}

// membersView is the command's JSON: ha-status's facts an operator asks
// for, without Vault's compatibility fields.
func membersView(d map[string]any) map[string]any {
	sing, _ := d["singletons"].(map[string]any)
	var services []string
	if svc, ok := sing["services"].(map[string]any); ok {
		for name := range svc {
			services = append(services, name)
		}
	}
	sort.Strings(services)
	members, _ := d["members"].([]any)
	if members == nil {
		members = []any{}
	}
	return map[string]any{
		"members": members, "stream_leader": d["stream_leader"], "last_index": d["last_index"],
		"quorum": d["quorum"], "singleton_holder": sing["holder"], "fencing_token": sing["fencing_token"],
		"singletons": services,
	}
}

// membersTable renders the view as Vault's CLI renders lists: one row a
// node, then the cluster-wide facts.
func membersTable(v map[string]any) string {
	holder := fmt.Sprint(v["singleton_holder"])
	var rows [][]string
	for _, m := range v["members"].([]any) {
		mb, _ := m.(map[string]any)
		id := fmt.Sprint(mb["node_id"])
		state := "unreachable"
		if mb["reachable"] == true {
			state = "serving"
		}
		roles := []string{}
		if mb["stream_leader"] == true {
			roles = append(roles, "stream leader")
		}
		if mb["leading"] == true || (holder != "" && strings.HasPrefix(holder, id+"/")) {
			roles = append(roles, "singletons")
		}
		rows = append(rows, []string{id, cell(mb["api_address"]), state, cell(mb["applied_index"]), cell(mb["lag"]), strings.Join(roles, ", ")})
	}
	var b strings.Builder
	b.WriteString(formatTable([]string{"Node", "Address", "State", "Applied Index", "Lag", "Roles"}, rows))
	b.WriteString("\n")
	b.WriteString(formatTable([]string{"Key", "Value"}, [][]string{
		{"stream_leader", cell(v["stream_leader"])},
		{"last_index", cell(v["last_index"])},
		{"quorum", cell(v["quorum"])},
		{"singleton_holder", cell(v["singleton_holder"])},
		{"fencing_token", cell(v["fencing_token"])},
		{"singletons", strings.Join(v["singletons"].([]string), ", ")},
	}))
	return b.String()
}

// cell prints a value, or nothing (shown "n/a") for a missing one.
func cell(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
