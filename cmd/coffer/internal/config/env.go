package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// fromEnv returns the first non-empty variable among names and its name;
// callers list the COFFER_ name first so that it wins.
func fromEnv(env func(string) string, names ...string) (name, value string) {
	for _, n := range names {
		if v := env(n); v != "" {
			return n, v
		}
	}
	return "", ""
}

// applyEnv applies the environment overrides listed in the package doc,
// then checks what the file and environment together must provide.
func applyEnv(d *decoder, cfg *Config, sealBlock *hcl.Block, env func(string) string) {
	if name, v := fromEnv(env, "COFFER_API_ADDR", "VAULT_API_ADDR"); name != "" {
		if msg := urlProblem(v); msg != "" {
			d.add(envProblem(name, "%s %s.", name, msg))
		}
		cfg.APIAddr = v
	}
	if name, v := fromEnv(env, "COFFER_CLUSTER_ADDR", "VAULT_CLUSTER_ADDR"); name != "" {
		if msg := urlProblem(v); msg != "" {
			d.add(envProblem(name, "%s %s.", name, msg))
		}
		cfg.ClusterAddr = v
	}
	if name, v := fromEnv(env, "COFFER_LOG_LEVEL", "VAULT_LOG_LEVEL"); name != "" {
		if canon, ok := logLevels[strings.ToLower(v)]; ok {
			cfg.LogLevel = canon
		} else {
			d.add(envProblem(name, "%q is not a log level; use trace, debug, info, warn or error.", v))
		}
	}

	if name, typ := fromEnv(env, "COFFER_SEAL_TYPE", "VAULT_SEAL_TYPE"); name != "" && typ != cfg.Seal.Type {
		switch typ {
		case SealShamir:
			cfg.Seal = Seal{Type: SealShamir}
		case SealAWSKMS:
			cfg.Seal = Seal{Type: SealAWSKMS, AWSKMS: &AWSKMS{}}
		default:
			d.add(envProblem(name, "seal type %q is not supported; use \"shamir\" or \"awskms\".", typ))
			return
		}
		if sealBlock != nil {
			r := sealBlock.DefRange
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d:%d: seal %q is replaced by %s=%s; its settings are not used",
				r.Filename, r.Start.Line, r.Start.Column, sealBlock.Labels[0], name, typ))
			sealBlock = nil
		}
	}

	k := cfg.Seal.AWSKMS
	if cfg.Seal.Type != SealAWSKMS || k == nil {
		return
	}
	if _, v := fromEnv(env, "COFFER_AWSKMS_SEAL_KEY_ID", "VAULT_AWSKMS_SEAL_KEY_ID"); v != "" {
		k.KMSKeyID = v
	}
	if _, v := fromEnv(env, "AWS_REGION", "AWS_DEFAULT_REGION"); v != "" {
		k.Region = v
	}
	if name, v := fromEnv(env, "AWS_KMS_ENDPOINT"); name != "" {
		if msg := urlProblem(v); msg != "" {
			d.add(envProblem(name, "%s %s.", name, msg))
		}
		k.Endpoint = v
	}
	if k.KMSKeyID == "" {
		const detail = "The awskms seal needs kms_key_id (or COFFER_AWSKMS_SEAL_KEY_ID / VAULT_AWSKMS_SEAL_KEY_ID)."
		if sealBlock != nil {
			d.add(problem(sealBlock.Body.MissingItemRange(), "Missing required argument", detail))
		} else {
			d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing awskms key id", Detail: detail})
		}
	}
}
