package rabbit

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/transport"
)

func TestTLSConfig(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	plain, _ := transport.ParseURL("rabbit://u:p@h/")
	amqps, _ := transport.ParseURL("amqps://u:p@h/")

	if c, err := tlsConfig(plain, TLSOptions{}, log); c != nil || err != nil {
		t.Errorf("rabbit:// without ssl: got %v, %v; want no TLS", c, err)
	}
	for name, tc := range map[string]struct {
		u transport.URL
		o TLSOptions
	}{"amqps://": {amqps, TLSOptions{}}, "ssl=true": {plain, TLSOptions{Enabled: true}}} {
		c, err := tlsConfig(tc.u, tc.o, log)
		if err != nil || c == nil {
			t.Fatalf("%s: got %v, %v; want a TLS config", name, c, err)
		}
		if c.InsecureSkipVerify || c.MinVersion < tls.VersionTLS12 {
			t.Errorf("%s: got InsecureSkipVerify %v, MinVersion %x; want verification on, TLS ≥ 1.2",
				name, c.InsecureSkipVerify, c.MinVersion)
		}
	}
}

func TestTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	amqps, _ := transport.ParseURL("amqps://u:p@h/")
	tests := []struct {
		name string
		o    TLSOptions
		want string
	}{
		{"missing CA file", TLSOptions{CAFile: filepath.Join(dir, "nope.pem")}, "nope.pem"},
		{"CA file without certificates", TLSOptions{CAFile: garbage}, "holds no PEM certificate"},
		{"certificate without key", TLSOptions{CertFile: garbage}, "both ssl_cert_file and ssl_key_file"},
		{"bad key pair", TLSOptions{CertFile: garbage, KeyFile: garbage}, "ssl_cert_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tlsConfig(amqps, tt.o, slog.New(slog.DiscardHandler))
			if !errors.Is(err, ErrBadOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrBadOptions mentioning %q", err, tt.want)
			}
		})
	}
}

// TestTLSVerifies dials amqps:// to a TLS server with a self-signed
// certificate (an HTTPS test server: the AMQP handshake after TLS fails,
// which is beside the point). Without its CA the certificate is refused;
// with it the TLS handshake passes; with the wrong server name it fails.
func TestTLSVerifies(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := transport.ParseURL("amqps://u:p@" + srv.Listener.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		o          TLSOptions
		certErrant bool
	}{
		{"unknown CA", TLSOptions{}, true},
		{"CA from ssl_ca_file", TLSOptions{CAFile: ca}, false},
		{"wrong host name", TLSOptions{CAFile: ca, ServerName: "broker.invalid"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tlsConfig(u, tt.o, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			// The HTTPS server never answers the AMQP header: give up soon.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // a loaded machine under -race
			defer cancel()
			_, _, err = newDialer(u, fastOptions(), c, "test").dial(ctx)
			if err == nil {
				t.Fatal("got a connection to an HTTPS server")
			}
			var certErr *tls.CertificateVerificationError
			if got := errors.As(err, &certErr); got != tt.certErrant {
				t.Errorf("got %v; want a certificate error: %v", err, tt.certErrant)
			}
		})
	}
}
