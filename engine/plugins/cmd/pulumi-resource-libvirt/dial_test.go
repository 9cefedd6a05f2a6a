package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"hvnetlab/engine/plugins/internal/sshtest"
)

// socketServer is an SSH server in this process standing in for a libvirt host: it presents the
// host keys it is given, takes the key in keyFile, and echoes what is written to a forwarded unix
// socket (libvirtd's, as the dialer opens it).
type socketServer struct {
	port    int
	keyFile string
	// sockets are the unix socket paths asked for.
	sockets chan string
}

func newSocketServer(t *testing.T, hostKeys ...ssh.Signer) *socketServer {
	t.Helper()
	s := &socketServer{sockets: make(chan string, 16)}
	srv := sshtest.Start(t, s.serve, hostKeys...)
	s.port, s.keyFile = srv.Port, filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(s.keyFile, srv.ClientKey, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// serve echoes what is written to each forwarded unix socket, recording its path.
func (s *socketServer) serve(chans <-chan ssh.NewChannel) {
	for nc := range chans {
		if nc.ChannelType() != "direct-streamlocal@openssh.com" {
			_ = nc.Reject(ssh.UnknownChannelType, "unix sockets only")
			continue
		}
		var req struct {
			Path      string
			Reserved0 string
			Reserved1 uint32
		}
		if err := ssh.Unmarshal(nc.ExtraData(), &req); err != nil {
			_ = nc.Reject(ssh.ConnectionFailed, err.Error())
			continue
		}
		s.sockets <- req.Path
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go ssh.DiscardRequests(creqs)
		go func() {
			defer ch.Close()
			_, _ = io.Copy(ch, ch)
		}()
	}
}

// uri is the server's libvirt URI with the test's key and the given parameters.
func (s *socketServer) uri(params string) string {
	return fmt.Sprintf("qemu+ssh://root@127.0.0.1:%d/system?keyfile=%s&sshauth=privkey&socket=/run/test-libvirt-sock%s", s.port, s.keyFile, params)
}

// dial dials the server's socket through the URI and checks that what is written comes back.
func (s *socketServer) dial(t *testing.T, params string) error {
	t.Helper()
	target, err := translateURI(s.uri(params), localUser{Name: "runner", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sshDialer{t: *target.SSH}.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "hello" {
		t.Fatalf("the socket echoes: %q %v", got, err)
	}
	if p := <-s.sockets; p != "/run/test-libvirt-sock" {
		t.Fatalf("the socket dialled: %s", p)
	}
	return nil
}

func signer(t *testing.T, kind string) ssh.Signer { return sshtest.Signer(t, kind) }

// knownHostsFile writes a known_hosts file with one line per key for the server's address.
func (s *socketServer) knownHostsFile(t *testing.T, keys ...ssh.PublicKey) string {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(knownhosts.Line([]string{fmt.Sprintf("127.0.0.1:%d", s.port)}, k) + "\n")
	}
	f := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func unchanged(t *testing.T, file, before string) {
	t.Helper()
	after, err := os.ReadFile(file)
	if err != nil || string(after) != before {
		t.Fatalf("%s changed: %q -> %q (%v)", file, before, after, err)
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): a host whose key is in the
// knownhosts= file is reached; one that is not there, or whose key differs, is refused, and the
// file is left as it was: no key is ever added.
func TestDialChecksTheHostKeyStrictly(t *testing.T) {
	ed := signer(t, "ed25519")
	s := newSocketServer(t, ed)
	known := s.knownHostsFile(t, ed.PublicKey())
	if err := s.dial(t, "&knownhosts="+known); err != nil {
		t.Fatalf("a known host is reached: %v", err)
	}

	other := s.knownHostsFile(t, signer(t, "ed25519").PublicKey())
	before, _ := os.ReadFile(other)
	err := s.dial(t, "&knownhosts="+other)
	if err == nil || !strings.Contains(err.Error(), "key mismatch") {
		t.Fatalf("a host with another key is refused: %v", err)
	}
	unchanged(t, other, string(before))

	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, []byte("# no hosts\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = s.dial(t, "&knownhosts="+empty)
	if err == nil || !strings.Contains(err.Error(), "is not in "+empty+", and is not added") {
		t.Fatalf("an unknown host is refused: %v", err)
	}
	unchanged(t, empty, "# no hosts\n")

	for _, v := range []string{"", "&known_hosts_verify=normal"} {
		if err := s.dial(t, "&knownhosts="+empty+v); err == nil {
			t.Fatalf("%q: an unknown host is refused", v)
		}
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): a known_hosts file that cannot
// be read fails the dial ("failed to read ssh known hosts"); it is not created.
func TestDialWithoutTheKnownHostsFileFails(t *testing.T) {
	s := newSocketServer(t, signer(t, "ed25519"))
	missing := filepath.Join(t.TempDir(), "known_hosts")
	err := s.dial(t, "&knownhosts="+missing)
	if err == nil || !strings.Contains(err.Error(), "failed to read ssh known hosts") {
		t.Fatalf("a missing known_hosts fails: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("%s is not created: %v", missing, err)
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): known_hosts_verify=ignore, or
// no_verify with any value, takes any host key, without a known_hosts file.
func TestDialWithoutVerificationTakesAnyKey(t *testing.T) {
	s := newSocketServer(t, signer(t, "ed25519"))
	missing := filepath.Join(t.TempDir(), "known_hosts")
	for _, params := range []string{"&knownhosts=" + missing + "&known_hosts_verify=ignore", "&knownhosts=" + missing + "&no_verify=0"} {
		if err := s.dial(t, params); err != nil {
			t.Fatalf("%s: %v", params, err)
		}
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): ed25519 comes first among the
// host key algorithms. A host with an ECDSA and an ed25519 key presents its ed25519 key, so a
// known_hosts holding only that key passes, and one holding only the ECDSA key is refused (a
// client with x/crypto's default order would get the ECDSA key: the opposite outcome).
func TestDialAsksForTheEd25519KeyFirst(t *testing.T) {
	ed, ec := signer(t, "ed25519"), signer(t, "ecdsa")
	s := newSocketServer(t, ec, ed)
	if err := s.dial(t, "&knownhosts="+s.knownHostsFile(t, ed.PublicKey())); err != nil {
		t.Fatalf("the ed25519 key is the one presented: %v", err)
	}
	err := s.dial(t, "&knownhosts="+s.knownHostsFile(t, ec.PublicKey()))
	if err == nil || !strings.Contains(err.Error(), "ssh-ed25519") {
		t.Fatalf("the ECDSA key alone does not match the ed25519 key presented: %v", err)
	}
}

// The provider's connection goes through this dialer for the ssh transport: a refused host key
// comes back from hypervisor.get with the hypervisor named.
func TestHypervisorDialsThroughTheHostKeyCheck(t *testing.T) {
	s := newSocketServer(t, signer(t, "ed25519"))
	hv := &hypervisor{uri: s.uri("&knownhosts=" + s.knownHostsFile(t, signer(t, "ed25519").PublicKey()))}
	_, err := hv.get()
	if err == nil || !strings.Contains(err.Error(), "cannot reach libvirt at") || !strings.Contains(err.Error(), "key mismatch") {
		t.Fatalf("a host key mismatch: %v", err)
	}
}
