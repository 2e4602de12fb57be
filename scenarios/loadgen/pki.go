package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	vault "github.com/hashicorp/vault/api"
)

// PKI scenario (issue 12): issue EC P-256 leaf certificates with a 1 h
// TTL from a root CA, the certificate (not the key) stored, one event per
// issuance. The CA and the role are made once per server (the first
// worker of a target does it; the others wait for it).
const pkiMount = "pki-loadgen"

var pkiSetups sync.Map // server address -> *pkiSetup

type pkiSetup struct {
	once sync.Once
	err  error
}

func init() {
	maps.Copy(scenarios, map[string]scenario{
		"pki-issue": {setup: pkiSetupOnce, op: func(ctx context.Context, w *worker) error {
			w.seq++
			s, err := w.client.Logical().WriteWithContext(ctx, pkiMount+"/issue/loadgen", map[string]any{
				"common_name": fmt.Sprintf("w%d-%d.loadgen.example.com", w.id, w.seq), "ttl": "1h",
			})
			if err != nil {
				return err
			}
			if c, _ := s.Data["certificate"].(string); !strings.HasPrefix(c, "-----BEGIN CERTIFICATE-----") {
				return errors.New("issue returned no certificate")
			}
			return nil
		}},
	})
}

func pkiSetupOnce(ctx context.Context, w *worker, fail func(error)) {
	v, _ := pkiSetups.LoadOrStore(w.client.Address(), &pkiSetup{})
	st := v.(*pkiSetup)
	st.once.Do(func() { st.err = pkiCA(ctx, w.client) })
	if st.err != nil {
		fail(st.err)
	}
}

func pkiCA(ctx context.Context, c *vault.Client) error {
	err := c.Sys().MountWithContext(ctx, pkiMount, &vault.MountInput{Type: "pki", Config: vault.MountConfigInput{MaxLeaseTTL: "87600h"}})
	if err != nil && !strings.Contains(err.Error(), "already in use") {
		return err
	}
	if _, err := c.Logical().WriteWithContext(ctx, pkiMount+"/root/generate/internal", map[string]any{
		"common_name": "Loadgen Root CA", "ttl": "87600h", "key_type": "ec", "key_bits": 256,
	}); err != nil {
		return err
	}
	_, err = c.Logical().WriteWithContext(ctx, pkiMount+"/roles/loadgen", map[string]any{
		"allowed_domains": "loadgen.example.com", "allow_subdomains": true, "max_ttl": "2h",
		"key_type": "ec", "key_bits": 256,
	})
	return err
}
