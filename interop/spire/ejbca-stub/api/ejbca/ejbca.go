// Package ejbca is a stand-in for the package of the same name in
// github.com/Keyfactor/ejbca-go-client-sdk v1.1.0.
//
// It declares only the identifiers that SPIRE v1.15.3's EJBCA UpstreamAuthority
// plugin (pkg/server/plugin/upstreamauthority/ejbca) uses, so that spire-server
// can be compiled for Synid's interop tests. Every operation that would talk to
// an EJBCA server returns ErrNotAvailable. Synid never uses the EJBCA plugin.
package ejbca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
)

// ErrNotAvailable is returned by every operation of this stand-in.
var ErrNotAvailable = errors.New("the EJBCA upstream authority is not available in this build " +
	"(github.com/Keyfactor/ejbca-go-client-sdk was replaced by a stand-in for interop testing)")

// Authenticator supplies the HTTP client used to reach EJBCA.
type Authenticator interface {
	GetHTTPClient() (*http.Client, error)
}

// MTLSAuthenticatorBuilder builds an mTLS Authenticator. In this stand-in,
// Build always fails.
type MTLSAuthenticatorBuilder struct {
	clientCertificate *tls.Certificate
	caCertificates    []*x509.Certificate
}

// NewMTLSAuthenticatorBuilder returns a new builder.
func NewMTLSAuthenticatorBuilder() *MTLSAuthenticatorBuilder {
	return &MTLSAuthenticatorBuilder{}
}

// WithClientCertificate records the client certificate.
func (b *MTLSAuthenticatorBuilder) WithClientCertificate(cert *tls.Certificate) *MTLSAuthenticatorBuilder {
	b.clientCertificate = cert
	return b
}

// WithCaCertificates records the CA certificates.
func (b *MTLSAuthenticatorBuilder) WithCaCertificates(certs []*x509.Certificate) *MTLSAuthenticatorBuilder {
	b.caCertificates = certs
	return b
}

// Build always returns ErrNotAvailable.
func (b *MTLSAuthenticatorBuilder) Build() (Authenticator, error) {
	return nil, ErrNotAvailable
}

// Configuration holds client settings.
type Configuration struct {
	Host          string
	authenticator Authenticator
}

// NewConfiguration returns an empty configuration.
func NewConfiguration() *Configuration {
	return &Configuration{}
}

// SetAuthenticator records the authenticator.
func (c *Configuration) SetAuthenticator(a Authenticator) {
	c.authenticator = a
}

// APIClient is the EJBCA REST client.
type APIClient struct {
	V1CertificateApi *V1CertificateApiService
}

// NewAPIClient always returns ErrNotAvailable.
func NewAPIClient(_ *Configuration) (*APIClient, error) {
	return nil, ErrNotAvailable
}

// V1CertificateApiService groups certificate operations.
type V1CertificateApiService struct{}

// EnrollPkcs10Certificate starts an enrollment request; its Execute fails.
func (s *V1CertificateApiService) EnrollPkcs10Certificate(ctx context.Context) ApiEnrollPkcs10CertificateRequest {
	return ApiEnrollPkcs10CertificateRequest{ctx: ctx}
}

// ApiEnrollPkcs10CertificateRequest is a pending enrollment request.
type ApiEnrollPkcs10CertificateRequest struct {
	ctx     context.Context
	request *EnrollCertificateRestRequest
}

// EnrollCertificateRestRequest sets the request body.
func (r ApiEnrollPkcs10CertificateRequest) EnrollCertificateRestRequest(req EnrollCertificateRestRequest) ApiEnrollPkcs10CertificateRequest {
	r.request = &req
	return r
}

// Execute always returns ErrNotAvailable.
func (r ApiEnrollPkcs10CertificateRequest) Execute() (*CertificateRestResponse, *http.Response, error) {
	return nil, nil, ErrNotAvailable
}

// EnrollCertificateRestRequest is the PKCS#10 enrollment request body.
type EnrollCertificateRestRequest struct {
	CertificateRequest       *string `json:"certificate_request,omitempty"`
	CertificateProfileName   *string `json:"certificate_profile_name,omitempty"`
	EndEntityProfileName     *string `json:"end_entity_profile_name,omitempty"`
	CertificateAuthorityName *string `json:"certificate_authority_name,omitempty"`
	Username                 *string `json:"username,omitempty"`
	Password                 *string `json:"password,omitempty"`
	AccountBindingId         *string `json:"account_binding_id,omitempty"`
	IncludeChain             *bool   `json:"include_chain,omitempty"`
}

// NewEnrollCertificateRestRequest returns an empty request body.
func NewEnrollCertificateRestRequest() *EnrollCertificateRestRequest {
	return &EnrollCertificateRestRequest{}
}

func (o *EnrollCertificateRestRequest) SetCertificateRequest(v string) { o.CertificateRequest = &v }
func (o *EnrollCertificateRestRequest) SetCertificateProfileName(v string) {
	o.CertificateProfileName = &v
}
func (o *EnrollCertificateRestRequest) SetEndEntityProfileName(v string) { o.EndEntityProfileName = &v }
func (o *EnrollCertificateRestRequest) SetCertificateAuthorityName(v string) {
	o.CertificateAuthorityName = &v
}
func (o *EnrollCertificateRestRequest) SetUsername(v string)         { o.Username = &v }
func (o *EnrollCertificateRestRequest) SetPassword(v string)         { o.Password = &v }
func (o *EnrollCertificateRestRequest) SetAccountBindingId(v string) { o.AccountBindingId = &v }
func (o *EnrollCertificateRestRequest) SetIncludeChain(v bool)       { o.IncludeChain = &v }

// CertificateRestResponse is the enrollment response body.
type CertificateRestResponse struct {
	Certificate      *string  `json:"certificate,omitempty"`
	CertificateChain []string `json:"certificate_chain,omitempty"`
	ResponseFormat   *string  `json:"response_format,omitempty"`
}

// GetCertificate returns the certificate, or "" if unset.
func (o *CertificateRestResponse) GetCertificate() string {
	if o == nil || o.Certificate == nil {
		return ""
	}
	return *o.Certificate
}

// GetResponseFormat returns the response format, or "" if unset.
func (o *CertificateRestResponse) GetResponseFormat() string {
	if o == nil || o.ResponseFormat == nil {
		return ""
	}
	return *o.ResponseFormat
}

// GenericOpenAPIError is an error returned by the EJBCA REST API.
type GenericOpenAPIError struct {
	body  []byte
	error string
}

// Error returns the error message.
func (e GenericOpenAPIError) Error() string { return e.error }

// Body returns the raw response body.
func (e GenericOpenAPIError) Body() []byte { return e.body }
