package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"hvnetlab/engine/plugins/internal/sshtest"
)

// keyServer is an SSH server in this process, on a loopback port: it presents the host keys it
// is given, takes one client key, and answers every command with "ran" and exit status 0.
type keyServer struct {
	port       int
	privateKey string
	// accepted counts the connections that got past the handshake and authentication.
	accepted chan struct{}
}

func newKeyServer(t *testing.T, hostKeys ...ssh.Signer) *keyServer {
	t.Helper()
	s := &keyServer{accepted: make(chan struct{}, 16)}
	srv := sshtest.Start(t, s.serve, hostKeys...)
	s.port, s.privateKey = srv.Port, string(srv.ClientKey)
	return s
}

// serve answers a connection's sessions: every exec gets "ran" and exit status 0.
func (s *keyServer) serve(chans <-chan ssh.NewChannel) {
	s.accepted <- struct{}{}
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for r := range creqs {
				if r.Type != "exec" {
					_ = r.Reply(r.Type == "env", nil)
					continue
				}
				_ = r.Reply(true, nil)
				_, _ = io.WriteString(ch, "ran\n")
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				return
			}
		}()
	}
}

func (s *keyServer) connection(hostKey string) *sshConnection {
	return &sshConnection{Host: "127.0.0.1", Port: s.port, User: "root", PrivateKey: s.privateKey,
		DialErrorLimit: 0, PerDialTimeout: 5, HostKey: &hostKey}
}

func ed25519Signer(t *testing.T) ssh.Signer { return sshtest.Signer(t, "ed25519") }

func ecdsaSigner(t *testing.T) ssh.Signer { return sshtest.Signer(t, "ecdsa") }

// authorizedLine is a public key as an authorized_keys line with a comment: `<type> <base64> <comment>`.
func authorizedLine(k ssh.PublicKey, comment string) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

// The official provider (pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go,
// SSHConfig) parses a given hostKey as an authorized_keys line, accepts only that key, and offers
// only that key's algorithm. The server here has an ECDSA and an ed25519 host key: a client
// offering its default algorithms gets the ECDSA key (x/crypto prefers it), so hostKey set to the
// ed25519 key connects only if the algorithms are restricted to the key's type.
func TestHostKeyGivenIsTheKeyTheMachineMustPresent(t *testing.T) {
	ed, ec := ed25519Signer(t), ecdsaSigner(t)
	s := newKeyServer(t, ec, ed)
	for _, hostKey := range []string{
		authorizedLine(ed.PublicKey(), "host@lab"),
		authorizedLine(ec.PublicKey(), "host@lab"),
		// A known_hosts line: ParseAuthorizedKey reads the host field as an option, so it is
		// accepted upstream too.
		"127.0.0.1 " + authorizedLine(ed.PublicKey(), "host@lab"),
	} {
		res, err := runRemote(context.Background(), "echo up", commandInputs{Connection: s.connection(hostKey)}, nil, nil)
		if err != nil || res.Stdout != "ran" {
			t.Fatalf("hostKey %q: the machine presenting it is accepted: %q %v", hostKey, res.Stdout, err)
		}
	}
}

// pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go, SSHConfig: with a hostKey,
// the check is ssh.FixedHostKey; a machine presenting any other key is refused.
func TestHostKeyOfAnotherMachineIsRefused(t *testing.T) {
	ed := ed25519Signer(t)
	s := newKeyServer(t, ed)
	other := authorizedLine(ed25519Signer(t).PublicKey(), "other@lab")
	_, err := runRemote(context.Background(), "echo up", commandInputs{Connection: s.connection(other)}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "host key mismatch") || !strings.Contains(err.Error(), "did not present connection.hostKey") {
		t.Fatalf("a machine with another key is refused, naming the mismatch: %v", err)
	}
	select {
	case <-s.accepted:
		t.Fatal("the connection went past the handshake")
	default:
	}
}

// pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go, SSHConfig: a hostKey that
// ssh.ParseAuthorizedKey cannot read fails with "failed to parse host key: ...", before any dial.
func TestHostKeyThatIsNotAKeyFailsToParse(t *testing.T) {
	ed := ed25519Signer(t)
	s := newKeyServer(t, ed)
	blob := strings.Fields(string(ssh.MarshalAuthorizedKey(ed.PublicKey())))[1]
	for _, hostKey := range []string{"", "not a key", blob} {
		c := s.connection(hostKey)
		c.DialErrorLimit = -1
		start := time.Now()
		_, err := runRemote(context.Background(), "echo up", commandInputs{Connection: c}, nil, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "failed to parse host key: ") || time.Since(start) > 2*time.Second {
			t.Fatalf("hostKey %q: %v", hostKey, err)
		}
	}
	select {
	case <-s.accepted:
		t.Fatal("a hostKey that cannot be parsed is not dialled")
	default:
	}
}

// pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go, SSHConfig: without a
// hostKey any host key is taken (ssh.InsecureIgnoreHostKey).
func TestNoHostKeyTakesAnyKey(t *testing.T) {
	s := newKeyServer(t, ed25519Signer(t))
	c := s.connection("")
	c.HostKey = nil
	if res, err := runRemote(context.Background(), "echo up", commandInputs{Connection: c}, nil, nil); err != nil || res.Stdout != "ran" {
		t.Fatalf("no hostKey: %q %v", res.Stdout, err)
	}
}

// The connection input `hostKey` is read (the schema of pulumi-command v1.2.1 has it), kept apart
// from an absent one, and listed in the schema this provider reports.
func TestHostKeyIsReadFromTheConnection(t *testing.T) {
	in, failures := parseInputs(remoteCommandType, props(map[string]any{
		"create":     "true",
		"connection": map[string]any{"host": "h", "privateKey": "k", "hostKey": "ssh-ed25519 AAAA"},
	}))
	if len(failures) != 0 || in.Connection.HostKey == nil || *in.Connection.HostKey != "ssh-ed25519 AAAA" {
		t.Fatalf("hostKey read: %v %v", in.Connection, failures)
	}
	in, _ = parseInputs(remoteCommandType, props(map[string]any{"create": "true", "connection": map[string]any{"host": "h", "privateKey": "k"}}))
	if in.Connection.HostKey != nil {
		t.Fatalf("no hostKey given: %q", *in.Connection.HostKey)
	}
	if !strings.Contains(schemaJSON(), `"hostKey":{"type":"string"}`) {
		t.Fatalf("the schema lists connection.hostKey: %s", schemaJSON())
	}
}
