package table_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/table"
)

// TestNewClientsWrappedWithCABundle: an instrumented HTTP client (the
// request counter) works from the standard configuration chain even when
// AWS_CA_BUNDLE is set, which the SDK's loader can only apply to its own
// client type.
func TestNewClientsWrappedWithCABundle(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	eng, err := ddblocal.New(ddblocal.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	counter := table.NewRequestCounter(eng.HTTPClient())
	c, err := table.NewClients(context.Background(), table.ClientConfig{Endpoint: "http://ddblocal.test", HTTPClient: counter})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DB.ListTables(context.Background(), &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if counter.Total("ListTables") != 1 {
		t.Fatalf("counted %s", counter)
	}
}

// selfSignedPEM returns a fresh self-signed CA certificate in PEM form.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
