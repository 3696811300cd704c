package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/spiffe/go-spiffe/v2/bundle/spiffebundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

type fixture struct {
	dir        string
	bundleJSON string
	bundlePEM  string
	svidPEM    string
	jwtKey     *ecdsa.PrivateKey
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	td := spiffeid.RequireTrustDomainFromString("example.org")

	caKey := mustKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"test"}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		URIs:                  []*url.URL{td.ID().URL()},
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)

	leafKey := mustKey(t)
	leafTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(30 * time.Minute),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		URIs:                  []*url.URL{spiffeid.RequireFromPath(td, "/w").URL()},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}

	jwtKey := mustKey(t)
	b := spiffebundle.FromX509Authorities(td, []*x509.Certificate{ca})
	if err := b.AddJWTAuthority("kid1", jwtKey.Public()); err != nil {
		t.Fatal(err)
	}
	b.SetSequenceNumber(7)
	b.SetRefreshHint(5 * time.Minute)
	bundleJSON, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}

	f := fixture{
		dir:        dir,
		bundleJSON: filepath.Join(dir, "bundle.json"),
		bundlePEM:  filepath.Join(dir, "bundle.pem"),
		svidPEM:    filepath.Join(dir, "svid.pem"),
		jwtKey:     jwtKey,
	}
	mustWrite(t, f.bundleJSON, bundleJSON)
	mustWrite(t, f.bundlePEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	mustWrite(t, f.svidPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}))
	return f
}

func (f fixture) token(t *testing.T, sub string, aud []string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: f.jwtKey, KeyID: "kid1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{
		Subject:  sub,
		Audience: aud,
		Expiry:   jwt.NewNumericDate(time.Now().Add(5 * time.Minute)),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, stdin string, args ...string) (int, map[string]any) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	rc := run(args, strings.NewReader(stdin), &stdout, &stderr)
	out := stdout.String()
	if rc != 0 || len(args) == 0 || args[0] != "help" {
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("want exactly one JSON line on stdout, got %q", out)
		}
	}
	m := map[string]any{}
	if out != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("stdout is not JSON: %q: %v", out, err)
		}
	}
	return rc, m
}

func TestX509(t *testing.T) {
	f := newFixture(t)
	rc, m := runCLI(t, "", "x509", "-bundle", f.bundleJSON, "-td", "example.org", "-svid", f.svidPEM)
	if rc != 0 || m["spiffe_id"] != "spiffe://example.org/w" || m["chains"] != float64(1) {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	rc, m = runCLI(t, "", "x509", "-bundle", f.bundlePEM, "-bundle-format", "pem", "-td", "example.org", "-svid", f.svidPEM)
	if rc != 0 || m["spiffe_id"] != "spiffe://example.org/w" {
		t.Fatalf("pem bundle: rc=%d out=%v", rc, m)
	}
	rc, m = runCLI(t, "", "x509", "-bundle", f.bundleJSON, "-td", "other.org", "-svid", f.svidPEM)
	if rc != 1 || m["error"] == nil {
		t.Fatalf("wrong td: rc=%d out=%v", rc, m)
	}
	// A chain that does not chain to the bundle: the CA itself is not an SVID.
	rc, m = runCLI(t, "", "x509", "-bundle", f.bundleJSON, "-td", "example.org", "-svid", f.bundlePEM)
	if rc != 1 || m["error"] == nil {
		t.Fatalf("CA as SVID: rc=%d out=%v", rc, m)
	}
}

func TestJWT(t *testing.T) {
	f := newFixture(t)
	tokFile := filepath.Join(f.dir, "tok")
	mustWrite(t, tokFile, []byte(f.token(t, "spiffe://example.org/w", []string{"a"})+"\n"))

	rc, m := runCLI(t, "", "jwt", "-bundle", f.bundleJSON, "-td", "example.org", "-token", tokFile, "-audience", "a")
	if rc != 0 || m["spiffe_id"] != "spiffe://example.org/w" || m["expiry"] == nil {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	if aud, _ := m["audience"].([]any); len(aud) != 1 || aud[0] != "a" {
		t.Fatalf("audience: %v", m["audience"])
	}
	rc, _ = runCLI(t, f.token(t, "spiffe://example.org/w", []string{"a"}), "jwt", "-bundle", f.bundleJSON, "-td", "example.org", "-token", "-", "-audience", "a")
	if rc != 0 {
		t.Fatalf("stdin token: rc=%d", rc)
	}
	rc, m = runCLI(t, "", "jwt", "-bundle", f.bundleJSON, "-td", "example.org", "-token", tokFile, "-audience", "b")
	if rc != 1 || m["error"] == nil {
		t.Fatalf("wrong audience: rc=%d out=%v", rc, m)
	}
	rc, _ = runCLI(t, "", "jwt", "-bundle", f.bundleJSON, "-td", "other.org", "-token", tokFile, "-audience", "a")
	if rc != 1 {
		t.Fatalf("wrong td: rc=%d", rc)
	}
}

func TestBundle(t *testing.T) {
	f := newFixture(t)
	rc, m := runCLI(t, "", "bundle", "-td", "example.org", "-bundle", f.bundleJSON)
	want := map[string]any{
		"trust_domain": "example.org", "x509_authorities": float64(1), "jwt_authorities": float64(1),
		"sequence": float64(7), "refresh_hint_seconds": float64(300),
	}
	if rc != 0 {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	rc, _ = runCLI(t, "", "bundle", "-td", "example.org", "-bundle", f.bundlePEM)
	if rc != 1 {
		t.Fatalf("PEM as SPIFFE bundle: rc=%d", rc)
	}
}

func TestWorkloadUnavailable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	start := time.Now()
	rc, m := runCLI(t, "", "workload", "x509", "-socket", sock, "-timeout", "600ms")
	if rc != 1 || m["error"] == nil {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("returned after %v; expected retries until the timeout", d)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"x509", "-td", "example.org"},
		{"x509", "-bogus"},
		{"x509", "-bundle", "b", "-td", "example.org", "-svid", "s", "-bundle-format", "der"},
		{"jwt", "-bundle", "b", "-td", "example.org", "-token", "t"},
		{"bundle", "-td", "Not Valid", "-bundle", "b"},
		{"bundle", "-td", "example.org", "-bundle", "b", "extra"},
		{"workload"},
		{"workload", "svid"},
		{"workload", "jwt"},
		{"workload", "validate", "-audience", "a"},
		{"workload", "validate", "-svid", "tok"},
		{"workload", "x509source", "extra"},
		{"workload", "x509source", "-timeout", "soon"},
		{"workload", "serve", "-authorize", "spiffe://example.org/c"},
		{"workload", "serve", "-listen", "127.0.0.1:0"},
		{"workload", "serve", "-listen", "127.0.0.1:0", "-authorize", "spiffe://example.org/c", "-authorize-any"},
		{"workload", "serve", "-listen", "127.0.0.1:0", "-authorize", "example.org/c"},
		{"workload", "serve", "-listen", "127.0.0.1:0", "-authorize-any", "-count", "-1"},
		{"workload", "serve", "-listen", "127.0.0.1:0", "-authorize-any", "-io-timeout", "0s"},
		{"workload", "dial", "-authorize-any"},
		{"workload", "dial", "-addr", "127.0.0.1:1"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize", "spiffe://example.org/s", "-authorize-any"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize", "spiffe://"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize-any", "-count", "-2"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize-any", "-duration", "-1s"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize-any", "-interval", "-1s"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize-any", "-io-timeout", "0s"},
		{"workload", "dial", "-addr", "127.0.0.1:1", "-authorize-any", "-duration", "long"},
	} {
		rc, m := runCLI(t, "", args...)
		if rc != 2 || m["error"] == nil || m["usage"] != true {
			t.Errorf("%v: rc=%d out=%v", args, rc, m)
		}
	}
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"help"}, nil, &stdout, &stderr); rc != 0 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("help: rc=%d stdout=%q", rc, stdout.String())
	}
}

// --- workload validate / x509source / serve / dial ------------------------------

// syncBuffer is a bytes.Buffer that goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWorkloadValidate(t *testing.T) {
	f := newFixture(t)
	token := f.token(t, "spiffe://example.org/w", []string{"a"})
	api := startFakeWorkloadAPI(t)
	api.validToken, api.validAudience, api.validID = token, "a", "spiffe://example.org/w"

	check := func(rc int, m map[string]any) {
		t.Helper()
		if rc != 0 || m["spiffe_id"] != "spiffe://example.org/w" {
			t.Fatalf("rc=%d out=%v", rc, m)
		}
		claims, _ := m["claims"].(map[string]any)
		if claims["sub"] != "spiffe://example.org/w" || claims["exp"] == nil {
			t.Fatalf("claims: %v", m["claims"])
		}
		// The claims are the token's own: go-jose writes a single audience as a string.
		if claims["aud"] != "a" {
			t.Fatalf("claims.aud: %v", claims["aud"])
		}
	}
	check(runCLI(t, "", "workload", "validate", "-socket", api.addr, "-audience", "a", "-svid", token))
	check(runCLI(t, token+"\n", "workload", "validate", "-socket", api.addr, "-audience", "a", "-svid", "-"))

	rc, m := runCLI(t, "", "workload", "validate", "-socket", api.addr, "-audience", "b", "-svid", token)
	if rc != 1 || !strings.Contains(m["error"].(string), "InvalidArgument") {
		t.Fatalf("wrong audience: rc=%d out=%v", rc, m)
	}
	rc, m = runCLI(t, "  \n", "workload", "validate", "-socket", api.addr, "-audience", "a", "-svid", "-")
	if rc != 1 || m["error"] != "token is empty" {
		t.Fatalf("empty token: rc=%d out=%v", rc, m)
	}
}

func TestWorkloadX509Source(t *testing.T) {
	ca := newTestCA(t, "example.org")
	other := newTestCA(t, "other.org")
	api := startFakeWorkloadAPI(t)
	svid := ca.svid(t, "/w", time.Hour)
	api.setX509(svid, map[string][]byte{"spiffe://other.org": other.cert.Raw})
	leaf, err := x509.ParseCertificate(svid.X509Svid)
	if err != nil {
		t.Fatal(err)
	}

	rc, m := runCLI(t, "", "workload", "x509source", "-socket", api.addr, "-timeout", "5s")
	if rc != 0 {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	want := map[string]any{
		"spiffe_id": "spiffe://example.org/w", "x509_authorities": float64(1), "verified": true,
		"serial": leaf.SerialNumber.String(), "expiry_unix": float64(leaf.NotAfter.Unix()),
		"expiry": leaf.NotAfter.UTC().Format(time.RFC3339),
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if tds, _ := m["bundle_trust_domains"].([]any); len(tds) != 2 || tds[0] != "example.org" || tds[1] != "other.org" {
		t.Errorf("bundle_trust_domains = %v", m["bundle_trust_domains"])
	}

	// An SVID whose bundle is another CA's: x509svid.Verify must fail.
	bad := ca.svid(t, "/w", time.Hour)
	bad.Bundle = newTestCA(t, "example.org").cert.Raw
	api.setX509(bad, nil)
	rc, m = runCLI(t, "", "workload", "x509source", "-socket", api.addr, "-timeout", "5s")
	if rc != 1 || !strings.Contains(m["error"].(string), "does not verify") {
		t.Fatalf("foreign bundle: rc=%d out=%v", rc, m)
	}
}

func TestWorkloadX509SourceUnavailable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	start := time.Now()
	rc, m := runCLI(t, "", "workload", "x509source", "-socket", sock, "-timeout", "700ms")
	if rc != 1 {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	if msg, _ := m["error"].(string); !strings.Contains(msg, "deadline exceeded") || !strings.Contains(msg, "Unavailable") {
		t.Fatalf("error should name the timeout and the last Workload API error: %q", msg)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Fatalf("returned after %v; expected to wait for -timeout", d)
	}
	// dial and serve need the source too (serve binds first, then fails).
	rc, m = runCLI(t, "", "workload", "dial", "-socket", sock, "-timeout", "300ms", "-addr", "127.0.0.1:1", "-authorize-any")
	if rc != 1 || m["error"] == nil || m["attempts"] != nil {
		t.Fatalf("dial: rc=%d out=%v", rc, m)
	}
	rc, m = runCLI(t, "", "workload", "serve", "-socket", sock, "-timeout", "300ms", "-listen", "127.0.0.1:0", "-authorize-any")
	if rc != 1 || m["error"] == nil || m["listening"] != nil {
		t.Fatalf("serve: rc=%d out=%v", rc, m)
	}
}

func TestWorkloadServeBadListenAddress(t *testing.T) {
	start := time.Now()
	rc, m := runCLI(t, "", "workload", "serve", "-socket", "/nonexistent.sock", "-listen", "127.0.0.1:99999", "-authorize-any")
	if rc != 1 || !strings.Contains(m["error"].(string), "listening") {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v; a bad address must fail before contacting the Workload API", d)
	}
}

// serveProc is "workload serve" running in a goroutine.
type serveProc struct {
	addr, spiffeID string
	stderr         *syncBuffer
	done           chan struct{}
	rc             int
	rest           string // stdout after the "listening" line
}

func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	pr, pw := io.Pipe()
	p := &serveProc{stderr: &syncBuffer{}, done: make(chan struct{})}
	go func() {
		p.rc = run(append([]string{"workload", "serve"}, args...), strings.NewReader(""), pw, p.stderr)
		pw.Close()
	}()
	r := bufio.NewReader(pr)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v (stderr: %s)", err, p.stderr)
	}
	var ready map[string]string
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready["listening"] == "" {
		t.Fatalf("serve did not start: %q (stderr: %s)", line, p.stderr)
	}
	p.addr, p.spiffeID = ready["listening"], ready["spiffe_id"]
	go func() {
		rest, _ := io.ReadAll(r)
		p.rest = string(rest)
		close(p.done)
	}()
	return p
}

func (p *serveProc) wait(t *testing.T) (int, map[string]any) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit; stderr:\n%s", p.stderr)
	}
	if strings.Count(p.rest, "\n") != 1 {
		t.Fatalf("want one more JSON line after the listening line, got %q", p.rest)
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(p.rest), &m); err != nil {
		t.Fatalf("not JSON: %q", p.rest)
	}
	return p.rc, m
}

func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestWorkloadServeDial(t *testing.T) {
	const (
		serverID = "spiffe://example.org/server"
		clientID = "spiffe://example.org/client"
	)
	ca := newTestCA(t, "example.org")
	serverAPI, clientAPI, intruderAPI := startFakeWorkloadAPI(t), startFakeWorkloadAPI(t), startFakeWorkloadAPI(t)
	// Short-lived SVIDs replaced every 150ms: each handshake must use the
	// current one.
	serverAPI.rotate(t, ca, "/server", 2*time.Second, 150*time.Millisecond)
	clientAPI.rotate(t, ca, "/client", 2*time.Second, 150*time.Millisecond)
	intruderAPI.setX509(ca.svid(t, "/intruder", time.Hour), nil)

	srv := startServe(t, "-socket", serverAPI.addr, "-listen", "127.0.0.1:0", "-authorize", clientID, "-count", "4")
	if srv.spiffeID != serverID || !strings.HasPrefix(srv.addr, "127.0.0.1:") {
		t.Fatalf("listening line: addr=%q spiffe_id=%q", srv.addr, srv.spiffeID)
	}

	// The server rejects a client it does not authorize.
	rc, m := runCLI(t, "", "workload", "dial", "-socket", intruderAPI.addr, "-addr", srv.addr, "-authorize", serverID)
	if rc != 1 || m["attempts"] != float64(1) || m["failed"] != float64(1) || len(strs(m["errors"])) != 1 || m["error"] == nil {
		t.Fatalf("intruder: rc=%d out=%v", rc, m)
	}
	if ids := strs(m["own_spiffe_ids_seen"]); len(ids) != 1 || ids[0] != "spiffe://example.org/intruder" {
		t.Fatalf("intruder own_spiffe_ids_seen: %v", ids)
	}
	// The client rejects a server it does not authorize.
	rc, m = runCLI(t, "", "workload", "dial", "-socket", clientAPI.addr, "-addr", srv.addr, "-authorize", "spiffe://example.org/other")
	if errs := strs(m["errors"]); rc != 1 || len(errs) != 1 || !strings.Contains(errs[0], `unexpected ID "spiffe://example.org/server"`) {
		t.Fatalf("wrong server ID: rc=%d out=%v", rc, m)
	}

	// Four connections across several rotations of both SVIDs.
	rc, m = runCLI(t, "", "workload", "dial", "-socket", clientAPI.addr, "-addr", srv.addr, "-authorize", serverID,
		"-count", "4", "-interval", "200ms")
	if rc != 0 || m["attempts"] != float64(4) || m["succeeded"] != float64(4) || m["failed"] != float64(0) || m["error"] != nil {
		t.Fatalf("dial: rc=%d out=%v", rc, m)
	}
	if m["last_reply"] != "hello "+clientID+" from "+serverID {
		t.Fatalf("last_reply = %q", m["last_reply"])
	}
	if ids := strs(m["own_spiffe_ids_seen"]); len(ids) != 1 || ids[0] != clientID {
		t.Fatalf("own_spiffe_ids_seen = %v", ids)
	}
	if ids := strs(m["peer_spiffe_ids_seen"]); len(ids) != 1 || ids[0] != serverID {
		t.Fatalf("peer_spiffe_ids_seen = %v", ids)
	}
	if own, peer := strs(m["own_serials_seen"]), strs(m["peer_serials_seen"]); len(own) < 2 || len(peer) < 2 {
		t.Fatalf("expected rotated SVIDs on both sides: own %v, peer %v", own, peer)
	}

	rc, m = srv.wait(t)
	if rc != 0 || m["served"] != float64(4) || m["failed_handshakes"] != float64(2) || m["failed_requests"] != float64(0) {
		t.Fatalf("serve: rc=%d out=%v\nstderr:\n%s", rc, m, srv.stderr)
	}
	log := srv.stderr.String()
	if !strings.Contains(log, "presented spiffe://example.org/intruder serial ") {
		t.Errorf("serve log should name the rejected client's ID:\n%s", log)
	}
	if !strings.Contains(log, `replied "hello `+clientID+" from "+serverID+`"`) {
		t.Errorf("serve log should show the replies:\n%s", log)
	}
}

func TestWorkloadDialDuration(t *testing.T) {
	ca := newTestCA(t, "example.org")
	serverAPI, clientAPI := startFakeWorkloadAPI(t), startFakeWorkloadAPI(t)
	serverAPI.setX509(ca.svid(t, "/server", time.Hour), nil)
	clientAPI.setX509(ca.svid(t, "/client", time.Hour), nil)
	srv := startServe(t, "-socket", serverAPI.addr, "-listen", "127.0.0.1:0", "-authorize-any", "-count", "3")

	start := time.Now()
	rc, m := runCLI(t, "", "workload", "dial", "-socket", clientAPI.addr, "-addr", srv.addr,
		"-authorize", "spiffe://example.org/server", "-duration", "500ms", "-interval", "200ms")
	if rc != 0 || m["attempts"] != float64(3) || m["succeeded"] != float64(3) {
		t.Fatalf("rc=%d out=%v", rc, m)
	}
	if d := time.Since(start); d < 400*time.Millisecond || d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if rc, m := srv.wait(t); rc != 0 || m["served"] != float64(3) {
		t.Fatalf("serve: rc=%d out=%v", rc, m)
	}

	// Nothing listens any more: every attempt fails, the errors are reported
	// and the exit code is 1.
	rc, m = runCLI(t, "", "workload", "dial", "-socket", clientAPI.addr, "-addr", srv.addr,
		"-authorize-any", "-count", "2", "-interval", "0s")
	if rc != 1 || m["attempts"] != float64(2) || m["failed"] != float64(2) || m["error"] != "2 of 2 attempts failed" {
		t.Fatalf("closed server: rc=%d out=%v", rc, m)
	}
	if errs := strs(m["errors"]); len(errs) != 1 || !strings.Contains(errs[0], "connection refused") {
		t.Fatalf("errors = %v", errs)
	}
}
