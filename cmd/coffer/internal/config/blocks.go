package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var (
	storageSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "path", Required: true}, {Name: "node_id"}, {Name: "cluster_secret_file"},
			{Name: "snapshot_threshold"}, {Name: "snapshot_interval"}, {Name: "snapshot_keep"},
			{Name: "audit_retention"}, {Name: "audit_archive_path"},
			{Name: "audit_archive_s3_endpoint"}, {Name: "audit_archive_s3_region"},
			{Name: "audit_archive_s3_force_path_style"}, {Name: "audit_archive_s3_access_key"},
			{Name: "audit_archive_s3_secret_key"}, {Name: "audit_archive_s3_session_token"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "nats"}, {Type: "retry_join"}},
	}
	retryJoinSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "leader_api_addr", Required: true}, {Name: "leader_cluster_addr"},
			{Name: "leader_ca_cert_file"}, {Name: "leader_client_cert_file"}, {Name: "leader_client_key_file"},
		},
	}
	natsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "urls", Required: true}, {Name: "replicas"}, {Name: "stream"},
			{Name: "creds_file"}, {Name: "user"}, {Name: "password"}, {Name: "nkey_seed_file"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "tls"}},
	}
	natsTLSSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "ca_file"}, {Name: "cert_file"}, {Name: "key_file"}},
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
	switch s.Type {
	case "ledger":
	case "raft":
		// The tutorial's Integrated Storage block: the ledger stream's
		// replication is NATS's Raft, so the block means the same.
		s.Type, s.RaftSynonym = "ledger", true
	default:
		d.add(unknownLabel(b, `"ledger" (or "raft", its synonym)`))
		return s
	}
	content, diags := b.Body.Content(storageSchema)
	d.add(diags...)
	if d.str(content.Attributes, "path", &s.Path) && s.Path == "" {
		d.add(problem(rangeOf(content.Attributes, "path", b.DefRange), "Invalid path", "path must not be empty."))
	}
	d.str(content.Attributes, "node_id", &s.NodeID)
	decodeSnapshots(d, content.Attributes, &s)
	decodeAuditRetention(d, content.Attributes, &s)
	var seen *hcl.Block
	for _, nb := range content.Blocks {
		if nb.Type == "retry_join" {
			s.RetryJoin = append(s.RetryJoin, decodeRetryJoin(d, nb))
			continue
		}
		if seen != nil {
			d.add(duplicate(nb, seen))
			continue
		}
		seen = nb
		s.NATS = decodeNATS(d, nb)
	}
	if len(s.RetryJoin) > 0 && s.NATS != nil {
		d.add(problem(b.DefRange, "Conflicting storage blocks",
			"retry_join joins the embedded NATS servers of other nodes; with a nats block the nodes share an external cluster instead. Use one or the other."))
	}
	if len(s.RetryJoin) > 0 && s.NodeID == "" {
		d.add(problem(b.DefRange, "Missing node_id", "A node that joins a cluster (retry_join) needs a node_id unique in the cluster."))
	}
	decodeClusterSecret(d, content.Attributes, b, &s)
	return s
}

func decodeRetryJoin(d *decoder, b *hcl.Block) RetryJoin {
	var r RetryJoin
	content, diags := b.Body.Content(retryJoinSchema)
	d.add(diags...)
	attrs := content.Attributes
	if d.str(attrs, "leader_api_addr", &r.LeaderAPIAddr) {
		checkURL(d, "leader_api_addr", r.LeaderAPIAddr, rangeOf(attrs, "leader_api_addr", b.DefRange))
	}
	if d.str(attrs, "leader_cluster_addr", &r.LeaderClusterAddr) {
		checkURL(d, "leader_cluster_addr", r.LeaderClusterAddr, rangeOf(attrs, "leader_cluster_addr", b.DefRange))
	}
	d.str(attrs, "leader_ca_cert_file", &r.LeaderCACertFile)
	d.str(attrs, "leader_client_cert_file", &r.LeaderClientCertFile)
	d.str(attrs, "leader_client_key_file", &r.LeaderClientKeyFile)
	if (r.LeaderClientCertFile == "") != (r.LeaderClientKeyFile == "") {
		d.add(problem(b.DefRange, "Incomplete client certificate",
			"leader_client_cert_file and leader_client_key_file go together: give both or neither."))
	}
	return r
}

func decodeNATS(d *decoder, b *hcl.Block) *NATS {
	n := &NATS{Replicas: DefaultNATSReplicas, Stream: DefaultStream}
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
	if d.str(attrs, "stream", &n.Stream) && n.Stream != DefaultStream {
		d.add(problem(rangeOf(attrs, "stream", b.DefRange), "Unsupported stream",
			"stream must be %q: the ledger's subjects (coffer.ledger.>) and its sibling streams are fixed, so one NATS account holds one Coffer ledger.", DefaultStream))
	}
	d.str(attrs, "creds_file", &n.CredsFile)
	d.str(attrs, "user", &n.User)
	var password string
	d.str(attrs, "password", &password)
	n.Password = Sensitive(password)
	d.str(attrs, "nkey_seed_file", &n.NkeySeedFile)
	methods := 0
	for _, set := range []bool{n.CredsFile != "", n.User != "" || password != "", n.NkeySeedFile != ""} {
		if set {
			methods++
		}
	}
	if methods > 1 {
		d.add(problem(b.DefRange, "Conflicting credentials", "Use one of creds_file, user/password or nkey_seed_file."))
	}
	if (n.User == "") != (password == "") {
		d.add(problem(b.DefRange, "Incomplete credentials", "user and password go together."))
	}
	var tlsSeen *hcl.Block
	for _, tb := range content.Blocks {
		if tlsSeen != nil {
			d.add(duplicate(tb, tlsSeen))
			continue
		}
		tlsSeen = tb
		n.TLS = decodeNATSTLS(d, tb)
	}
	return n
}

func decodeNATSTLS(d *decoder, b *hcl.Block) *NATSTLS {
	t := &NATSTLS{}
	content, diags := b.Body.Content(natsTLSSchema)
	d.add(diags...)
	attrs := content.Attributes
	d.str(attrs, "ca_file", &t.CAFile)
	d.str(attrs, "cert_file", &t.CertFile)
	d.str(attrs, "key_file", &t.KeyFile)
	if (t.CertFile == "") != (t.KeyFile == "") {
		d.add(problem(b.DefRange, "Incomplete client certificate", "cert_file and key_file go together."))
	}
	return t
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

// decodeSnapshots reads Vault's raft snapshot attributes as the projection
// snapshot policy: snapshot_threshold events (not ledger messages, which
// pack tens of events) or snapshot_interval since the last snapshot, keeping snapshot_keep of them.
func decodeSnapshots(d *decoder, attrs hcl.Attributes, s *Storage) {
	atLeastOne := func(name string, dst *int) {
		if d.integer(attrs, name, dst) && *dst < 1 {
			d.add(problem(rangeOf(attrs, name, hcl.Range{}), "Invalid "+name, "%s must be at least 1.", name))
		}
	}
	atLeastOne("snapshot_threshold", &s.SnapshotThreshold)
	atLeastOne("snapshot_keep", &s.SnapshotKeep)
	if d.duration(attrs, "snapshot_interval", &s.SnapshotInterval) && s.SnapshotInterval <= 0 {
		d.add(problem(rangeOf(attrs, "snapshot_interval", hcl.Range{}), "Invalid snapshot_interval", "snapshot_interval must be positive."))
	}
}

// decodeAuditRetention reads how long audit records stay in the ledger
// (a duration, or whole days as "90d" the way operators say it) and
// where their archive goes.
func decodeAuditRetention(d *decoder, attrs hcl.Attributes, s *Storage) {
	const name = "audit_retention"
	invalid := func(r hcl.Range) {
		d.add(problem(r, "Invalid "+name, "%s must be a positive duration such as \"90d\" or \"2160h\"; leave it out to keep audit records forever.", name))
	}
	a, v, _, ok := d.attribute(attrs, name)
	days, isDays := "", false
	if ok && v.Type() == cty.String {
		days, isDays = strings.CutSuffix(v.AsString(), "d")
	}
	switch {
	case isDays:
		if n, err := strconv.ParseUint(days, 10, 16); err != nil || n == 0 {
			invalid(a.Expr.Range())
		} else {
			s.AuditRetention = time.Duration(n) * 24 * time.Hour
		}
	case d.duration(attrs, name, &s.AuditRetention) && s.AuditRetention <= 0:
		invalid(rangeOf(attrs, name, hcl.Range{}))
	}
	if d.str(attrs, "audit_archive_path", &s.AuditArchivePath) && s.AuditArchivePath == "" {
		d.add(problem(rangeOf(attrs, "audit_archive_path", hcl.Range{}), "Invalid audit_archive_path", "audit_archive_path must not be empty."))
	}
	decodeAuditArchiveS3(d, attrs, s)
}

// decodeAuditArchiveS3 reads how to reach an S3 archive
// (audit_archive_path = "s3://bucket/prefix"): the attributes of Vault's
// s3 storage backend, prefixed audit_archive_s3_. Left out, they come
// from the AWS SDK's default chain (AWS_REGION, AWS_ACCESS_KEY_ID, ...).
func decodeAuditArchiveS3(d *decoder, attrs hcl.Attributes, s *Storage) {
	o := &s.AuditArchiveS3
	var set *hcl.Range // the first audit_archive_s3_ attribute given
	for name, dst := range map[string]*string{"audit_archive_s3_endpoint": &o.Endpoint, "audit_archive_s3_region": &o.Region,
		"audit_archive_s3_access_key": &o.AccessKey, "audit_archive_s3_secret_key": &o.SecretKey, "audit_archive_s3_session_token": &o.SessionToken} {
		if d.str(attrs, name, dst) && (set == nil || attrs[name].Range.Start.Byte < set.Start.Byte) {
			r := attrs[name].Range
			set = &r
		}
	}
	if d.boolean(attrs, "audit_archive_s3_force_path_style", &o.ForcePathStyle) && set == nil {
		r := attrs["audit_archive_s3_force_path_style"].Range
		set = &r
	}
	bucket, isS3 := strings.CutPrefix(s.AuditArchivePath, "s3://")
	bucket, _, _ = strings.Cut(bucket, "/")
	switch {
	case isS3 && bucket == "":
		d.add(problem(rangeOf(attrs, "audit_archive_path", hcl.Range{}), "Invalid audit_archive_path", `an S3 archive is named "s3://bucket" or "s3://bucket/prefix".`))
	case set != nil && !isS3:
		d.add(problem(*set, "audit_archive_s3_* without an S3 archive", `the audit_archive_s3_ attributes need audit_archive_path = "s3://bucket/prefix".`))
	case (o.AccessKey == "") != (o.SecretKey == ""):
		d.add(problem(rangeOf(attrs, "audit_archive_s3_access_key", hcl.Range{}), "Incomplete S3 credentials", "audit_archive_s3_access_key and audit_archive_s3_secret_key go together (or leave both out for the AWS default chain)."))
	}
}
