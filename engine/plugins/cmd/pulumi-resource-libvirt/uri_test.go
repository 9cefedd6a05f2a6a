package main

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testLocal is a machine whose user is "runner", with HOME /home/runner.
var testLocal = localUser{Name: "runner", Getenv: func(k string) string {
	return map[string]string{"HOME": "/home/runner", "LAB": "/var/lib/lab"}[k]
}}

func sshTargetOf(t *testing.T, raw string) sshTarget {
	t.Helper()
	target, err := translateURI(raw, testLocal)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if target.SSH == nil {
		t.Fatalf("%s: not dialled over ssh", raw)
	}
	return *target.SSH
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): the known_hosts file is the
// `knownhosts` parameter (no underscore), environment variables expanded, else
// ${HOME}/.ssh/known_hosts; the check is strict unless the URI says otherwise.
func TestURIKnownHostsFileIsKnownhosts(t *testing.T) {
	got := sshTargetOf(t, "qemu+ssh://root@10.0.0.1/system?knownhosts=/var/lib/lab/known_hosts")
	if !got.Verify || got.KnownHosts != "/var/lib/lab/known_hosts" {
		t.Fatalf("knownhosts= is the file, checked: %+v", got)
	}
	got = sshTargetOf(t, "qemu+ssh://root@10.0.0.1/system?knownhosts=${LAB}/kh")
	if got.KnownHosts != "/var/lib/lab/kh" {
		t.Fatalf("environment variables are expanded: %q", got.KnownHosts)
	}
	got = sshTargetOf(t, "qemu+ssh://root@10.0.0.1/system")
	if !got.Verify || got.KnownHosts != "/home/runner/.ssh/known_hosts" {
		t.Fatalf("the default is ~/.ssh/known_hosts, checked: %+v", got)
	}
	got = sshTargetOf(t, "qemu+ssh://root@10.0.0.1/system?known_hosts_verify=normal")
	if !got.Verify {
		t.Fatal("known_hosts_verify=normal means nothing upstream: the check stays strict")
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): known_hosts_verify=ignore
// skips the check, and so does no_verify with any value (q.Has), even 0 or none.
func TestURISkipsTheHostKeyCheckOnlyWhereUpstreamDoes(t *testing.T) {
	for _, raw := range []string{
		"qemu+ssh://root@h/system?known_hosts_verify=ignore",
		"qemu+ssh://root@h/system?no_verify=1",
		"qemu+ssh://root@h/system?no_verify=0",
		"qemu+ssh://root@h/system?no_verify",
		"qemu+ssh://root@h/system?knownhosts=/k&no_verify=",
	} {
		if got := sshTargetOf(t, raw); got.Verify {
			t.Errorf("%s: the host key is not checked: %+v", raw, got)
		}
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go: it does not read libvirt's own
// `known_hosts`, and knows no known_hosts_verify but ignore. Upstream ignores them silently and
// checks ~/.ssh/known_hosts strictly; ours refuses them, saying so.
func TestURIRefusesWhatUpstreamIgnores(t *testing.T) {
	for raw, want := range map[string][]string{
		"qemu+ssh://root@h/system?known_hosts=/lab/known_hosts": {"ignores known_hosts=", "use knownhosts=/lab/known_hosts"},
		"xen+ssh://root@h/system?knownhosts=/k&known_hosts_verify=auto": {
			"ignores known_hosts_verify=auto", "verifies strictly", "knownhosts=", "no key is ever added",
		},
		"qemu+ssh://root@h/system?known_hosts_verify=yes": {"ignores known_hosts_verify=yes"},
		"qemu+libssh://root@h/system?known_hosts=/k":      {"libssh transport is not implemented by the official libvirt provider", "use qemu+ssh://"},
	} {
		_, err := translateURI(raw, testLocal)
		if err == nil {
			t.Errorf("%s is accepted", raw)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", raw, err, w)
			}
		}
	}
}

// terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go (dialHost): the host key algorithms are a
// fixed list, ed25519 first, offered whether or not the key is checked.
func TestURIOffersEd25519First(t *testing.T) {
	for _, raw := range []string{"qemu+ssh://root@h/system", "qemu+ssh://root@h/system?no_verify=1"} {
		got := sshTargetOf(t, raw).HostKeyAlgorithms
		if len(got) != 9 || got[0] != ssh.KeyAlgoED25519 || slices.Index(got, ssh.KeyAlgoRSASHA256) > slices.Index(got, ssh.KeyAlgoECDSA256) {
			t.Fatalf("%s: %v", raw, got)
		}
	}
}

// The host checked in known_hosts is the URI's host and port: port 22 a plain line, any other
// `[host]:port`.
func TestURIAddressAndTheRestOfTheSSHTransport(t *testing.T) {
	got := sshTargetOf(t, "qemu+ssh://admin:pw@10.0.0.1:2222/system?keyfile=/k&sshauth=privkey,Password&socket=/run/s")
	want := sshTarget{Address: "10.0.0.1:2222", Verify: true, KnownHosts: "/home/runner/.ssh/known_hosts",
		User: "admin", Password: "pw", KeyFiles: []string{"/k"}, Auth: []string{"privkey", "password"}, Socket: "/run/s"}
	if got.Address != want.Address || got.User != want.User || got.Password != want.Password || !slices.Equal(got.KeyFiles, want.KeyFiles) ||
		!slices.Equal(got.Auth, want.Auth) || got.Socket != want.Socket || got.KnownHosts != want.KnownHosts {
		t.Fatalf("got %+v", got)
	}
	got = sshTargetOf(t, "qemu+ssh://h/system")
	if got.Address != "h:22" || got.User != "runner" || got.Socket != defaultLibvirtSocket || len(got.KeyFiles) != len(defaultKeyFiles) ||
		!slices.Equal(got.Auth, defaultSSHAuth) {
		t.Fatalf("defaults: %+v", got)
	}
	if _, err := translateURI("qemu+ssh://h/system?sshauth=ssh-password", testLocal); err == nil || !strings.Contains(err.Error(), "invalid ssh auth method ssh-password") {
		t.Fatalf("an unknown auth method: %v", err)
	}
	if _, err := translateURI("qemu+ssh://h/system?mode=direct", testLocal); err == nil {
		t.Fatal("direct mode is refused")
	}
}

// The unix, tcp and tls transports go to go-libvirt's dialers as they are; a URI that is not a
// libvirt URI is refused, and a password never shows in a message.
func TestURIOtherTransportsAndBadURIs(t *testing.T) {
	for _, raw := range []string{"qemu:///system", "qemu+tcp://h/system", "qemu+tls://h/system", "qemu://h/system"} {
		got, err := translateURI(raw, testLocal)
		if err != nil || got.SSH != nil || got.URI.String() != raw {
			t.Errorf("%s: %+v %v", raw, got, err)
		}
	}
	for _, raw := range []string{"not a uri", "%zz", "qemu+ssh://h"} {
		if _, err := translateURI(raw, testLocal); err == nil {
			t.Errorf("%s is accepted", raw)
		}
	}
	_, err := translateURI("qemu+ssh://u:secret@h/system?known_hosts=/k", testLocal)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("the password is not shown: %v", err)
	}
	if got := redactURI("qemu+ssh://u:secret@h/system"); strings.Contains(got, "secret") {
		t.Fatalf("password shown: %s", got)
	}
}
