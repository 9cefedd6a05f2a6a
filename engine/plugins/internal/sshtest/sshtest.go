// Package sshtest is an SSH server in a test's own process, on a loopback port, for the tests of
// the providers' SSH clients (the command provider's connection, the libvirt provider's dialer):
// it presents the host keys it is given, accepts one client key of its own making, and hands
// each authenticated connection's channels to the test's handler. Only tests import it.
package sshtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Server is a running test server.
type Server struct {
	// Port is its loopback TCP port.
	Port int
	// ClientKey is the private key it accepts, in OpenSSH PEM form.
	ClientKey []byte
}

// Start listens on 127.0.0.1 (closed when the test ends) and serves every connection: after the
// handshake and the client's authentication, handle gets the connection's channel requests (its
// global requests are discarded). Fails the test where a key or the listener cannot be made.
func Start(t *testing.T, handle func(chans <-chan ssh.NewChannel), hostKeys ...ssh.Signer) *Server {
	t.Helper()
	_, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clientSigner, err := ssh.NewSignerFromKey(clientPriv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(k.Marshal(), clientSigner.PublicKey().Marshal()) {
				return nil, nil
			}
			return nil, errors.New("not the test client's key")
		},
	}
	for _, k := range hostKeys {
		config.AddHostKey(k)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c, config, handle)
		}
	}()
	return &Server{Port: l.Addr().(*net.TCPAddr).Port, ClientKey: pem.EncodeToMemory(block)}
}

func serve(c net.Conn, config *ssh.ServerConfig, handle func(<-chan ssh.NewChannel)) {
	defer c.Close()
	conn, chans, reqs, err := ssh.NewServerConn(c, config)
	if err != nil {
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	handle(chans)
}

// Signer is a new key's signer, of the kind given: "ed25519" or "ecdsa" (P-256). Fails the test
// for another kind.
func Signer(t *testing.T, kind string) ssh.Signer {
	t.Helper()
	var key any
	var err error
	switch kind {
	case "ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("sshtest.Signer: no key kind %q (ed25519 or ecdsa)", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
