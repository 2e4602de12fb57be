package config

import (
	"net"
	"net/url"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

var (
	storageSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "path", Required: true}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "nats"}},
	}
	natsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "urls", Required: true}, {Name: "replicas"}},
	}
	listenerSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "address"},
			{Name: "tls_cert_file"},
			{Name: "tls_key_file"},
			{Name: "tls_disable"},
			{Name: "tls_min_version"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "telemetry"}},
	}
	// kms_key_id is required, but the environment may supply it, so
	// applyEnv checks it.
	awskmsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "region"},
			{Name: "kms_key_id"},
			{Name: "endpoint"},
			{Name: "access_key"},
			{Name: "secret_key"},
			{Name: "session_token"},
		},
	}
	shamirSchema = &hcl.BodySchema{}
)

// unknownLabel reports a block label that names no implementation.
func unknownLabel(b *hcl.Block, known string) *hcl.Diagnostic {
	rng := b.DefRange
	if len(b.LabelRanges) > 0 {
		rng = b.LabelRanges[0]
	}
	return problem(rng, "Unsupported "+b.Type+" type", "%s %q is not supported; use %s.", b.Type, b.Labels[0], known)
}

func decodeStorage(d *decoder, b *hcl.Block) Storage {
	s := Storage{Type: b.Labels[0]}
	if s.Type != "ledger" {
		d.add(unknownLabel(b, `"ledger"`))
		return s
	}
	content, diags := b.Body.Content(storageSchema)
	d.add(diags...)
	if d.str(content.Attributes, "path", &s.Path) && s.Path == "" {
		d.add(problem(rangeOf(content.Attributes, "path", b.DefRange), "Invalid path", "path must not be empty."))
	}
	var seen *hcl.Block
	for _, nb := range content.Blocks {
		if seen != nil {
			d.add(duplicate(nb, seen))
			continue
		}
		seen = nb
		s.NATS = decodeNATS(d, nb)
	}
	return s
}

func decodeNATS(d *decoder, b *hcl.Block) *NATS {
	n := &NATS{Replicas: DefaultNATSReplicas}
	content, diags := b.Body.Content(natsSchema)
	d.add(diags...)
	attrs := content.Attributes
	if d.strings(attrs, "urls", &n.URLs) {
		rng := rangeOf(attrs, "urls", b.DefRange)
		if len(n.URLs) == 0 {
			d.add(problem(rng, "Invalid urls", "urls must name at least one NATS server."))
		}
		for _, s := range n.URLs {
			if u, err := url.Parse(s); err != nil || u.Host == "" {
				d.add(problem(rng, "Invalid urls", "%q is not a NATS URL such as nats://host:4222.", s))
			}
		}
	}
	if d.integer(attrs, "replicas", &n.Replicas) && (n.Replicas < 1 || n.Replicas > 5) {
		d.add(problem(rangeOf(attrs, "replicas", b.DefRange), "Invalid replicas", "replicas must be between 1 and 5 (JetStream's limit)."))
	}
	return n
}

func decodeListener(d *decoder, b *hcl.Block) (Listener, bool) {
	l := Listener{Type: b.Labels[0], Address: DefaultAddress, TLSMinVersion: "tls12"}
	if l.Type != "tcp" {
		d.add(unknownLabel(b, `"tcp"`))
		return l, false
	}
	before := len(d.diags.Errs())
	content, diags := b.Body.Content(listenerSchema)
	d.add(diags...)
	attrs := content.Attributes

	if d.str(attrs, "address", &l.Address) {
		if msg := addressProblem(l.Address); msg != "" {
			d.add(problem(rangeOf(attrs, "address", b.DefRange), "Invalid address", "address %s.", msg))
		}
	}
	d.str(attrs, "tls_cert_file", &l.TLSCertFile)
	d.str(attrs, "tls_key_file", &l.TLSKeyFile)
	d.boolean(attrs, "tls_disable", &l.TLSDisable)
	for i, tb := range content.Blocks {
		if i > 0 {
			d.add(duplicate(tb, content.Blocks[0]))
			continue
		}
		l.Telemetry = decodeListenerTelemetry(d, tb)
	}
	if d.str(attrs, "tls_min_version", &l.TLSMinVersion) && l.TLSMinVersion != "tls12" && l.TLSMinVersion != "tls13" {
		d.add(problem(rangeOf(attrs, "tls_min_version", b.DefRange), "Invalid tls_min_version",
			`tls_min_version must be "tls12" or "tls13"; older versions are not offered.`))
	}
	if !l.TLSDisable {
		// Vault refuses a TLS listener without its files; so do we, rather
		// than fall back to plain HTTP.
		for _, f := range []struct{ name, value string }{{"tls_cert_file", l.TLSCertFile}, {"tls_key_file", l.TLSKeyFile}} {
			if f.value == "" {
				d.add(problem(rangeOf(attrs, f.name, b.Body.MissingItemRange()), "Missing required argument",
					"The argument %q is required unless tls_disable = true.", f.name))
			}
		}
	}
	return l, len(d.diags.Errs()) == before
}

// addressProblem checks host:port with a numeric port.
func addressProblem(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return "must be host:port"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has an invalid port"
	}
	return ""
}

func decodeSeal(d *decoder, b *hcl.Block) Seal {
	s := Seal{Type: b.Labels[0]}
	switch s.Type {
	case SealShamir:
		_, diags := b.Body.Content(shamirSchema)
		d.add(diags...)
	case SealAWSKMS:
		content, diags := b.Body.Content(awskmsSchema)
		d.add(diags...)
		attrs := content.Attributes
		k := &AWSKMS{}
		d.str(attrs, "region", &k.Region)
		d.str(attrs, "kms_key_id", &k.KMSKeyID)
		if d.str(attrs, "endpoint", &k.Endpoint) && k.Endpoint != "" {
			checkURL(d, "endpoint", k.Endpoint, rangeOf(attrs, "endpoint", b.DefRange))
		}
		d.str(attrs, "access_key", &k.AccessKey)
		var secret, token string
		d.str(attrs, "secret_key", &secret)
		d.str(attrs, "session_token", &token)
		k.SecretKey, k.SessionToken = Sensitive(secret), Sensitive(token)
		if (k.AccessKey == "") != (secret == "") {
			d.add(problem(b.DefRange, "Incomplete credentials",
				"access_key and secret_key go together; set both, or neither to use the AWS SDK's credential chain."))
		}
		s.AWSKMS = k
	default:
		d.add(unknownLabel(b, `"shamir" or "awskms"`))
	}
	return s
}
