package rabbit

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/rpcexec/rpcexec/transport"
)

// tlsConfig builds the TLS settings for u, or nil when u does not use TLS.
// TLS is on for amqps:// and for ssl=true (TLSOptions.Enabled). The
// broker's certificate and host name are verified against ssl_ca_file, or
// the system's roots without one; this is stricter than oslo, which checks
// host names only with ssl_enforce_hostname_verification, because a TLS
// connection that accepts any certificate protects nothing. The host name
// checked is each broker's own (set per dial), unless ServerName is given.
func tlsConfig(u transport.URL, t TLSOptions, log *slog.Logger) (*tls.Config, error) {
	if u.Scheme != "amqps" && !t.Enabled {
		if t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" {
			log.Warn("rabbit: ssl_ca_file, ssl_cert_file or ssl_key_file is set but TLS is off "+
				"(use amqps:// or ssl=true); ignored, as oslo does", "url", u.String())
		}
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify,
	}
	if t.InsecureSkipVerify {
		log.Warn("rabbit: TLS certificate verification is off (InsecureSkipVerify); use it only in tests",
			"url", u.String())
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: ssl_ca_file: %w", ErrBadOptions, err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: ssl_ca_file %q holds no PEM certificate", ErrBadOptions, t.CAFile)
		}
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: ssl_cert_file %q with ssl_key_file %q: %w", ErrBadOptions, t.CertFile, t.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, fmt.Errorf("%w: a client certificate needs both ssl_cert_file and ssl_key_file", ErrBadOptions)
	}
	return c, nil
}
