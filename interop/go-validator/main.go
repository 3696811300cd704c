// Command go-validator checks SPIFFE artefacts (bundles, X509-SVIDs, JWT-SVIDs,
// Workload API responses) with the reference Go library, go-spiffe v2. Synid's
// interop tests use it to confirm that what Synid produces is accepted by
// go-spiffe, to fetch and validate SVIDs through a Workload API (Synid's agent
// or spire-agent), and to run go-spiffe mTLS servers and clients (spiffetls)
// whose identities come from such a Workload API.
//
// Every run prints exactly one JSON object on one line to stdout, except
// "workload serve", which prints a readiness line first and a summary line
// when it stops.
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
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/spiffebundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
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
  go-validator workload validate -audience AUD -svid TOKEN|- [-socket ...] [-timeout 10s]
      Have the Workload API validate a JWT-SVID (workloadapi.ValidateJWTSVID;
      -svid - reads the token from stdin). Prints {"spiffe_id":..., "claims":{...}}.
  go-validator workload x509source [-socket ...] [-timeout 10s]
      Create a workloadapi.X509Source, verify its SVID against it with
      x509svid.Verify, print {"spiffe_id":..., "bundle_trust_domains":[...],
      "x509_authorities":N, "serial":"decimal", "not_before":..., "expiry":...,
      "expiry_unix":N, "verified":true}.
  go-validator workload serve -listen HOST:PORT (-authorize ID [-authorize ID...] | -authorize-any)
                              [-count N] [-socket ...] [-timeout 10s] [-io-timeout 10s]
      mTLS server (spiffetls, X509Source from the Workload API, rotating).
      Prints {"listening":"HOST:PORT","spiffe_id":own} once ready, then per
      connection reads one line and replies "hello <peer ID> from <own ID>".
      After N served connections (0 = until SIGINT/SIGTERM) prints
      {"served":N, "failed_handshakes":N, "failed_requests":N}. Log on stderr.
  go-validator workload dial -addr HOST:PORT (-authorize ID [-authorize ID...] | -authorize-any)
                             [-count N] [-duration D] [-interval 1s] [-socket ...]
                             [-timeout 10s] [-io-timeout 10s]
      mTLS client (spiffetls, one X509Source reused for every dial). Each attempt
      is a new connection and handshake: send "ping", read one reply line.
      Repeats N times and/or for D (default: once). Prints {"attempts":N,
      "succeeded":N, "failed":N, "last_reply":..., "errors":[...],
      "own_spiffe_ids_seen":[...], "own_serials_seen":[...],
      "peer_spiffe_ids_seen":[...], "peer_serials_seen":[...],
      "elapsed_seconds":N}; exit 1 (with "error") if any attempt failed.

  -socket defaults to $SPIFFE_ENDPOINT_SOCKET; a bare path means unix://PATH.
  Workload fetches are retried every 250ms while the API answers Unavailable
  (e.g. socket not there yet) or PermissionDenied (e.g. SPIRE's "no identity
  issued" while entries propagate), until -timeout. X509Source creation
  (x509source, serve, dial) waits up to -timeout for the first X.509 context.
  serve prints two JSON lines (ready, summary); every other command prints one.

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

// failedWithResult is returned by a command that failed but has a complete
// result to report (e.g. dial's statistics). run prints the result, which
// carries an "error" field, and exits with exitFailed.
type failedWithResult struct {
	result any
	err    error
}

func (e failedWithResult) Error() string { return e.err.Error() }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	result, err := dispatch(args, stdin, stdout, stderr)
	switch {
	case errors.Is(err, helpRequested):
		fmt.Fprint(stderr, usageHeader)
		return exitOK
	case err != nil:
		var fr failedWithResult
		if errors.As(err, &fr) {
			writeJSON(stdout, fr.result)
			return exitFailed
		}
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
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) (any, error) {
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
			return nil, usagef("workload: missing kind (%s)", workloadKinds)
		}
		switch args[1] {
		case "x509":
			return cmdWorkloadX509(args[2:], stderr)
		case "jwt":
			return cmdWorkloadJWT(args[2:], stderr)
		case "validate":
			return cmdWorkloadValidate(args[2:], stdin, stderr)
		case "x509source":
			return cmdWorkloadX509Source(args[2:], stderr)
		case "serve":
			return cmdWorkloadServe(args[2:], stdout, stderr)
		case "dial":
			return cmdWorkloadDial(args[2:], stderr)
		case "-h", "-help", "--help", "help":
			return nil, helpRequested
		default:
			return nil, usagef("workload: unknown kind %q (want %s)", args[1], workloadKinds)
		}
	case "-h", "-help", "--help", "help":
		return nil, helpRequested
	default:
		return nil, usagef("unknown subcommand %q", args[0])
	}
}

const workloadKinds = "x509, jwt, validate, x509source, serve or dial"

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

// --- workload validate ---------------------------------------------------------

type workloadValidateResult struct {
	SPIFFEID string         `json:"spiffe_id"`
	Claims   map[string]any `json:"claims"`
}

func cmdWorkloadValidate(args []string, stdin io.Reader, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload validate", stderr)
	socket, timeout := workloadFlags(fs)
	audience := fs.String("audience", "", "audience the JWT-SVID must be valid for")
	svidFlag := fs.String("svid", "", "the JWT-SVID token, or - to read it from stdin")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "audience", "svid"); err != nil {
		return nil, err
	}
	token := *svidFlag
	if token == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading token: %w", err)
		}
		token = string(b)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("token is empty")
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var svid *jwtsvid.SVID
	err := retryTransient(ctx, func() (err error) {
		svid, err = workloadapi.ValidateJWTSVID(ctx, token, *audience, clientOptions(*socket)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("validating JWT-SVID: %w", err)
	}
	claims := svid.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	return workloadValidateResult{SPIFFEID: svid.ID.String(), Claims: claims}, nil
}

// --- X509Source (x509source, serve, dial) --------------------------------------

// stderrLog writes timestamped lines to stderr and is safe for concurrent use.
// It is also go-spiffe's logger for X509Sources (warnings and errors only) and
// remembers the last error, so that a timeout can say what went wrong.
type stderrLog struct {
	w    io.Writer
	name string

	mu      sync.Mutex
	lastErr string
}

func newStderrLog(w io.Writer, name string) *stderrLog {
	return &stderrLog{w: w, name: name}
}

func (l *stderrLog) printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s go-validator %s: %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), l.name, msg)
}

func (l *stderrLog) Debugf(string, ...any) {}
func (l *stderrLog) Infof(string, ...any)  {}

func (l *stderrLog) Warnf(format string, args ...any) {
	l.printf("workloadapi: "+format, args...)
}

func (l *stderrLog) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lastErr = msg
	l.mu.Unlock()
	l.printf("workloadapi: %s", msg)
}

func (l *stderrLog) lastError() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastErr
}

// retryBackoff paces the X509Source's watch retries like retryTransient:
// 250ms, 500ms, ... up to 2s between attempts. go-spiffe's default waits
// 1s, 2s, 3s, ... up to 30s.
type retryBackoff struct{ n int }

func (b *retryBackoff) Next() time.Duration {
	b.n++
	return min(time.Duration(b.n)*250*time.Millisecond, 2*time.Second)
}

func (b *retryBackoff) Reset() { b.n = 0 }

type retryBackoffStrategy struct{}

func (retryBackoffStrategy) NewBackoff() workloadapi.Backoff { return &retryBackoff{} }

// sourceClientOptions configures the long-lived Workload API client behind an
// X509Source: the address, logging to stderr, and quick reconnects (both the
// watch retries and gRPC's own connection backoff, whose default grows to
// 120s) so that an agent restart is noticed within seconds.
func sourceClientOptions(socket string, log *stderrLog) []workloadapi.ClientOption {
	return append(clientOptions(socket),
		workloadapi.WithLogger(log),
		workloadapi.WithBackoffStrategy(retryBackoffStrategy{}),
		workloadapi.WithDialOptions(grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  250 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   2 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		})),
	)
}

// newX509Source creates an X509Source, waiting up to timeout for the first
// X.509 context. The source keeps watching the Workload API (and so picks up
// rotated SVIDs and bundles) until it is closed.
func newX509Source(ctx context.Context, timeout time.Duration, log *stderrLog, opts ...workloadapi.X509SourceOption) (*workloadapi.X509Source, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	source, err := workloadapi.NewX509Source(ctx, opts...)
	if err != nil {
		if last := log.lastError(); last != "" && ctx.Err() != nil {
			return nil, fmt.Errorf("creating X509Source: %w (last Workload API error: %s)", err, last)
		}
		return nil, fmt.Errorf("creating X509Source: %w", err)
	}
	return source, nil
}

func describeSVID(svid *x509svid.SVID) string {
	leaf := svid.Certificates[0]
	return fmt.Sprintf("%s serial %s, valid until %s", svid.ID, leaf.SerialNumber, leaf.NotAfter.UTC().Format(time.RFC3339))
}

// startX509UpdateLog logs the source's SVID now and whenever the Workload API
// pushes a new one, until the returned function is called (which waits for
// the logging goroutine to finish).
func startX509UpdateLog(source *workloadapi.X509Source, log *stderrLog) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		logX509Updates(ctx, source, log)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

func logX509Updates(ctx context.Context, source *workloadapi.X509Source, log *stderrLog) {
	current := ""
	report := func(what string) {
		svid, err := source.GetX509SVID()
		if err != nil {
			return
		}
		if d := describeSVID(svid); d != current {
			current = d
			log.printf("%s: X509-SVID %s", what, d)
		}
	}
	report("X509Source ready")
	for {
		select {
		case <-ctx.Done():
			return
		case <-source.Updated():
			report("X509Source updated")
		}
	}
}

type workloadX509SourceResult struct {
	SPIFFEID           string   `json:"spiffe_id"`
	BundleTrustDomains []string `json:"bundle_trust_domains"`
	X509Authorities    int      `json:"x509_authorities"`
	Serial             string   `json:"serial"`
	NotBefore          string   `json:"not_before"`
	Expiry             string   `json:"expiry"`
	ExpiryUnix         int64    `json:"expiry_unix"`
	Verified           bool     `json:"verified"`
}

func cmdWorkloadX509Source(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload x509source", stderr)
	socket, timeout := workloadFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	log := newStderrLog(stderr, "x509source")
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	client, err := workloadapi.New(ctx, sourceClientOptions(*socket, log)...)
	if err != nil {
		return nil, fmt.Errorf("creating Workload API client: %w", err)
	}
	defer client.Close()
	source, err := newX509Source(ctx, *timeout, log, workloadapi.WithClient(client))
	if err != nil {
		return nil, err
	}
	defer source.Close()

	svid, err := source.GetX509SVID()
	if err != nil {
		return nil, err
	}
	own, err := source.GetX509BundleForTrustDomain(svid.ID.TrustDomain())
	if err != nil {
		return nil, err
	}
	if _, _, err := x509svid.Verify(svid.Certificates, source); err != nil {
		return nil, fmt.Errorf("X509-SVID %s does not verify against the X509Source's bundles: %w", svid.ID, err)
	}

	// X509Source cannot list its bundles: enumerate the trust domains with one
	// FetchX509Context on the same client and keep those the source serves.
	x509ctx, err := client.FetchX509Context(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching X.509 context to list the trust domains: %w", err)
	}
	tds := []string{}
	for _, b := range x509ctx.Bundles.Bundles() {
		if _, err := source.GetX509BundleForTrustDomain(b.TrustDomain()); err == nil {
			tds = append(tds, b.TrustDomain().String())
		}
	}
	sort.Strings(tds)

	leaf := svid.Certificates[0]
	return workloadX509SourceResult{
		SPIFFEID:           svid.ID.String(),
		BundleTrustDomains: tds,
		X509Authorities:    len(own.X509Authorities()),
		Serial:             leaf.SerialNumber.String(),
		NotBefore:          leaf.NotBefore.UTC().Format(time.RFC3339),
		Expiry:             leaf.NotAfter.UTC().Format(time.RFC3339),
		ExpiryUnix:         leaf.NotAfter.Unix(),
		Verified:           true,
	}, nil
}

// --- workload serve / dial (mTLS with spiffetls) --------------------------------

func authorizeFlags(fs *flag.FlagSet) (ids *multiFlag, anyID *bool) {
	ids = &multiFlag{}
	fs.Var(ids, "authorize", "SPIFFE ID the peer must have (repeatable: any of them)")
	anyID = fs.Bool("authorize-any", false, "accept any peer SPIFFE ID that chains to the bundles (instead of -authorize)")
	return ids, anyID
}

// buildAuthorizer returns tlsconfig.AuthorizeID for one -authorize,
// tlsconfig.AuthorizeOneOf for several, tlsconfig.AuthorizeAny for -authorize-any.
func buildAuthorizer(cmd string, ids multiFlag, anyID bool) (tlsconfig.Authorizer, error) {
	switch {
	case anyID && len(ids) > 0:
		return nil, usagef("%s: -authorize and -authorize-any are mutually exclusive", cmd)
	case anyID:
		return tlsconfig.AuthorizeAny(), nil
	case len(ids) == 0:
		return nil, usagef("%s: flag -authorize (or -authorize-any) is required", cmd)
	}
	parsed := make([]spiffeid.ID, 0, len(ids))
	for _, s := range ids {
		id, err := spiffeid.FromString(s)
		if err != nil {
			return nil, usagef("%s: invalid -authorize %q: %v", cmd, s, err)
		}
		parsed = append(parsed, id)
	}
	if len(parsed) == 1 {
		return tlsconfig.AuthorizeID(parsed[0]), nil
	}
	return tlsconfig.AuthorizeOneOf(parsed...), nil
}

// readLine reads one '\n'-terminated line (at most 64 KiB) and returns it
// without the line ending. A last line without '\n' is accepted.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// tlsConn is what spiffetls connections offer beyond net.Conn (they embed *tls.Conn).
type tlsConn interface {
	net.Conn
	Handshake() error
	ConnectionState() tls.ConnectionState
}

// certSummary describes the leaf of a presented chain: its SPIFFE ID (or why
// there is none) and its serial number.
func certSummary(certs []*x509.Certificate) (id, serial string) {
	if len(certs) == 0 {
		return "", ""
	}
	parsed, err := x509svid.IDFromCert(certs[0])
	if err != nil {
		return "(no SPIFFE ID: " + err.Error() + ")", certs[0].SerialNumber.String()
	}
	return parsed.String(), certs[0].SerialNumber.String()
}

type serveResult struct {
	Served           int `json:"served"`
	FailedHandshakes int `json:"failed_handshakes"`
	FailedRequests   int `json:"failed_requests"`
}

type connOutcome int

const (
	connServed connOutcome = iota
	connHandshakeFailed
	connRequestFailed
)

func cmdWorkloadServe(args []string, stdout, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload serve", stderr)
	socket, timeout := workloadFlags(fs)
	listen := fs.String("listen", "", "TCP address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free port)")
	ids, anyID := authorizeFlags(fs)
	count := fs.Int("count", 0, "exit after serving N connections (0 = until SIGINT/SIGTERM)")
	ioTimeout := fs.Duration("io-timeout", 10*time.Second, "deadline for each connection's handshake, request and reply")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "listen"); err != nil {
		return nil, err
	}
	authorizer, err := buildAuthorizer(fs.Name(), *ids, *anyID)
	if err != nil {
		return nil, err
	}
	if *count < 0 {
		return nil, usagef("%s: -count must not be negative", fs.Name())
	}
	if *ioTimeout <= 0 {
		return nil, usagef("%s: -io-timeout must be positive", fs.Name())
	}

	log := newStderrLog(stderr, "serve")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Bind first so that a bad or busy address fails without waiting for the
	// Workload API.
	inner, err := net.Listen("tcp", *listen)
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	defer inner.Close()

	source, err := newX509Source(ctx, *timeout, log, workloadapi.WithClientOptions(sourceClientOptions(*socket, log)...))
	if err != nil {
		return nil, err
	}
	defer source.Close()
	defer startX509UpdateLog(source, log)()

	ln, err := spiffetls.NewListenerWithMode(ctx, inner, spiffetls.MTLSServerWithSource(authorizer, source))
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	svid, err := source.GetX509SVID()
	if err != nil {
		return nil, err
	}
	writeJSON(stdout, map[string]string{"listening": ln.Addr().String(), "spiffe_id": svid.ID.String()})
	log.printf("listening on %s as %s", ln.Addr(), svid.ID)

	done := make(chan struct{})
	defer close(done)
	outcomes := make(chan connOutcome)
	acceptErr := make(chan error, 1)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			go func() {
				o := serveConn(conn, source, *ioTimeout, log)
				select {
				case outcomes <- o:
				case <-done:
				}
			}()
		}
	}()

	var res serveResult
	for *count == 0 || res.Served < *count {
		select {
		case o := <-outcomes:
			switch o {
			case connServed:
				res.Served++
			case connHandshakeFailed:
				res.FailedHandshakes++
			default:
				res.FailedRequests++
			}
		case err := <-acceptErr:
			return nil, fmt.Errorf("accepting connections: %w", err)
		case <-ctx.Done():
			log.printf("stopping on signal")
			return res, nil
		}
	}
	return res, nil
}

// serveConn completes the handshake, reads one line and replies
// "hello <peer ID> from <own ID>".
func serveConn(conn net.Conn, source x509svid.Source, ioTimeout time.Duration, log *stderrLog) connOutcome {
	defer conn.Close()
	remote := conn.RemoteAddr().String()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	tc, ok := conn.(tlsConn)
	if !ok {
		log.printf("connection from %s: unexpected connection type %T", remote, conn)
		return connRequestFailed
	}
	if err := tc.Handshake(); err != nil {
		// Go records the peer's chain before verifying it, so a rejected
		// client's certificate is still visible here.
		presented, serial := certSummary(tc.ConnectionState().PeerCertificates)
		if presented == "" {
			presented = "no certificate"
		} else {
			presented += " serial " + serial
		}
		log.printf("handshake failed from %s (presented %s): %v", remote, presented, err)
		return connHandshakeFailed
	}
	peer, err := spiffetls.PeerIDFromConnectionState(tc.ConnectionState())
	if err != nil {
		log.printf("connection from %s: %v", remote, err)
		return connRequestFailed
	}
	line, err := readLine(conn)
	if err != nil {
		log.printf("connection from %s (%s): reading request: %v", peer, remote, err)
		return connRequestFailed
	}
	own, err := source.GetX509SVID()
	if err != nil {
		log.printf("connection from %s (%s): %v", peer, remote, err)
		return connRequestFailed
	}
	reply := fmt.Sprintf("hello %s from %s", peer, own.ID)
	if _, err := io.WriteString(conn, reply+"\n"); err != nil {
		log.printf("connection from %s (%s): writing reply: %v", peer, remote, err)
		return connRequestFailed
	}
	log.printf("served %s (%s): got %q, replied %q", peer, remote, line, reply)
	return connServed
}

const maxDialErrors = 5

type dialResult struct {
	Attempts          int      `json:"attempts"`
	Succeeded         int      `json:"succeeded"`
	Failed            int      `json:"failed"`
	LastReply         string   `json:"last_reply"`
	Errors            []string `json:"errors"`
	OwnSPIFFEIDsSeen  []string `json:"own_spiffe_ids_seen"`
	OwnSerialsSeen    []string `json:"own_serials_seen"`
	PeerSPIFFEIDsSeen []string `json:"peer_spiffe_ids_seen"`
	PeerSerialsSeen   []string `json:"peer_serials_seen"`
	ElapsedSeconds    float64  `json:"elapsed_seconds"`
	Error             string   `json:"error,omitempty"`
}

// addDistinct appends s to list unless it is empty or already there, and
// reports whether it was appended.
func addDistinct(list *[]string, s string) bool {
	if s == "" || slices.Contains(*list, s) {
		return false
	}
	*list = append(*list, s)
	return true
}

func cmdWorkloadDial(args []string, stderr io.Writer) (any, error) {
	fs := newFlagSet("workload dial", stderr)
	socket, timeout := workloadFlags(fs)
	addr := fs.String("addr", "", "server address HOST:PORT")
	ids, anyID := authorizeFlags(fs)
	count := fs.Int("count", 0, "number of attempts (default 1 unless -duration is given)")
	duration := fs.Duration("duration", 0, "keep starting attempts for this long (with -count, whichever limit comes first)")
	interval := fs.Duration("interval", time.Second, "time between the starts of consecutive attempts")
	ioTimeout := fs.Duration("io-timeout", 10*time.Second, "deadline for each attempt's connect+handshake and for its request+reply")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, "addr"); err != nil {
		return nil, err
	}
	authorizer, err := buildAuthorizer(fs.Name(), *ids, *anyID)
	if err != nil {
		return nil, err
	}
	switch {
	case *count < 0:
		return nil, usagef("%s: -count must not be negative", fs.Name())
	case *duration < 0:
		return nil, usagef("%s: -duration must not be negative", fs.Name())
	case *interval < 0:
		return nil, usagef("%s: -interval must not be negative", fs.Name())
	case *ioTimeout <= 0:
		return nil, usagef("%s: -io-timeout must be positive", fs.Name())
	}
	if *count == 0 && *duration == 0 {
		*count = 1
	}

	log := newStderrLog(stderr, "dial")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// One X509Source for all attempts: it follows rotations pushed by the
	// Workload API, and every new handshake presents its current SVID.
	// (spiffetls.Dial would create, and tear down, a source per connection.)
	source, err := newX509Source(ctx, *timeout, log, workloadapi.WithClientOptions(sourceClientOptions(*socket, log)...))
	if err != nil {
		return nil, err
	}
	defer source.Close()
	defer startX509UpdateLog(source, log)()

	mode := spiffetls.MTLSClientWithSource(authorizer, source)
	dialer := &net.Dialer{Timeout: *ioTimeout}
	res := dialResult{
		Errors: []string{}, OwnSPIFFEIDsSeen: []string{}, OwnSerialsSeen: []string{},
		PeerSPIFFEIDsSeen: []string{}, PeerSerialsSeen: []string{},
	}
	start := time.Now()
	for {
		attemptStart := time.Now()
		res.Attempts++
		reply, info, err := dialOnce(*addr, mode, dialer, *ioTimeout)
		addDistinct(&res.OwnSPIFFEIDsSeen, info.ownID)
		if addDistinct(&res.OwnSerialsSeen, info.ownSerial) && len(res.OwnSerialsSeen) > 1 {
			log.printf("attempt %d: now presenting serial %s", res.Attempts, info.ownSerial)
		}
		addDistinct(&res.PeerSPIFFEIDsSeen, info.peerID)
		if addDistinct(&res.PeerSerialsSeen, info.peerSerial) && len(res.PeerSerialsSeen) > 1 {
			log.printf("attempt %d: server now presents serial %s", res.Attempts, info.peerSerial)
		}
		if err != nil {
			res.Failed++
			if len(res.Errors) < maxDialErrors {
				addDistinct(&res.Errors, err.Error())
			}
			log.printf("attempt %d failed: %v", res.Attempts, err)
		} else {
			res.Succeeded++
			res.LastReply = reply
		}

		if *count > 0 && res.Attempts >= *count {
			break
		}
		next := attemptStart.Add(*interval)
		if *duration > 0 && !next.Before(start.Add(*duration)) {
			break
		}
		if !sleepUntil(ctx, next) {
			log.printf("stopping on signal")
			break
		}
	}
	res.ElapsedSeconds = float64(time.Since(start).Milliseconds()) / 1000
	log.printf("%d attempts, %d succeeded, %d failed", res.Attempts, res.Succeeded, res.Failed)
	if res.Failed > 0 {
		res.Error = fmt.Sprintf("%d of %d attempts failed", res.Failed, res.Attempts)
		return nil, failedWithResult{result: res, err: errors.New(res.Error)}
	}
	return res, nil
}

// sleepUntil waits until t; it returns false if ctx was done first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type dialInfo struct {
	ownID, ownSerial   string
	peerID, peerSerial string
}

// dialOnce opens one mTLS connection (so one full handshake), sends "ping"
// and reads one reply line.
func dialOnce(addr string, mode spiffetls.DialMode, dialer *net.Dialer, ioTimeout time.Duration) (string, dialInfo, error) {
	var info dialInfo
	// The trace sees the certificate actually presented in this handshake.
	trace := tlsconfig.Trace{GotCertificate: func(got tlsconfig.GotCertificateInfo, _ any) {
		if got.Cert != nil && got.Cert.Leaf != nil {
			info.ownID, info.ownSerial = certSummary([]*x509.Certificate{got.Cert.Leaf})
		}
	}}
	conn, err := spiffetls.DialWithMode(context.Background(), "tcp", addr, mode,
		spiffetls.WithDialer(dialer), spiffetls.WithDialTLSOptions(tlsconfig.WithTrace(trace)))
	if err != nil {
		return "", info, err
	}
	defer conn.Close()
	if tc, ok := conn.(tlsConn); ok {
		info.peerID, info.peerSerial = certSummary(tc.ConnectionState().PeerCertificates)
	}
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return "", info, fmt.Errorf("sending ping: %w", err)
	}
	reply, err := readLine(conn)
	if err != nil {
		return "", info, fmt.Errorf("reading reply: %w", err)
	}
	return reply, info, nil
}

// Compile-time check: a SPIFFE bundle serves as both bundle sources.
var (
	_ x509bundle.Source = (*spiffebundle.Bundle)(nil)
	_ jwtbundle.Source  = (*spiffebundle.Bundle)(nil)
)
