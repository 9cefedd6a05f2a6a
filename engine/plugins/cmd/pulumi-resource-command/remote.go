package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// Defaults of the @pulumi/command SDK's remote ConnectionArgs.
const (
	defaultSSHPort        = 22
	defaultSSHUser        = "root"
	defaultDialErrorLimit = 10
	defaultPerDialTimeout = 15
)

// Pauses between dial attempts: the first, the factor, the longest.
const (
	dialPause       = time.Second
	dialPauseFactor = 1.5
	dialPauseMax    = 5 * time.Second
)

// sshConnection is a remote Command's `connection`, once checked.
type sshConnection struct {
	Host               string
	Port               int
	User               string
	PrivateKey         string
	PrivateKeyPassword string
	Password           string
	// DialErrorLimit is how many failed dials are retried; -1 retries until cancelled.
	DialErrorLimit int
	// PerDialTimeout bounds one dial, in seconds.
	PerDialTimeout int
	// HostKey is the key the machine must present, an authorized_keys line (`<type> <base64>
	// [comment]`); nil when not given, and then the machine's key is not checked.
	HostKey *string
}

// parseConnection reads a remote Command's `connection`; r reports each problem.
func parseConnection(r providerkit.Reader) *sshConnection {
	orDefault := func(key string, least float64, dflt int) int {
		if _, ok := r.Value(key); !ok {
			return dflt
		}
		return int(r.Number(key, least))
	}
	c := &sshConnection{
		Host:               r.Required("host", "the address of the machine to run the command on"),
		User:               r.Str("user"),
		PrivateKey:         r.Str("privateKey"),
		PrivateKeyPassword: r.Str("privateKeyPassword"),
		Password:           r.Str("password"),
		Port:               orDefault("port", 1, defaultSSHPort),
		DialErrorLimit:     orDefault("dialErrorLimit", -1, defaultDialErrorLimit),
		PerDialTimeout:     orDefault("perDialTimeout", 1, defaultPerDialTimeout),
	}
	if _, ok := r.Value("hostKey"); ok {
		key := r.Str("hostKey")
		c.HostKey = &key
	}
	if c.User == "" {
		c.User = defaultSSHUser
	}
	if c.Port > 65535 {
		r.Fail("port", "must be at most 65535, got %d", c.Port)
	}
	if c.PrivateKey == "" && c.Password == "" && !r.Unknown() {
		r.Fail("", "needs a privateKey or a password for %s@%s", c.User, c.Host)
	}
	r.Refuse("agentSocketPath", "proxy")
	return c
}

// clientConfig is the SSH client configuration for the connection. As @pulumi/command's own
// provider (v1.2.1), it checks the host key only when `hostKey` is given: then the machine must
// present exactly that key, and only that key's algorithm is offered; without it any key is taken.
func (c *sshConnection) clientConfig() (*ssh.ClientConfig, error) {
	hostKeyCallback := ssh.InsecureIgnoreHostKey() //nolint:gosec // no hostKey given: as @pulumi/command does
	var hostKeyAlgorithms []string
	if c.HostKey != nil {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("failed to parse host key: %w (connection.hostKey must be an authorized_keys line: <type> <base64> [comment])", err)
		}
		hostKeyCallback = ssh.FixedHostKey(key)
		hostKeyAlgorithms = []string{key.Type()}
	}
	var auth []ssh.AuthMethod
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			return nil, fmt.Errorf("connection.privateKey cannot be read: %w", err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if c.Password != "" {
		auth = append(auth, ssh.Password(c.Password))
	}
	return &ssh.ClientConfig{
		User:              c.User,
		Auth:              auth,
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: hostKeyAlgorithms,
		Timeout:           time.Duration(c.PerDialTimeout) * time.Second,
	}, nil
}

func (c *sshConnection) endpoint() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// dial connects, retrying failed dials up to DialErrorLimit times (a machine that is still
// booting refuses connections for a while), with a growing pause and a progress line each time.
func (c *sshConnection) dial(ctx context.Context, log lineLogger) (*ssh.Client, error) {
	config, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	pause := dialPause
	for try := 1; ; try++ {
		client, err := dialContext(ctx, c.endpoint(), config)
		if err == nil {
			return client, nil
		}
		var authErr *ssh.ServerAuthError
		if errors.As(err, &authErr) || strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("%s@%s refused the key or password: %w", c.User, c.endpoint(), err)
		}
		if c.DialErrorLimit >= 0 && try > c.DialErrorLimit {
			if strings.Contains(err.Error(), "host key mismatch") {
				return nil, fmt.Errorf("%s did not present connection.hostKey, after %d attempts (connection.dialErrorLimit): %w", c.endpoint(), try, err)
			}
			return nil, fmt.Errorf("cannot reach %s after %d attempts (connection.dialErrorLimit): %w", c.endpoint(), try, err)
		}
		if log != nil {
			log(fmt.Sprintf("ssh %s: attempt %d failed (%v); retrying", c.endpoint(), try, err))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(time.Duration(float64(pause)*dialPauseFactor), dialPauseMax)
	}
}

// dialContext is ssh.Dial that a cancelled context interrupts.
func dialContext(ctx context.Context, addr string, config *ssh.ClientConfig) (*ssh.Client, error) {
	d := net.Dialer{Timeout: config.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if config.Timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(config.Timeout))
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// runRemote runs one command line on the connection's machine, in the login shell of its user,
// with the Command's environment and stdin. When ctx ends, the command gets SIGTERM and the
// session is closed after killGrace.
func runRemote(ctx context.Context, line string, in commandInputs, prev *previous, log lineLogger) (runResult, error) {
	c := in.Connection
	client, err := c.dial(ctx, log)
	if err != nil {
		return runResult{}, err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return runResult{}, fmt.Errorf("ssh %s: cannot open a session: %w", c.endpoint(), err)
	}
	defer session.Close()
	for _, kv := range commandEnvironment(nil, in, nil) {
		k, v, _ := strings.Cut(kv, "=")
		if err := session.Setenv(k, v); err != nil {
			return runResult{}, fmt.Errorf("ssh %s refused environment variable %s: the server must accept it (sshd_config AcceptEnv %s)", c.endpoint(), k, k)
		}
	}
	if in.AddPreviousOutputInEnv && prev != nil {
		// Best effort, as the upstream provider: most servers refuse variables they do not list.
		_ = session.Setenv("PULUMI_COMMAND_STDOUT", prev.Stdout)
		_ = session.Setenv("PULUMI_COMMAND_STDERR", prev.Stderr)
	}
	if in.Stdin != "" {
		session.Stdin = strings.NewReader(in.Stdin)
	}
	// sshd starts the command as the leader of a new session and process group; the marker lets
	// a cancel find that group from a second session and stop all of it, not only the shell.
	marker, err := resource.NewUniqueHex("hvnetlab-cmd-", 8, 0)
	if err != nil {
		return runResult{}, err
	}
	out := captureOutput(in, log)
	session.Stdout, session.Stderr = out.stdoutW, out.stderrW
	done := make(chan error, 1)
	if err := session.Start(": " + marker + "; " + line); err != nil {
		out.finish()
		return runResult{}, fmt.Errorf("ssh %s: cannot start the command: %w", c.endpoint(), err)
	}
	go func() { done <- session.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		stopRemoteGroup(client, marker, "TERM")
		select {
		case err = <-done:
		case <-time.After(killGrace):
			stopRemoteGroup(client, marker, "KILL")
			client.Close()
			err = <-done
		}
		err = fmt.Errorf("cancelled: %w", errors.Join(ctx.Err(), err))
	}
	res, combined := out.finish()
	if err != nil {
		return res, fmt.Errorf("%w: running on %s@%s:\n%s", err, c.User, c.endpoint(), tail(combined, errorTailLines))
	}
	return res, nil
}

// stopRemoteGroup signals the process group of the command that carries marker, from a second
// session on the same connection.
func stopRemoteGroup(client *ssh.Client, marker, signal string) {
	s, err := client.NewSession()
	if err != nil {
		return
	}
	defer s.Close()
	_ = s.Run(fmt.Sprintf(`for p in $(pgrep -f '^[^ ]+ -c : %s;'); do kill -%s -- -"$p"; done`, marker, signal))
}

// connectionSchema is the `connection` input of the remote Command, as this provider reads it.
func connectionSchema() map[string]any {
	str := map[string]any{"type": "string"}
	secret := map[string]any{"type": "string", "secret": true}
	num := map[string]any{"type": "integer"}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"host": str, "port": num, "user": str,
			"privateKey": secret, "privateKeyPassword": secret, "password": secret,
			"dialErrorLimit": num, "perDialTimeout": num, "hostKey": str,
		},
		"required": []string{"host"},
	}
}
