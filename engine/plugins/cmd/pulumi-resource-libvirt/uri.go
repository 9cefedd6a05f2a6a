package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// The official provider is terraform-provider-libvirt v0.8.1 (what @pulumi/libvirt 0.5.4 bridges).
// Its ssh transport is libvirt/uri/ssh.go; what it does with the URI's parameters is in
// docs/official-providers.md, section 3.

// officialHostKeyAlgorithms are the host key algorithms the official provider offers, in its order
// (libvirt/uri/ssh.go, dialHost): ed25519 first. The server presents its key of the first one it
// has, so this order decides which of a host's keys known_hosts must hold.
var officialHostKeyAlgorithms = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoRSA,
	ssh.KeyAlgoRSASHA256,
	ssh.KeyAlgoRSASHA512,
	ssh.KeyAlgoSKECDSA256,
	ssh.KeyAlgoSKED25519,
	ssh.KeyAlgoECDSA256,
	ssh.KeyAlgoECDSA384,
	ssh.KeyAlgoECDSA521,
}

// Defaults of the ssh transport that are not host keys, as go-libvirt's dialer had them
// (socket/dialers/gossh.go), which this provider used before it dialled SSH itself.
const (
	defaultLibvirtSocket = "/var/run/libvirt/libvirt-sock"
	defaultSSHPort       = "22"
	sshDialTimeout       = 20 * time.Second
)

// defaultKeyFiles are the keys under ~/.ssh tried when the URI has no keyfile: the first that exists.
var defaultKeyFiles = []string{"identity", "id_dsa", "id_ecdsa", "id_ed25519", "id_rsa"}

// defaultSSHAuth are the authentication methods used when the URI has no sshauth, in order.
var defaultSSHAuth = []string{"agent", "privkey", "password", "keyboard-interactive"}

// libvirtTarget is what the provider dials for a libvirt URI: go-libvirt's own dialers for the
// unix, tcp and tls transports (SSH nil), this provider's for ssh.
type libvirtTarget struct {
	// URI is the user's URI; its driver, path and `name` say what libvirtd opens.
	URI *url.URL
	// SSH is how to reach libvirtd's socket for the ssh transport.
	SSH *sshTarget
}

// sshTarget is an ssh transport URI, translated.
type sshTarget struct {
	// Address is the host and port dialled, also the name looked up in known_hosts as the official
	// provider looks it up: port 22 matches a plain `host` line, any other port `[host]:port`.
	Address string
	// Verify says whether the host key is checked against KnownHosts; when it is, a key not there
	// is refused (never added), and a KnownHosts that cannot be read is an error.
	Verify     bool
	KnownHosts string
	// HostKeyAlgorithms are offered in this order, whether or not the key is checked.
	HostKeyAlgorithms []string
	User              string
	Password          string
	// KeyFiles are the private keys to use: the first that exists.
	KeyFiles []string
	// Auth are the authentication methods, in order: agent, privkey, password, keyboard-interactive.
	Auth    []string
	Socket  string
	Timeout time.Duration
}

// localUser is what the translation takes from the machine running the provider.
type localUser struct {
	// Name is the user name used when the URI has none.
	Name string
	// Getenv reads the environment: HOME, and what a knownhosts path refers to.
	Getenv func(string) string
}

// connectURI translates the provider's URI for the user running it.
func connectURI(raw string) (libvirtTarget, error) {
	local := localUser{Getenv: os.Getenv}
	if u, err := user.Current(); err == nil {
		local.Name = u.Username
	}
	return translateURI(raw, local)
}

// translateURI reads a libvirt URI as the official provider reads it, for the dialers this
// provider has. A parameter the official provider ignores but that asks for something else (libvirt's
// own `known_hosts`, `known_hosts_verify=auto`) is refused by name: the official provider would
// silently verify against another file, or refuse a host the URI says to accept.
func translateURI(raw string, local localUser) (libvirtTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return libvirtTarget{}, fmt.Errorf("uri %q is not a URI: %w", raw, err)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if driver == "" || u.Path == "" {
		return libvirtTarget{}, fmt.Errorf("uri %q is not a libvirt URI (like qemu+ssh://user@host/system or qemu:///system)", raw)
	}
	shown := redactURI(raw)
	switch transport {
	case "ssh":
	case "libssh", "libssh2":
		return libvirtTarget{}, fmt.Errorf("uri %s: the %s transport is not implemented by the official libvirt provider (terraform-provider-libvirt v0.8.1 dials ssh, tcp, tls and unix): use %s+ssh://", shown, transport, driver)
	default:
		return libvirtTarget{URI: u}, nil
	}
	q := u.Query()
	if q.Has("known_hosts") {
		return libvirtTarget{}, fmt.Errorf("uri %s: the official libvirt provider ignores known_hosts= (libvirt's own name; it reads knownhosts=, without the underscore) and would check ~/.ssh/known_hosts instead: use knownhosts=%s", shown, q.Get("known_hosts"))
	}
	verify := true
	switch v := q.Get("known_hosts_verify"); v {
	case "", "normal":
	case "ignore":
		verify = false
	default:
		return libvirtTarget{}, fmt.Errorf("uri %s: the official libvirt provider ignores known_hosts_verify=%s (it knows only ignore) and verifies strictly: a host whose key is not in the knownhosts= file (default ~/.ssh/known_hosts) is refused, and no key is ever added; put the host's key in that file and leave known_hosts_verify out, or use known_hosts_verify=ignore to skip the check", shown, v)
	}
	if q.Has("no_verify") {
		verify = false
	}
	switch mode := q.Get("mode"); strings.ToLower(mode) {
	case "", "legacy", "auto":
	case "direct":
		return libvirtTarget{}, fmt.Errorf("uri %s: cannot connect in direct mode", shown)
	default:
		return libvirtTarget{}, fmt.Errorf("uri %s: invalid ssh mode %v", shown, mode)
	}
	home := local.Getenv("HOME")
	t := &sshTarget{
		Verify:            verify,
		HostKeyAlgorithms: officialHostKeyAlgorithms,
		User:              local.Name,
		Auth:              defaultSSHAuth,
		Socket:            defaultLibvirtSocket,
		Timeout:           sshDialTimeout,
	}
	port := defaultSSHPort
	if p := u.Port(); p != "" {
		port = p
	}
	t.Address = net.JoinHostPort(u.Hostname(), port)
	if verify {
		// The official provider expands environment variables in the path (os.ExpandEnv), not `~`.
		k := q.Get("knownhosts")
		if k == "" {
			k = "${HOME}/.ssh/known_hosts"
		}
		t.KnownHosts = os.Expand(k, local.Getenv)
	}
	if name := u.User.Username(); name != "" {
		t.User = name
	}
	t.Password, _ = u.User.Password()
	if k := q.Get("keyfile"); k != "" {
		t.KeyFiles = []string{k}
	} else if home != "" {
		for _, k := range defaultKeyFiles {
			t.KeyFiles = append(t.KeyFiles, filepath.Join(home, ".ssh", k))
		}
	}
	if a := q.Get("sshauth"); a != "" {
		t.Auth = nil
		for _, m := range strings.Split(a, ",") {
			m = strings.ToLower(m)
			switch m {
			case "agent", "privkey", "password", "keyboard-interactive":
				t.Auth = append(t.Auth, m)
			default:
				return libvirtTarget{}, fmt.Errorf("uri %s: invalid ssh auth method %v", shown, m)
			}
		}
	}
	if s := q.Get("socket"); s != "" {
		t.Socket = s
	}
	return libvirtTarget{URI: u, SSH: t}, nil
}
