package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// killGrace is how long a cancelled command has between SIGTERM and SIGKILL.
const killGrace = 10 * time.Second

// outputDrain is how long output is still read after the command has exited.
const outputDrain = 2 * time.Second

// errorTailLines is how much of a failed command's output its error carries.
const errorTailLines = 60

// previous are the outputs of the command's last create or update, handed to the next run.
type previous struct{ Stdout, Stderr string }

// runResult is what one run of a command printed.
type runResult struct{ Stdout, Stderr string }

// lineLogger shows one line of a command's output in the engine's progress.
type lineLogger func(line string)

// runCommand runs one command line with the Command's interpreter, directory, environment and
// stdin. The command runs in its own process group: when ctx ends, the whole group gets SIGTERM,
// then SIGKILL after killGrace. Output is captured whole (one trailing newline trimmed) and,
// as the inputs' `logging` says, each line is passed to log as it comes.
func runCommand(ctx context.Context, line string, in commandInputs, prev *previous, log lineLogger) (runResult, error) {
	argv := append(append([]string{}, in.Interpreter...), line)
	if len(in.Interpreter) == 0 {
		argv = []string{"/bin/sh", "-c", line}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = in.Dir
	cmd.Env = commandEnvironment(os.Environ(), in, prev)
	if in.Stdin != "" {
		cmd.Stdin = strings.NewReader(in.Stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A daemon started by the command may hold its output open: stop reading outputDrain after
	// the command itself exits.
	cmd.WaitDelay = outputDrain

	out := captureOutput(in, log)
	cmd.Stdout, cmd.Stderr = out.stdoutW, out.stderrW

	if err := cmd.Start(); err != nil {
		out.finish()
		return runResult{}, fmt.Errorf("cannot start %q: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
		if errors.Is(err, exec.ErrWaitDelay) {
			err = nil
		}
	case <-ctx.Done():
		terminateGroup(cmd.Process.Pid)
		err = <-done
		if err == nil {
			err = ctx.Err()
		} else {
			err = fmt.Errorf("cancelled: %w", err)
		}
	}
	res, combined := out.finish()
	if err != nil {
		return res, fmt.Errorf("%w: running %q:\n%s", err, line, tail(combined, errorTailLines))
	}
	return res, nil
}

// outputCapture collects a command's two streams whole, and both together for its error, and
// passes each line to log as the inputs' `logging` says.
type outputCapture struct {
	stdoutW, stderrW *io.PipeWriter
	stdout, stderr   bytes.Buffer
	combined         lockedBuffer
	readers          sync.WaitGroup
}

// captureOutput starts reading; the process writes to stdoutW and stderrW.
func captureOutput(in commandInputs, log lineLogger) *outputCapture {
	c := &outputCapture{}
	stdoutPipe, stdoutW := io.Pipe()
	stderrPipe, stderrW := io.Pipe()
	c.stdoutW, c.stderrW = stdoutW, stderrW
	c.readers.Add(2)
	go copyLines(&c.readers, stdoutPipe, &c.stdout, &c.combined, logIf(in.Logging.stdout(), log))
	go copyLines(&c.readers, stderrPipe, &c.stderr, &c.combined, logIf(in.Logging.stderr(), log))
	return c
}

// finish closes the streams, waits for their last lines, and returns what each carried (one
// trailing newline trimmed) and both together.
func (c *outputCapture) finish() (runResult, string) {
	c.stdoutW.Close()
	c.stderrW.Close()
	c.readers.Wait()
	return runResult{Stdout: strings.TrimSuffix(c.stdout.String(), "\n"), Stderr: strings.TrimSuffix(c.stderr.String(), "\n")}, c.combined.String()
}

// commandEnvironment is the process environment plus the Command's `environment` (sorted, so a
// run is reproducible) and, unless disabled, the previous run's outputs.
func commandEnvironment(base []string, in commandInputs, prev *previous) []string {
	env := append([]string{}, base...)
	keys := make([]string, 0, len(in.Environment))
	for k := range in.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+in.Environment[k])
	}
	if in.AddPreviousOutputInEnv && prev != nil {
		if prev.Stdout != "" {
			env = append(env, "PULUMI_COMMAND_STDOUT="+prev.Stdout)
		}
		if prev.Stderr != "" {
			env = append(env, "PULUMI_COMMAND_STDERR="+prev.Stderr)
		}
	}
	return env
}

// terminateGroup sends SIGTERM to a process group, and SIGKILL after killGrace.
func terminateGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	time.AfterFunc(killGrace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
}

func logIf(on bool, log lineLogger) lineLogger {
	if !on || log == nil {
		return nil
	}
	return log
}

// copyLines copies a stream into its own buffer and the combined one, a line at a time.
func copyLines(wg *sync.WaitGroup, r io.Reader, own *bytes.Buffer, combined *lockedBuffer, log lineLogger) {
	defer wg.Done()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			own.WriteString(line)
			combined.WriteString(line)
			if log != nil {
				log(strings.TrimRight(line, "\r\n"))
			}
		}
		if err != nil {
			return
		}
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return fmt.Sprintf("[... %d earlier lines]\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}

// lockedBuffer is a buffer that two streams write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
