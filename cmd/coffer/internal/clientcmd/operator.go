package clientcmd

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// operator: init, unseal, seal, rotate, rekey, key-status — the Vault
// CLI's `operator` commands, over the same sys endpoints.
func (a *app) operatorCmd() *cobra.Command {
	op := &cobra.Command{Use: "operator", Short: "Initialise, unseal, seal, rotate and rekey the server"}
	var shares, threshold, recShares, recThreshold int
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Initialise a new server and print its unseal (or recovery) keys and root token",
		Args:  nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			resp, err := c.Sys().InitWithContext(ctx, &api.InitRequest{
				SecretShares: shares, SecretThreshold: threshold,
				RecoveryShares: recShares, RecoveryThreshold: recThreshold,
			})
			if err != nil {
				return fail(2, "Error initializing: %s", err)
			}
			if !o.isTable() {
				return o.json(resp)
			}
			for i, k := range resp.KeysB64 {
				fmt.Fprintf(o.out, "Unseal Key %d: %s\n", i+1, k)
			}
			for i, k := range resp.RecoveryKeysB64 {
				fmt.Fprintf(o.out, "Recovery Key %d: %s\n", i+1, k)
			}
			fmt.Fprintf(o.out, "\nInitial Root Token: %s\n\n", resp.RootToken)
			if len(resp.KeysB64) > 0 {
				fmt.Fprintf(o.out, "Coffer initialized with %d key shares and a key threshold of %d. Please\n", shares, threshold)
				fmt.Fprintf(o.out, "securely distribute the key shares printed above. When the server is\n")
				fmt.Fprintf(o.out, "re-sealed or restarted, it must be unsealed with at least %d of them.\n", threshold)
			} else {
				fmt.Fprintf(o.out, "Coffer initialized with %d recovery key shares and a key threshold of %d;\n", recShares, recThreshold)
				fmt.Fprintf(o.out, "it unseals itself with AWS KMS.\n")
			}
			return nil
		}),
	}
	initCmd.Flags().IntVar(&shares, "key-shares", 5, "number of unseal key shares")
	initCmd.Flags().IntVar(&threshold, "key-threshold", 3, "shares needed to unseal")
	initCmd.Flags().IntVar(&recShares, "recovery-shares", 5, "number of recovery key shares (awskms seal)")
	initCmd.Flags().IntVar(&recThreshold, "recovery-threshold", 3, "recovery shares needed (awskms seal)")

	var reset bool
	unseal := &cobra.Command{
		Use:   "unseal [KEY]",
		Short: "Submit one unseal key share (reads it from stdin when omitted)",
		Args:  nArgs(0, 1),
		RunE: a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
			var (
				st  *api.SealStatusResponse
				err error
			)
			if reset {
				st, err = c.Sys().ResetUnsealProcessWithContext(ctx)
			} else {
				key := ""
				if len(args) == 1 {
					key = args[0]
				} else if _, err := fmt.Fscanln(cmd.InOrStdin(), &key); err != nil {
					return fail(1, "Unseal Key (will be read from stdin): %s", err)
				}
				st, err = c.Sys().UnsealWithContext(ctx, key)
			}
			if err != nil {
				return fail(2, "Error unsealing: %s", err)
			}
			return printSeal(o, st)
		}),
	}
	unseal.Flags().BoolVar(&reset, "reset", false, "discard the shares submitted so far")

	seal := &cobra.Command{
		Use: "seal", Short: "Seal the server (sudo)", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			if err := c.Sys().SealWithContext(ctx); err != nil {
				return fail(2, "Error sealing: %s", err)
			}
			o.infof("Success! Coffer is sealed.")
			return nil
		}),
	}
	rotate := &cobra.Command{
		Use: "rotate", Short: "Add a keyring term: new data uses it, old data still decrypts", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			if err := c.Sys().RotateWithContext(ctx); err != nil {
				return fail(2, "Error rotating key: %s", err)
			}
			ks, err := c.Sys().KeyStatusWithContext(ctx)
			if err != nil {
				return fail(2, "Error reading key status: %s", err)
			}
			o.infof("Success! Rotated key\n\nKey Term        %d\nInstall Time    %s", ks.Term, ks.InstallTime)
			return nil
		}),
	}
	keyStatus := &cobra.Command{
		Use: "key-status", Short: "Print the active keyring term", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			ks, err := c.Sys().KeyStatusWithContext(ctx)
			if err != nil {
				return fail(2, "Error reading key status: %s", err)
			}
			if !o.isTable() {
				return o.json(ks)
			}
			fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, [][]string{
				{"Key Term", strconv.Itoa(ks.Term)}, {"Install Time", ks.InstallTime.String()},
			}))
			return nil
		}),
	}
	op.AddCommand(initCmd, unseal, seal, rotate, keyStatus, a.rekeyCmd(), a.raftCmd(), a.membersCmd(), a.ledgerSnapshotCmd())
	return op
}

func printSeal(o *output, st *api.SealStatusResponse) error {
	if !o.isTable() {
		return o.json(st)
	}
	fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, [][]string{
		{"Seal Type", st.Type}, {"Initialized", strconv.FormatBool(st.Initialized)},
		{"Sealed", strconv.FormatBool(st.Sealed)}, {"Total Shares", strconv.Itoa(st.N)},
		{"Threshold", strconv.Itoa(st.T)}, {"Unseal Progress", fmt.Sprintf("%d/%d", st.Progress, st.T)},
		{"Unseal Nonce", st.Nonce}, {"Version", st.Version}, {"Storage Type", "ledger"},
	}))
	return nil
}

// rekeyCmd is `operator rekey`: -init starts an attempt with the new
// layout, then each call without -init submits one old share.
func (a *app) rekeyCmd() *cobra.Command {
	var (
		init, cancel      bool
		shares, threshold int
		nonce             string
	)
	cmd := &cobra.Command{
		Use:   "rekey [KEY]",
		Short: "Replace the unseal key shares (-init, then one old share per call)",
		Args:  nArgs(0, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			switch {
			case cancel:
				if err := c.Sys().RekeyCancelWithContext(ctx); err != nil {
					return fail(2, "Error canceling rekey: %s", err)
				}
				o.infof("Success! Canceled rekeying (if it was started)")
				return nil
			case init:
				st, err := c.Sys().RekeyInitWithContext(ctx, &api.RekeyInitRequest{SecretShares: shares, SecretThreshold: threshold})
				if err != nil {
					return fail(2, "Error initializing rekey: %s", err)
				}
				if !o.isTable() {
					return o.json(st)
				}
				fmt.Fprint(o.out, formatTable([]string{"Key", "Value"}, [][]string{
					{"Nonce", st.Nonce}, {"Started", strconv.FormatBool(st.Started)},
					{"Rekey Progress", fmt.Sprintf("%d/%d", st.Progress, st.Required)},
					{"New Shares", strconv.Itoa(st.N)}, {"New Threshold", strconv.Itoa(st.T)},
				}))
				return nil
			}
			if len(args) != 1 || nonce == "" {
				return fail(1, "rekey needs -nonce and one old unseal key (start with -init)")
			}
			resp, err := c.Sys().RekeyUpdateWithContext(ctx, args[0], nonce)
			if err != nil {
				return fail(2, "Error posting unseal key: %s", err)
			}
			if !o.isTable() {
				return o.json(resp)
			}
			if !resp.Complete {
				st, err := c.Sys().RekeyStatusWithContext(ctx)
				if err == nil {
					o.infof("Rekey Progress %d/%d", st.Progress, st.Required)
				}
				return nil
			}
			for i, k := range resp.KeysB64 {
				fmt.Fprintf(o.out, "Key %d: %s\n", i+1, k)
			}
			fmt.Fprintf(o.out, "\nOperation nonce: %s\n\nCoffer rekeyed with %d key shares and a key threshold of %d.\n", resp.Nonce, len(resp.KeysB64), threshold)
			return nil
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&init, "init", false, "start a rekey")
	f.BoolVar(&cancel, "cancel", false, "cancel the rekey in progress")
	f.IntVar(&shares, "key-shares", 5, "number of new key shares")
	f.IntVar(&threshold, "key-threshold", 3, "new threshold")
	f.StringVar(&nonce, "nonce", "", "nonce of the rekey in progress")
	return cmd
}
