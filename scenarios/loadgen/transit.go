package main

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"strings"

	vault "github.com/hashicorp/vault/api"
)

// Transit scenarios (issue 5): encrypt and decrypt of value-size bytes, a
// batch of 100 encryptions per request, and ed25519 signatures. Every
// worker's setup mounts transit and creates the keys; whichever worker is
// first does it, the others' "already in use" answers are expected.
const transitMount = "transit"

func init() {
	maps.Copy(scenarios, map[string]scenario{
		"transit-encrypt": {setup: transitSetup, op: func(ctx context.Context, w *worker) error {
			_, err := transitEncrypt(ctx, w)
			return err
		}},
		"transit-decrypt": {setup: transitSetup, op: func(ctx context.Context, w *worker) error {
			ct, ok := w.state.(string)
			if !ok {
				return errors.New("no ciphertext prepared")
			}
			s, err := w.client.Logical().WriteWithContext(ctx, transitMount+"/decrypt/loadgen-aes", map[string]any{"ciphertext": ct})
			if err != nil {
				return err
			}
			if s == nil || s.Data["plaintext"] == nil {
				return errors.New("decrypt returned no plaintext")
			}
			return nil
		}},
		"transit-encrypt-batch100": {setup: transitSetup, op: func(ctx context.Context, w *worker) error {
			items := make([]any, 100)
			for i := range items {
				items[i] = map[string]any{"plaintext": base64.StdEncoding.EncodeToString([]byte(w.value()))}
			}
			s, err := w.client.Logical().WriteWithContext(ctx, transitMount+"/encrypt/loadgen-aes", map[string]any{"batch_input": items})
			if err != nil {
				return err
			}
			if res, _ := s.Data["batch_results"].([]any); len(res) != 100 {
				return errors.New("batch returned the wrong number of results")
			}
			return nil
		}},
		"transit-sign-ed25519": {setup: transitSetup, op: func(ctx context.Context, w *worker) error {
			s, err := w.client.Logical().WriteWithContext(ctx, transitMount+"/sign/loadgen-ed25519", map[string]any{
				"input": base64.StdEncoding.EncodeToString([]byte(w.value())),
			})
			if err != nil {
				return err
			}
			if sig, _ := s.Data["signature"].(string); !strings.HasPrefix(sig, "vault:v1:") {
				return errors.New("sign returned no signature")
			}
			return nil
		}},
	})
}

func transitSetup(ctx context.Context, w *worker, fail func(error)) {
	err := w.client.Sys().MountWithContext(ctx, transitMount, &vault.MountInput{Type: "transit"})
	if err != nil && !strings.Contains(err.Error(), "already in use") {
		fail(err)
		return
	}
	for name, typ := range map[string]string{"loadgen-aes": "aes256-gcm96", "loadgen-ed25519": "ed25519"} {
		if _, err := w.client.Logical().WriteWithContext(ctx, transitMount+"/keys/"+name, map[string]any{"type": typ}); err != nil {
			fail(err)
			return
		}
	}
	ct, err := transitEncrypt(ctx, w)
	if err != nil {
		fail(err)
		return
	}
	w.state = ct
}

func transitEncrypt(ctx context.Context, w *worker) (string, error) {
	s, err := w.client.Logical().WriteWithContext(ctx, transitMount+"/encrypt/loadgen-aes", map[string]any{
		"plaintext": base64.StdEncoding.EncodeToString([]byte(w.value())),
	})
	if err != nil {
		return "", err
	}
	ct, _ := s.Data["ciphertext"].(string)
	if !strings.HasPrefix(ct, "vault:v") {
		return "", errors.New("encrypt returned no ciphertext")
	}
	return ct, nil
}
