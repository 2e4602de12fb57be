package clientcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// statusOutput is what `status -format=json` prints: the seal status plus
// the HA flag, matching the shape of Vault's output.
type statusOutput struct {
	api.SealStatusResponse
	HAEnabled bool `json:"ha_enabled"`
}

func (a *app) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Print seal and HA status",
		Long: "Prints the server's seal status. The exit code is 0 when unsealed, " +
			"1 on error and 2 when sealed, as with `vault status`.",
		Args: nArgs(0, 0),
		RunE: a.run(runStatus),
	}
}

func runStatus(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
	seal, err := c.Sys().SealStatusWithContext(ctx)
	if err != nil {
		// Vault reports an unreachable server as 1, keeping 2 for "sealed".
		return fail(1, "Error checking seal status: %s", err)
	}
	st := statusOutput{SealStatusResponse: *seal}
	// Health fills in what an older seal-status payload may omit; it is
	// advisory, so failures are ignored.
	if h, err := c.Sys().HealthWithContext(ctx); err == nil {
		st.Version = firstNonEmpty(st.Version, h.Version)
		st.ClusterName = firstNonEmpty(st.ClusterName, h.ClusterName)
		st.ClusterID = firstNonEmpty(st.ClusterID, h.ClusterID)
	}
	if st.StorageType == "" {
		st.StorageType = "ledger" // Coffer's only storage backend.
	}
	// sys/leader answers "sealed" errors while sealed; HA then reads false.
	if l, err := c.Sys().LeaderWithContext(ctx); err == nil {
		st.HAEnabled = l.HAEnabled
	}

	if o.isTable() {
		fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, statusRows(st)))
	} else if err := o.json(st); err != nil {
		return err
	}
	if st.Sealed {
		return &ExitError{Code: 2}
	}
	return nil
}

func statusRows(st statusOutput) [][]string {
	prefix := ""
	if st.RecoverySeal {
		prefix = "Recovery "
	}
	rows := [][]string{
		{prefix + "Seal Type", st.Type},
		{"Initialized", fmt.Sprint(st.Initialized)},
		{"Sealed", fmt.Sprint(st.Sealed)},
		{"Total " + prefix + "Shares", fmt.Sprint(st.N)},
		{"Threshold", fmt.Sprint(st.T)},
	}
	if st.Sealed {
		rows = append(rows,
			[]string{"Unseal Progress", fmt.Sprintf("%d/%d", st.Progress, st.T)},
			[]string{"Unseal Nonce", st.Nonce})
	}
	rows = append(rows,
		[]string{"Version", st.Version},
		[]string{"Build Date", st.BuildDate},
		[]string{"Storage Type", st.StorageType})
	if st.ClusterName != "" && st.ClusterID != "" {
		rows = append(rows,
			[]string{"Cluster Name", st.ClusterName},
			[]string{"Cluster ID", st.ClusterID})
	}
	rows = append(rows, []string{"HA Enabled", fmt.Sprint(st.HAEnabled)})
	if len(st.Warnings) > 0 {
		rows = append(rows, []string{"Warnings", strings.Join(st.Warnings, "; ")})
	}
	return rows
}
