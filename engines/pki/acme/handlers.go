package acme

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

const timeFormat = time.RFC3339

func (s *Server) orderLifetime() time.Duration {
	if s.OrderLifetime > 0 {
		return s.OrderLifetime
	}
	return 24 * time.Hour
}

func (s *Server) authzLifetime() time.Duration {
	if s.AuthzLifetime > 0 {
		return s.AuthzLifetime
	}
	return 24 * time.Hour
}

// --- accounts ---

func (s *Server) accountView(a *Account) map[string]any {
	v := map[string]any{"status": a.Status}
	if len(a.Contact) > 0 {
		v["contact"] = a.Contact
	}
	return v
}

func checkContacts(c []string) *Problem {
	for _, x := range c {
		if !strings.HasPrefix(x, "mailto:") || len(x) == len("mailto:") {
			return problem(http.StatusBadRequest, "unsupportedContact", fmt.Sprintf("contact %q is not a mailto: URL", x))
		}
	}
	return nil
}

func (s *Server) newAccount(in *parsedJWS) Response {
	var req struct {
		Contact              []string        `json:"contact"`
		TermsOfServiceAgreed bool            `json:"termsOfServiceAgreed"`
		OnlyReturnExisting   bool            `json:"onlyReturnExisting"`
		ExternalAccount      json.RawMessage `json:"externalAccountBinding"`
	}
	if len(in.payload) > 0 {
		if err := json.Unmarshal(in.payload, &req); err != nil {
			return problemResponse(errMalformed("new-account payload is not JSON"))
		}
	}
	tp := in.jwk.Thumbprint()
	existing, err := s.Store.AccountByThumbprint(tp)
	switch {
	case err == nil:
		// RFC 8555 7.3.1: an existing key returns its account.
		return jsonResponse(http.StatusOK, s.accountView(existing), s.url("account", existing.ID))
	case !errors.Is(err, ErrNotFound):
		return problemResponse(errServerInternal("cannot read accounts"))
	case req.OnlyReturnExisting:
		return problemResponse(errAccountDoesNotExist("no account exists for this key"))
	}
	if len(req.ExternalAccount) > 0 {
		return problemResponse(errMalformed("external account binding is not supported"))
	}
	if p := checkContacts(req.Contact); p != nil {
		return problemResponse(p)
	}
	a := &Account{ID: randomID(), Key: *in.jwk, Thumbprint: tp, Status: StatusValid, Contact: req.Contact, CreatedAt: s.now()}
	if err := s.Store.PutAccount(a); err != nil {
		return problemResponse(errServerInternal("cannot store the account"))
	}
	return jsonResponse(http.StatusCreated, s.accountView(a), s.url("account", a.ID))
}

func (s *Server) account(acct *Account, id string, in *parsedJWS) Response {
	if id != acct.ID {
		return problemResponse(errUnauthorized("the kid does not name this account"))
	}
	if !postAsGet(in) {
		var req struct {
			Status  string    `json:"status"`
			Contact *[]string `json:"contact"`
		}
		if err := json.Unmarshal(in.payload, &req); err != nil {
			return problemResponse(errMalformed("account payload is not JSON"))
		}
		switch req.Status {
		case "":
		case StatusDeactivated:
			acct.Status = StatusDeactivated
		default:
			return problemResponse(errMalformed("an account's status may only become deactivated"))
		}
		if req.Contact != nil {
			if p := checkContacts(*req.Contact); p != nil {
				return problemResponse(p)
			}
			acct.Contact = *req.Contact
		}
		if err := s.Store.PutAccount(acct); err != nil {
			return problemResponse(errServerInternal("cannot store the account"))
		}
	}
	return jsonResponse(http.StatusOK, s.accountView(acct), s.url("account", acct.ID))
}

// --- orders ---

func (s *Server) orderView(o *Order, status string) map[string]any {
	authzURLs := make([]string, 0, len(o.AuthzIDs))
	for _, id := range o.AuthzIDs {
		authzURLs = append(authzURLs, s.url("authz", id))
	}
	v := map[string]any{
		"status":         status,
		"expires":        o.Expires.UTC().Format(timeFormat),
		"identifiers":    o.Identifiers,
		"authorizations": authzURLs,
		"finalize":       s.url("order", o.ID, "finalize"),
	}
	if status == StatusValid && o.CertID != "" {
		v["certificate"] = s.url("order", o.ID, "cert")
	}
	if o.Error != nil {
		v["error"] = o.Error
	}
	return v
}

// checkIdentifiers normalises an order's identifiers (lower case, no
// duplicates) and applies what this server can validate and the engine's
// policy.
func (s *Server) checkIdentifiers(ids []Identifier) ([]Identifier, *Problem) {
	if len(ids) == 0 {
		return nil, errMalformed("an order needs at least one identifier")
	}
	var out []Identifier
	for _, id := range ids {
		if id.Type != "dns" {
			return nil, errUnsupportedIdentifier(fmt.Sprintf("identifier type %q is not supported", id.Type))
		}
		id.Value = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(id.Value)), ".")
		if id.Value == "" {
			return nil, errMalformed("empty identifier")
		}
		if strings.Contains(id.Value, "*") {
			return nil, errRejectedIdentifier(fmt.Sprintf("wildcard identifier %q needs dns-01, which this server does not offer", id.Value))
		}
		if s.AllowIdentifier != nil {
			if err := s.AllowIdentifier(id); err != nil {
				var p *Problem
				if errors.As(err, &p) {
					return nil, p
				}
				return nil, errRejectedIdentifier(err.Error())
			}
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Server) newOrder(acct *Account, in *parsedJWS) Response {
	var req struct {
		Identifiers []Identifier `json:"identifiers"`
		NotBefore   string       `json:"notBefore"`
		NotAfter    string       `json:"notAfter"`
	}
	if err := json.Unmarshal(in.payload, &req); err != nil {
		return problemResponse(errMalformed("new-order payload is not JSON"))
	}
	if req.NotBefore != "" || req.NotAfter != "" {
		return problemResponse(errMalformed("notBefore and notAfter are not supported; the role decides the validity"))
	}
	ids, p := s.checkIdentifiers(req.Identifiers)
	if p != nil {
		return problemResponse(p)
	}
	now := s.now()
	o := &Order{ID: randomID(), AccountID: acct.ID, Status: StatusPending, Expires: now.Add(s.orderLifetime()), Identifiers: ids}
	for _, id := range ids {
		a := &Authorization{
			ID: randomID(), AccountID: acct.ID, Identifier: id, Status: StatusPending,
			Expires:    now.Add(s.authzLifetime()),
			Challenges: []Challenge{{Type: ChallengeHTTP01, Token: randomID(), Status: StatusPending}},
		}
		if err := s.Store.PutAuthz(a); err != nil {
			return problemResponse(errServerInternal("cannot store the authorization"))
		}
		o.AuthzIDs = append(o.AuthzIDs, a.ID)
	}
	if err := s.Store.PutOrder(o); err != nil {
		return problemResponse(errServerInternal("cannot store the order"))
	}
	return jsonResponse(http.StatusCreated, s.orderView(o, o.Status), s.url("order", o.ID))
}

// loadOrder reads an order of acct with its authorizations and derived
// status.
func (s *Server) loadOrder(acct *Account, id string) (*Order, []*Authorization, string, *Problem) {
	o, err := s.Store.Order(id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, "", errNotFound()
	}
	if err != nil {
		return nil, nil, "", errServerInternal("cannot read the order")
	}
	if o.AccountID != acct.ID {
		return nil, nil, "", errUnauthorized("the order belongs to another account")
	}
	authzs := make([]*Authorization, 0, len(o.AuthzIDs))
	for _, aid := range o.AuthzIDs {
		a, err := s.Store.Authz(aid)
		if err != nil {
			return nil, nil, "", errServerInternal("cannot read the order's authorizations")
		}
		authzs = append(authzs, a)
	}
	return o, authzs, orderStatus(o, authzs, s.now()), nil
}

func (s *Server) order(acct *Account, id string, in *parsedJWS) Response {
	if !postAsGet(in) {
		return problemResponse(errMalformed("order reads are POST-as-GET with an empty payload"))
	}
	o, _, status, p := s.loadOrder(acct, id)
	if p != nil {
		return problemResponse(p)
	}
	return jsonResponse(http.StatusOK, s.orderView(o, status), s.url("order", o.ID))
}

// csrNames are the DNS names a CSR asks for (SANs and a CN), refusing the
// name kinds ACME orders cannot carry here.
func csrNames(csr *x509.CertificateRequest) ([]string, *Problem) {
	if len(csr.IPAddresses) > 0 || len(csr.EmailAddresses) > 0 || len(csr.URIs) > 0 {
		return nil, errBadCSR("the CSR may only name DNS identifiers")
	}
	var names []string
	add := func(n string) {
		n = strings.TrimSuffix(strings.ToLower(n), ".")
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range csr.DNSNames {
		add(n)
	}
	add(csr.Subject.CommonName)
	slices.Sort(names)
	return names, nil
}

func (s *Server) finalize(ctx context.Context, acct *Account, id string, in *parsedJWS) Response {
	o, _, status, p := s.loadOrder(acct, id)
	if p != nil {
		return problemResponse(p)
	}
	if status != StatusReady {
		return problemResponse(errOrderNotReady(fmt.Sprintf("the order is %s, not ready", status)))
	}
	var req struct {
		CSR string `json:"csr"`
	}
	if err := json.Unmarshal(in.payload, &req); err != nil || req.CSR == "" {
		return problemResponse(errMalformed("finalize payload must carry a csr"))
	}
	der, err := base64.RawURLEncoding.DecodeString(req.CSR)
	if err != nil {
		return problemResponse(errBadCSR("the csr is not base64url"))
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return problemResponse(errBadCSR("the csr cannot be parsed: " + err.Error()))
	}
	if err := csr.CheckSignature(); err != nil {
		return problemResponse(errBadCSR("the csr signature is invalid"))
	}
	names, p := csrNames(csr)
	if p != nil {
		return problemResponse(p)
	}
	want := make([]string, 0, len(o.Identifiers))
	for _, id := range o.Identifiers {
		want = append(want, id.Value)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		return problemResponse(errBadCSR(fmt.Sprintf("the CSR names %v but the order's identifiers are %v", names, want)))
	}
	chain, err := s.Issue(ctx, csr, o)
	if err != nil {
		var ip *Problem
		if errors.As(err, &ip) {
			return problemResponse(ip)
		}
		return problemResponse(errServerInternal("the certificate could not be issued"))
	}
	if err := s.Store.PutCert(o.ID, chain); err != nil {
		return problemResponse(errServerInternal("cannot store the certificate"))
	}
	o.Status, o.CertID = StatusValid, o.ID
	if err := s.Store.PutOrder(o); err != nil {
		return problemResponse(errServerInternal("cannot store the order"))
	}
	return jsonResponse(http.StatusOK, s.orderView(o, StatusValid), s.url("order", o.ID))
}

func (s *Server) cert(acct *Account, id string, in *parsedJWS) Response {
	if !postAsGet(in) {
		return problemResponse(errMalformed("certificate downloads are POST-as-GET with an empty payload"))
	}
	o, _, _, p := s.loadOrder(acct, id)
	if p != nil {
		return problemResponse(p)
	}
	if o.CertID == "" {
		return problemResponse(errNotFound())
	}
	chain, err := s.Store.Cert(o.CertID)
	if err != nil {
		return problemResponse(errServerInternal("cannot read the certificate"))
	}
	return Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/pem-certificate-chain"}}, Body: chain}
}

// --- authorizations and challenges ---

func (s *Server) challengeView(authzID string, c Challenge) map[string]any {
	v := map[string]any{
		"type":   c.Type,
		"url":    s.url("chall", authzID, c.Type),
		"token":  c.Token,
		"status": c.Status,
	}
	if !c.Validated.IsZero() {
		v["validated"] = c.Validated.UTC().Format(timeFormat)
	}
	if c.Error != nil {
		v["error"] = c.Error
	}
	return v
}

func (s *Server) authzView(a *Authorization) map[string]any {
	chals := make([]map[string]any, 0, len(a.Challenges))
	for _, c := range a.Challenges {
		chals = append(chals, s.challengeView(a.ID, c))
	}
	return map[string]any{
		"identifier": a.Identifier,
		"status":     authzStatus(a, s.now()),
		"expires":    a.Expires.UTC().Format(timeFormat),
		"challenges": chals,
	}
}

func (s *Server) loadAuthz(acct *Account, id string) (*Authorization, *Problem) {
	a, err := s.Store.Authz(id)
	if errors.Is(err, ErrNotFound) {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, errServerInternal("cannot read the authorization")
	}
	if a.AccountID != acct.ID {
		return nil, errUnauthorized("the authorization belongs to another account")
	}
	return a, nil
}

func (s *Server) authz(acct *Account, id string, in *parsedJWS) Response {
	a, p := s.loadAuthz(acct, id)
	if p != nil {
		return problemResponse(p)
	}
	if !postAsGet(in) {
		var req struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(in.payload, &req); err != nil || req.Status != StatusDeactivated {
			return problemResponse(errMalformed("an authorization may only be deactivated"))
		}
		a.Status = StatusDeactivated
		if err := s.Store.PutAuthz(a); err != nil {
			return problemResponse(errServerInternal("cannot store the authorization"))
		}
	}
	return jsonResponse(http.StatusOK, s.authzView(a), "")
}

// challenge answers a challenge URL: a POST-as-GET reads it; a POST of
// "{}" asks the server to validate it, which happens now.
func (s *Server) challenge(ctx context.Context, acct *Account, authzID, typ string, in *parsedJWS) Response {
	a, p := s.loadAuthz(acct, authzID)
	if p != nil {
		return problemResponse(p)
	}
	idx := slices.IndexFunc(a.Challenges, func(c Challenge) bool { return c.Type == typ })
	if idx < 0 {
		return problemResponse(errNotFound())
	}
	if !postAsGet(in) && a.Challenges[idx].Status == StatusPending && authzStatus(a, s.now()) == StatusPending {
		keyAuth := a.Challenges[idx].Token + "." + acct.Thumbprint
		failure := s.Validator.Validate(ctx, a.Identifier.Value, a.Challenges[idx].Token, keyAuth)
		challengeResult(a, typ, s.now(), failure)
		if err := s.Store.PutAuthz(a); err != nil {
			return problemResponse(errServerInternal("cannot store the authorization"))
		}
	}
	resp := jsonResponse(http.StatusOK, s.challengeView(a.ID, a.Challenges[idx]), "")
	resp.Header.Add("Link", `<`+s.url("authz", a.ID)+`>;rel="up"`)
	return resp
}
