package clientcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
)

// raftCmd: `operator raft list-peers|remove-peer|snapshot save|autopilot
// state`, as Vault's CLI, over sys/storage/raft/. The "raft" is the ledger
// stream's replication (JetStream's Raft); a snapshot is a sealed snapshot
// of the read models and its ledger position.
func (a *app) raftCmd() *cobra.Command {
	raft := &cobra.Command{Use: "raft", Short: "List and remove the ledger's peers, save projection snapshots"}
	listPeers := &cobra.Command{
		Use: "list-peers", Short: "List the ledger stream's replicas (the cluster's voters)", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			s, err := c.Logical().ReadWithContext(ctx, "sys/storage/raft/configuration")
			if err != nil {
				return fail(2, "Error reading the raft cluster configuration: %s", err)
			}
			if s == nil {
				return fail(2, "No raft cluster configuration found")
			}
			if !o.isTable() {
				return o.secret(s)
			}
			cfg, _ := s.Data["config"].(map[string]any)
			servers, _ := cfg["servers"].([]any)
			var rows [][]string
			for _, v := range servers {
				sv, _ := v.(map[string]any)
				state := "follower"
				if sv["leader"] == true {
					state = "leader"
				}
				rows = append(rows, []string{fmt.Sprint(sv["node_id"]), fmt.Sprint(sv["address"]), state, fmt.Sprint(sv["voter"])})
			}
			fmt.Fprint(o.out, formatTable([]string{"Node", "Address", "State", "Voter"}, rows))
			return nil
		}),
	}
	removePeer := &cobra.Command{
		Use: "remove-peer SERVER_ID", Short: "Drop a server from the replicas of the ledger and Coffer's other streams", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			if _, err := c.Logical().WriteWithContext(ctx, "sys/storage/raft/remove-peer", map[string]any{"server_id": args[0]}); err != nil {
				return fail(2, "Error removing the peer from raft cluster: %s", err)
			}
			o.infof("Peer removed successfully!")
			return nil
		}),
	}
	autopilot := &cobra.Command{Use: "autopilot", Short: "Autopilot's view of the ledger stream's replicas"}
	autopilot.AddCommand(&cobra.Command{
		Use: "state", Short: "Health, lag and failure tolerance of each replica", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			st, err := c.Sys().RaftAutopilotStateWithContext(ctx)
			if err != nil {
				return fail(2, "Error checking autopilot state: %s", err)
			}
			if st == nil {
				return fail(2, "No autopilot state found")
			}
			if !o.isTable() {
				return o.json(st)
			}
			fmt.Fprint(o.out, st.String())
			return nil
		}),
	})
	snapshot := &cobra.Command{Use: "snapshot", Short: "Save a sealed snapshot of the read models and its ledger position"}
	var fresh bool
	save := &cobra.Command{
		Use: "save FILE", Short: "Save the newest projections snapshot to FILE (sealed: the cluster's keys open it)", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			return saveSnapshot(ctx, c, args[0], fresh, o.err)
		}),
	}
	save.Flags().BoolVar(&fresh, "fresh", false, "take a snapshot now instead of saving the newest stored one")
	snapshot.AddCommand(save, &cobra.Command{
		Use: "restore FILE", Short: "Refused: the ledger is never rewound (the server says what to do instead)", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fail(1, "Error opening snapshot file: %s", err)
			}
			defer f.Close()
			if err := c.Sys().RaftSnapshotRestoreWithContext(ctx, f, false); err != nil {
				return fail(2, "Error installing the snapshot: %s", err)
			}
			return nil
		}),
	})
	raft.AddCommand(listPeers, removePeer, autopilot, snapshot)
	return raft
}

// saveSnapshot writes the snapshot to a temporary file renamed into place
// (writeFileWhole), showing the bytes received on stderr when it is a
// terminal.
func saveSnapshot(ctx context.Context, c *api.Client, path string, fresh bool, stderr io.Writer) error {
	if fresh {
		c = c.WithRequestCallbacks(func(r *api.Request) { r.Params.Set("fresh", "true") })
	}
	return writeFileWhole(path, func(w io.Writer) error {
		bar := progress.New(stderr, "saving snapshot", progress.Options{Unit: "bytes", Tick: 200 * time.Millisecond})
		err := c.Sys().RaftSnapshotWithContext(ctx, &countingWriter{w: w, bar: bar})
		bar.Finish()
		if err != nil {
			return fail(2, "Error taking the snapshot: %s", err)
		}
		return nil
	})
}

// countingWriter reports what passes through it to a progress bar.
type countingWriter struct {
	w   io.Writer
	bar *progress.Bar
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.bar.Add(int64(n))
	return n, err
}
