package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
