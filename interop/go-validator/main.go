// Command go-validator checks SPIFFE artefacts (bundles, X509-SVIDs, JWT-SVIDs,
// Workload API responses) with the reference Go library, go-spiffe v2. Synid's
// interop tests use it to confirm that what Synid produces is accepted by
// go-spiffe, and to fetch SVIDs from a Workload API (Synid's agent or
// spire-agent).
//
// Every run prints exactly one JSON object on one line to stdout.
//
// Exit codes:
//
//	0  success
//	1  failure once the arguments were accepted: an input that cannot be read
//	   or parsed, a failed verification, a Workload API error or timeout.
//	   The JSON object has an "error" field.
//	2  usage error (unknown subcommand or flag, missing required flag).
//	   The JSON object has an "error" field and "usage": true; help goes to stderr.
//
// Run "go-validator help" for the subcommands and their flags.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/spiffebundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	usageHeader = `go-validator: validate SPIFFE artefacts with go-spiffe v2.

Usage:
  go-validator x509 -bundle FILE [-bundle-format spiffe|pem] -td TD -svid CHAIN.pem
      Verify an X509-SVID chain (PEM, leaf first; non-certificate PEM blocks are
      ignored) with x509svid.Verify against the bundle.
      Prints {"spiffe_id":..., "chains":N}.
  go-validator jwt -bundle FILE -td TD -token FILE|- -audience AUD [-audience AUD...]
      Validate a JWT-SVID with jwtsvid.ParseAndValidate against a SPIFFE bundle
      (JSON). Prints {"spiffe_id":..., "audience":[...], "expiry":RFC3339, "expiry_unix":N}.
  go-validator bundle -td TD -bundle FILE
      Parse a SPIFFE bundle (JSON) with spiffebundle.Parse. Prints
      {"trust_domain":..., "x509_authorities":N, "jwt_authorities":N,
       "sequence":N|null, "refresh_hint_seconds":N|null}.
  go-validator workload x509 [-socket unix:///path] [-timeout 10s] [-out-dir DIR]
      Fetch the X.509 context from a Workload API, verify the default SVID
      against the returned bundles, print {"spiffe_id":..., "spiffe_ids":[...],
      "bundle_trust_domains":[...], "verified":true}. -out-dir writes
      svid.pem (chain), key.pem (PKCS#8) and bundle.pem (SVID trust domain roots).
  go-validator workload jwt -audience AUD [-socket ...] [-timeout 10s]
                            [-spiffe-id ID] [-token-out FILE]
      Fetch a JWT-SVID and the JWT bundles, validate the token against them,
      print {"spiffe_id":..., "audience":[...], "expiry":..., "expiry_unix":N,
      "verified":true}. -token-out writes the token to FILE.

  -socket defaults to $SPIFFE_ENDPOINT_SOCKET; a bare path means unix://PATH.
  Workload fetches are retried every 250ms while the API answers Unavailable
  (e.g. socket not there yet) or PermissionDenied (e.g. SPIRE's "no identity
  issued" while entries propagate), until -timeout.

Exit codes: 0 ok, 1 failure (JSON "error" field), 2 usage error.
`
)

// usageError marks an error caused by how the command was invoked.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// helpRequested is returned when -h/-help/help was given.
var helpRequested = errors.New("help requested")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	result, err := dispatch(args, stdin, stderr)
	switch {
	case errors.Is(err, helpRequested):
		fmt.Fprint(stderr, usageHeader)
		return exitOK
	case err != nil:
		var ue usageError
		if errors.As(err, &ue) {
			writeJSON(stdout, map[string]any{"error": err.Error(), "usage": true})
			fmt.Fprintf(stderr, "go-validator: %v\n\nRun 'go-validator help' for usage.\n", err)
			return exitUsage
		}
		writeJSON(stdout, map[string]any{"error": err.Error()})
		return exitFailed
	default:
		writeJSON(stdout, result)
		return exitOK
	}
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error":%q}`, "encoding output: "+err.Error()))
	}
	_, _ = w.Write(append(b, '\n'))
}

func dispatch(args []string, stdin io.Reader, stderr io.Writer) (any, error) {
	if len(args) == 0 {
		return nil, usagef("missing subcommand (x509, jwt, bundle, workload)")
	}
	switch args[0] {
	case "x509":
		return cmdX509(args[1:], stderr)
	case "jwt":
		return cmdJWT(args[1:], stdin, stderr)
	case "bundle":
		return cmdBundle(args[1:], stderr)
	case "workload":
		if len(args) < 2 {
			return nil, usagef("workload: missing kind (x509 or jwt)")
		}
		switch args[1] {
		case "x509":
			return cmdWorkloadX509(args[2:], stderr)
		case "jwt":
			return cmdWorkloadJWT(args[2:], stderr)
		case "-h", "-help", "--help", "help":
			return nil, helpRequested
		default:
			return nil, usagef("workload: unknown kind %q (want x509 or jwt)", args[1])
		}
	case "-h", "-help", "--help", "help":
		return nil, helpRequested
	default:
		return nil, usagef("unknown subcommand %q", args[0])
	}
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return helpRequested
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func requireFlags(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] || fs.Lookup(n).Value.String() == "" {
			return usagef("%s: flag -%s is required", fs.Name(), n)
		}
	}
	return nil
}

func parseTD(s string) (spiffeid.TrustDomain, error) {
	td, err := spiffeid.TrustDomainFromString(s)
	if err != nil {
		return spiffeid.TrustDomain{}, usagef("invalid trust domain %q: %v", s, err)
	}
	return td, nil
}

// --- x509 ---------------------------------------------------------------------

type x509Result struct {
	SPIFFEID string `json:"spiffe_id"`
	Chains   int    `json:"chains"`
}

func cmdX509(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("x509", stderr)
	bundlePath := fs.String("bundle", "", "trust bundle file")
	bundleFormat := fs.String("bundle-format", "spiffe", "bundle format: spiffe (JSON, spiffebundle.Parse) or pem (x509bundle.Parse)")
	tdStr := fs.String("td", "", "trust domain of the bundle")
	svidPath := fs.String("svid", "", "X509-SVID chain, PEM, leaf first")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "bundle", "td", "svid"); err != nil {
		return nil, err
	}
	td, err := parseTD(*tdStr)
	if err != nil {
		return nil, err
	}
	if *bundleFormat != "spiffe" && *bundleFormat != "pem" {
		return nil, usagef("x509: -bundle-format must be spiffe or pem, got %q", *bundleFormat)
	}

	bundleBytes, err := os.ReadFile(*bundlePath)
	if err != nil {
		return nil, fmt.Errorf("reading bundle: %w", err)
	}
	var source x509bundle.Source
	if *bundleFormat == "spiffe" {
		b, err := spiffebundle.Parse(td, bundleBytes)
		if err != nil {
			return nil, fmt.Errorf("parsing SPIFFE bundle: %w", err)
		}
		source = b
	} else {
		b, err := x509bundle.Parse(td, bundleBytes)
		if err != nil {
			return nil, fmt.Errorf("parsing PEM bundle: %w", err)
		}
		source = b
	}

	chainBytes, err := os.ReadFile(*svidPath)
	if err != nil {
		return nil, fmt.Errorf("reading SVID chain: %w", err)
	}
	certs, err := parsePEMCertificates(chainBytes)
	if err != nil {
		return nil, fmt.Errorf("parsing SVID chain: %w", err)
	}

	id, chains, err := x509svid.Verify(certs, source)
	if err != nil {
		return nil, err
	}
	return x509Result{SPIFFEID: id.String(), Chains: len(chains)}, nil
}

// parsePEMCertificates returns the CERTIFICATE blocks of data in order,
// ignoring other blocks (e.g. a private key) and surrounding text.
func parsePEMCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE blocks found")
	}
	return certs, nil
}

// --- jwt ----------------------------------------------------------------------

type jwtResult struct {
	SPIFFEID   string   `json:"spiffe_id"`
	Audience   []string `json:"audience"`
	Expiry     string   `json:"expiry"`
	ExpiryUnix int64    `json:"expiry_unix"`
	Verified   *bool    `json:"verified,omitempty"`
}

func newJWTResult(svid *jwtsvid.SVID) jwtResult {
	aud := svid.Audience
	if aud == nil {
		aud = []string{}
	}
	return jwtResult{
		SPIFFEID:   svid.ID.String(),
		Audience:   aud,
		Expiry:     svid.Expiry.UTC().Format(time.RFC3339),
		ExpiryUnix: svid.Expiry.Unix(),
	}
}

func cmdJWT(args []string, stdin io.Reader, stderr io.Writer) (any, error) {
	fs := newFlagSet("jwt", stderr)
	bundlePath := fs.String("bundle", "", "SPIFFE bundle (JSON) holding the JWT authorities")
	tdStr := fs.String("td", "", "trust domain of the bundle")
	tokenPath := fs.String("token", "", "file holding the JWT-SVID, or - for stdin")
	var audience multiFlag
	fs.Var(&audience, "audience", "expected audience (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "bundle", "td", "token", "audience"); err != nil {
		return nil, err
	}
	td, err := parseTD(*tdStr)
	if err != nil {
		return nil, err
	}

	bundleBytes, err := os.ReadFile(*bundlePath)
	if err != nil {
		return nil, fmt.Errorf("reading bundle: %w", err)
	}
	bundle, err := spiffebundle.Parse(td, bundleBytes)
	if err != nil {
		return nil, fmt.Errorf("parsing SPIFFE bundle: %w", err)
	}

	var tokenBytes []byte
	if *tokenPath == "-" {
		tokenBytes, err = io.ReadAll(stdin)
	} else {
		tokenBytes, err = os.ReadFile(*tokenPath)
	}
	if err != nil {
		return nil, fmt.Errorf("reading token: %w", err)
	}
	token := strings.TrimSpace(string(tokenBytes))
	if token == "" {
		return nil, errors.New("token is empty")
	}

	svid, err := jwtsvid.ParseAndValidate(token, bundle, audience)
	if err != nil {
		return nil, err
	}
	return newJWTResult(svid), nil
}

// --- bundle -------------------------------------------------------------------

type bundleResult struct {
	TrustDomain        string   `json:"trust_domain"`
	X509Authorities    int      `json:"x509_authorities"`
	JWTAuthorities     int      `json:"jwt_authorities"`
	WITAuthorities     int      `json:"wit_authorities"`
	Sequence           *uint64  `json:"sequence"`
	RefreshHintSeconds *float64 `json:"refresh_hint_seconds"`
}

func cmdBundle(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("bundle", stderr)
	tdStr := fs.String("td", "", "trust domain of the bundle")
	bundlePath := fs.String("bundle", "", "SPIFFE bundle file (JSON)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "td", "bundle"); err != nil {
		return nil, err
	}
	td, err := parseTD(*tdStr)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(*bundlePath)
	if err != nil {
		return nil, fmt.Errorf("reading bundle: %w", err)
	}
	b, err := spiffebundle.Parse(td, data)
	if err != nil {
		return nil, err
	}
	res := bundleResult{
		TrustDomain:     b.TrustDomain().String(),
		X509Authorities: len(b.X509Authorities()),
		JWTAuthorities:  len(b.JWTAuthorities()),
		WITAuthorities:  len(b.WITAuthorities()),
	}
	if seq, ok := b.SequenceNumber(); ok {
		res.Sequence = &seq
	}
	if hint, ok := b.RefreshHint(); ok {
		s := hint.Seconds()
		res.RefreshHintSeconds = &s
	}
	return res, nil
}

// --- workload -----------------------------------------------------------------

func workloadFlags(fs *flag.FlagSet) (socket *string, timeout *time.Duration) {
	socket = fs.String("socket", "", "Workload API address, e.g. unix:///run/agent.sock (default $SPIFFE_ENDPOINT_SOCKET)")
	timeout = fs.Duration("timeout", 10*time.Second, "overall deadline for the Workload API calls")
	return socket, timeout
}

func clientOptions(socket string) []workloadapi.ClientOption {
	if socket == "" {
		return nil // go-spiffe falls back to SPIFFE_ENDPOINT_SOCKET
	}
	if strings.HasPrefix(socket, "/") {
		socket = "unix://" + socket
	}
	return []workloadapi.ClientOption{workloadapi.WithAddr(socket)}
}

// retryTransient calls fn until it succeeds, fails with an error other than
// gRPC Unavailable (socket not there yet) or PermissionDenied (SPIRE's "no
// identity issued" while entries propagate), or ctx is done. The last error
// is returned.
func retryTransient(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		switch status.Code(err) {
		case codes.Unavailable, codes.PermissionDenied:
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

type workloadX509Result struct {
	SPIFFEID           string   `json:"spiffe_id"`
	SPIFFEIDs          []string `json:"spiffe_ids"`
	BundleTrustDomains []string `json:"bundle_trust_domains"`
	Verified           bool     `json:"verified"`
}

func cmdWorkloadX509(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload x509", stderr)
	socket, timeout := workloadFlags(fs)
	outDir := fs.String("out-dir", "", "if set, write svid.pem, key.pem and bundle.pem there")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var x509ctx *workloadapi.X509Context
	err := retryTransient(ctx, func() (err error) {
		x509ctx, err = workloadapi.FetchX509Context(ctx, clientOptions(*socket)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetching X.509 context: %w", err)
	}
	if len(x509ctx.SVIDs) == 0 {
		return nil, errors.New("workload API returned no X509-SVIDs")
	}
	res := workloadX509Result{SPIFFEIDs: []string{}, BundleTrustDomains: []string{}}
	for _, s := range x509ctx.SVIDs {
		res.SPIFFEIDs = append(res.SPIFFEIDs, s.ID.String())
	}
	for _, b := range x509ctx.Bundles.Bundles() {
		res.BundleTrustDomains = append(res.BundleTrustDomains, b.TrustDomain().String())
	}
	def := x509ctx.DefaultSVID()
	res.SPIFFEID = def.ID.String()
	if _, _, err := x509svid.Verify(def.Certificates, x509ctx.Bundles); err != nil {
		return nil, fmt.Errorf("default X509-SVID %s does not verify against the returned bundles: %w", def.ID, err)
	}
	res.Verified = true

	if *outDir != "" {
		if err := writeX509(*outDir, def, x509ctx.Bundles); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func writeX509(dir string, svid *x509svid.SVID, bundles *x509bundle.Set) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	certPEM, keyPEM, err := svid.Marshal()
	if err != nil {
		return fmt.Errorf("marshaling SVID: %w", err)
	}
	bundle, err := bundles.GetX509BundleForTrustDomain(svid.ID.TrustDomain())
	if err != nil {
		return err
	}
	bundlePEM, err := bundle.Marshal()
	if err != nil {
		return fmt.Errorf("marshaling bundle: %w", err)
	}
	for name, data := range map[string][]byte{"svid.pem": certPEM, "bundle.pem": bundlePEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600)
}

func cmdWorkloadJWT(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload jwt", stderr)
	socket, timeout := workloadFlags(fs)
	var audience multiFlag
	fs.Var(&audience, "audience", "audience to request (repeatable; at least one)")
	subject := fs.String("spiffe-id", "", "SPIFFE ID to request, when the workload has several")
	tokenOut := fs.String("token-out", "", "if set, write the JWT-SVID token to this file")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "audience"); err != nil {
		return nil, err
	}
	params := jwtsvid.Params{Audience: audience[0], ExtraAudiences: audience[1:]}
	if *subject != "" {
		id, err := spiffeid.FromString(*subject)
		if err != nil {
			return nil, usagef("workload jwt: invalid -spiffe-id %q: %v", *subject, err)
		}
		params.Subject = id
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	opts := clientOptions(*socket)

	var svid *jwtsvid.SVID
	err := retryTransient(ctx, func() (err error) {
		svid, err = workloadapi.FetchJWTSVID(ctx, params, opts...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetching JWT-SVID: %w", err)
	}
	bundles, err := workloadapi.FetchJWTBundles(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("fetching JWT bundles: %w", err)
	}
	validated, err := jwtsvid.ParseAndValidate(svid.Marshal(), bundles, audience)
	if err != nil {
		return nil, fmt.Errorf("JWT-SVID %s does not validate against the returned bundles: %w", svid.ID, err)
	}
	if *tokenOut != "" {
		if err := os.WriteFile(*tokenOut, []byte(svid.Marshal()+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	res := newJWTResult(validated)
	verified := true
	res.Verified = &verified
	return res, nil
}

// Compile-time check: a SPIFFE bundle serves as both bundle sources.
var (
	_ x509bundle.Source = (*spiffebundle.Bundle)(nil)
	_ jwtbundle.Source  = (*spiffebundle.Bundle)(nil)
)
