package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// testCA issues X509-SVIDs for one trust domain.
type testCA struct {
	td   spiffeid.TrustDomain
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, td string) *testCA {
	t.Helper()
	trustDomain := spiffeid.RequireTrustDomainFromString(td)
	key := mustKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(t),
		Subject:               pkix.Name{Organization: []string{"test"}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		URIs:                  []*url.URL{trustDomain.ID().URL()},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{td: trustDomain, cert: cert, key: key}
}

func randomSerial(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

// svid returns a Workload API X509SVID message for path, valid for ttl, with
// this CA's certificate as the bundle.
func (ca *testCA) svid(t *testing.T, path string, ttl time.Duration) *workload.X509SVID {
	t.Helper()
	id := spiffeid.RequireFromPath(ca.td, path)
	key := mustKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(t),
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(ttl),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:                  []*url.URL{id.URL()},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &workload.X509SVID{SpiffeId: id.String(), X509Svid: der, X509SvidKey: keyDER, Bundle: ca.cert.Raw}
}

// fakeWorkloadAPI is a minimal SPIFFE Workload API on a UNIX socket: it
// streams the current X.509 context (and every replacement) to
// FetchX509SVID callers and accepts exactly one token in ValidateJWTSVID.
type fakeWorkloadAPI struct {
	workload.UnimplementedSpiffeWorkloadAPIServer
	addr string

	mu      sync.Mutex
	resp    *workload.X509SVIDResponse
	changed chan struct{}

	validToken, validAudience, validID string
}

func startFakeWorkloadAPI(t *testing.T) *fakeWorkloadAPI {
	t.Helper()
	// Not t.TempDir(): UNIX socket paths must stay short.
	dir, err := os.MkdirTemp("", "gv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "api.sock")
	lis, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeWorkloadAPI{addr: "unix://" + path, changed: make(chan struct{})}
	srv := grpc.NewServer()
	workload.RegisterSpiffeWorkloadAPIServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f
}

// setX509 replaces the X.509 context and pushes it to every open stream.
func (f *fakeWorkloadAPI) setX509(svid *workload.X509SVID, federated map[string][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resp = &workload.X509SVIDResponse{Svids: []*workload.X509SVID{svid}, FederatedBundles: federated}
	close(f.changed)
	f.changed = make(chan struct{})
}

// rotate issues a new SVID for path every period until the test ends.
func (f *fakeWorkloadAPI) rotate(t *testing.T, ca *testCA, path string, ttl, period time.Duration) {
	t.Helper()
	f.setX509(ca.svid(t, path, ttl), nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		ticker := time.NewTicker(period)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				f.setX509(ca.svid(t, path, ttl), nil)
			}
		}
	}()
}

func (f *fakeWorkloadAPI) FetchX509SVID(_ *workload.X509SVIDRequest, stream grpc.ServerStreamingServer[workload.X509SVIDResponse]) error {
	for {
		f.mu.Lock()
		resp, changed := f.resp, f.changed
		f.mu.Unlock()
		if resp == nil {
			return status.Error(codes.PermissionDenied, "no identity issued")
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
		select {
		case <-changed:
		case <-stream.Context().Done():
			return nil
		}
	}
}

func (f *fakeWorkloadAPI) ValidateJWTSVID(_ context.Context, req *workload.ValidateJWTSVIDRequest) (*workload.ValidateJWTSVIDResponse, error) {
	if req.Svid != f.validToken || req.Audience != f.validAudience {
		return nil, status.Error(codes.InvalidArgument, "token is not valid for this audience")
	}
	return &workload.ValidateJWTSVIDResponse{SpiffeId: f.validID}, nil
}
