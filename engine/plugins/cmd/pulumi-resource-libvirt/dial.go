package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	golibvirt "github.com/digitalocean/go-libvirt"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// connect opens the connection to libvirtd the URI names: through this provider's SSH dialer for
// the ssh transport, else through go-libvirt's own dialers.
func (t libvirtTarget) connect() (*golibvirt.Libvirt, error) {
	if t.SSH == nil {
		return golibvirt.ConnectToURI(t.URI)
	}
	l := golibvirt.NewWithDialer(sshDialer{t: *t.SSH})
	if err := l.ConnectToURI(golibvirt.RemoteURI(t.URI)); err != nil {
		return nil, fmt.Errorf("failed to connect to libvirt: %w", err)
	}
	return l, nil
}

// sshDialer reaches libvirtd's unix socket on a remote machine through an SSH connection, checking
// the machine's key as the official provider does (translateURI).
type sshDialer struct{ t sshTarget }

// Dial implements go-libvirt's socket.Dialer.
func (d sshDialer) Dial() (net.Conn, error) {
	t := d.t
	check, err := t.hostKeyCallback()
	if err != nil {
		return nil, err
	}
	auth := &sshAuth{}
	config := &ssh.ClientConfig{
		User:              t.User,
		Auth:              auth.methods(t),
		HostKeyCallback:   check,
		HostKeyAlgorithms: t.HostKeyAlgorithms,
		Timeout:           t.Timeout,
	}
	client, err := ssh.Dial("tcp", t.Address, config)
	if err != nil {
		if strings.Contains(err.Error(), "unable to authenticate") {
			err = errors.Join(append([]error{err}, auth.errs...)...)
		}
		return nil, err
	}
	c, err := client.Dial("unix", t.Socket)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("failed to connect to remote libvirt socket %s: %w", t.Socket, err)
	}
	return tunnel{Conn: c, client: client}, nil
}

// hostKeyCallback checks the machine's key against the known_hosts file, where the URI asks for
// a check: a key that is not there is refused and not added, and a file that cannot be read fails
// the dial (the official provider: "failed to read ssh known hosts").
func (t sshTarget) hostKeyCallback() (ssh.HostKeyCallback, error) {
	if !t.Verify {
		return ssh.InsecureIgnoreHostKey(), nil //nolint:gosec // the URI says known_hosts_verify=ignore or no_verify
	}
	known, err := knownhosts.New(t.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("failed to read ssh known hosts: %w (the URI's knownhosts=, default ~/.ssh/known_hosts, must hold %s's key)", err, t.Address)
	}
	return func(_ string, remote net.Addr, key ssh.PublicKey) error {
		err := known(t.Address, remote, key)
		var keyErr *knownhosts.KeyError
		if errors.As(err, &keyErr) && len(keyErr.Want) == 0 {
			return fmt.Errorf("host key of %s is not in %s, and is not added (add the host's %s key there): %w", t.Address, t.KnownHosts, key.Type(), err)
		}
		if err != nil {
			return fmt.Errorf("host key of %s (%s) does not match %s: %w", t.Address, key.Type(), t.KnownHosts, err)
		}
		return nil
	}, nil
}

// tunnel is the stream to libvirtd's socket; closing it closes its SSH connection too.
type tunnel struct {
	net.Conn
	client *ssh.Client
}

func (c tunnel) Close() error {
	err := c.Conn.Close()
	_ = c.client.Close()
	return err
}

// sshAuth builds the authentication methods of the URI's sshauth and records why one is missing.
type sshAuth struct {
	signers []ssh.Signer
	errs    []error
}

func (a *sshAuth) methods(t sshTarget) []ssh.AuthMethod {
	var out []ssh.AuthMethod
	// One publickey method serves the agent's keys and the key file, placed where the first of
	// them is: a client may offer publickey only once.
	withKeys := false
	shared := func() {
		if len(a.signers) > 0 && !withKeys {
			withKeys = true
			out = append(out, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) { return a.signers, nil }))
		}
	}
	for _, m := range t.Auth {
		switch m {
		case "agent":
			sock := os.Getenv("SSH_AUTH_SOCK")
			if sock == "" {
				continue
			}
			conn, err := net.Dial("unix", sock)
			if err != nil {
				a.errs = append(a.errs, fmt.Errorf("failed to connect to agent socket %v: %w", sock, err))
				continue
			}
			signers, err := agent.NewClient(conn).Signers()
			if err != nil {
				a.errs = append(a.errs, fmt.Errorf("failed to get signers from agent: %w", err))
				continue
			}
			a.signers = append(a.signers, signers...)
			shared()
		case "privkey":
			file := firstExisting(t.KeyFiles)
			if file == "" {
				a.errs = append(a.errs, fmt.Errorf("no ssh key: none of %s exists (give the URI a keyfile=)", strings.Join(t.KeyFiles, ", ")))
				continue
			}
			pem, err := os.ReadFile(file)
			if err != nil {
				a.errs = append(a.errs, fmt.Errorf("failed to read ssh key %v: %w", file, err))
				continue
			}
			signer, err := ssh.ParsePrivateKey(pem)
			if err != nil {
				a.errs = append(a.errs, fmt.Errorf("failed to parse ssh key %v: %w", file, err))
				continue
			}
			a.signers = append(a.signers, signer)
			shared()
		case "password":
			if t.Password == "" {
				a.errs = append(a.errs, errors.New("no ssh password set"))
				continue
			}
			out = append(out, ssh.Password(t.Password))
		}
	}
	return out
}

// firstExisting is the first of files that exists; a single file is taken as it is (its read
// then says what is wrong); "" when none of several exists.
func firstExisting(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}
