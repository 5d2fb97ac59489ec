package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certificate describes one leaf certificate signed by the cluster CA.
type certificate struct {
	file         string
	commonName   string
	organization []string
	dnsNames     []string
	ips          []net.IP
	usage        []x509.ExtKeyUsage
}

// writePKI writes everything the control plane needs to authenticate: a CA,
// the API server's serving certificate, client certificates for the admin user
// (system:masters) and the controller manager, and the service-account signing key.
// Files that already exist are kept, so a restarted cluster keeps its identity.
func writePKI(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caCert, caKey, err := loadOrCreateCA(dir)
	if err != nil {
		return err
	}
	leaves := []certificate{
		{
			file:       "apiserver",
			commonName: "kube-apiserver",
			dnsNames:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ips:        []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
			usage:      []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		},
		{file: "admin", commonName: "velero-ts-admin", organization: []string{"system:masters"}, usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{file: "controller-manager", commonName: "system:kube-controller-manager", usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{file: "node-simulator", commonName: "velero-ts-node-simulator", organization: []string{"system:masters"}, usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
	}
	for _, leaf := range leaves {
		if exists(filepath.Join(dir, leaf.file+".crt")) {
			continue
		}
		if err := writeLeaf(dir, leaf, caCert, caKey); err != nil {
			return fmt.Errorf("%s certificate: %w", leaf.file, err)
		}
	}
	if !exists(filepath.Join(dir, "sa.key")) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		if err := writeKey(filepath.Join(dir, "sa.key"), key); err != nil {
			return err
		}
		pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return err
		}
		if err := writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", pub); err != nil {
			return err
		}
	}
	return nil
}

func loadOrCreateCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if exists(certPath) && exists(keyPath) {
		return loadPair(certPath, keyPath)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "velero-ts-local-cluster-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return nil, nil, err
	}
	if err := writeKey(keyPath, key); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func writeLeaf(dir string, c certificate, caCert *x509.Certificate, caKey crypto.Signer) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: c.commonName, Organization: c.organization},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  c.usage,
		DNSNames:     c.dnsNames,
		IPAddresses:  c.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, c.file+".key"), key); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, c.file+".crt"), "CERTIFICATE", der)
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	certBlock, _ := pem.Decode(certPEM)
	keyBlock, _ := pem.Decode(keyPEM)
	if certBlock == nil || keyBlock == nil {
		return nil, nil, fmt.Errorf("%s or %s is not PEM: remove the pki directory to start afresh", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "EC PRIVATE KEY", der)
}

// writePEM writes through a temporary file so a crash never leaves half a key.
func writePEM(path, blockType string, der []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
