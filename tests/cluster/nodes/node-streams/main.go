// Command node-streams serves the kubelet's streaming endpoints for the test control plane's
// fake nodes: /containerLogs, /exec, /attach and /portForward, which kube-apiserver proxies
// pods/log, pods/exec, pods/attach and pods/portforward to. kwok keeps the nodes and pods'
// lifecycle on its own address; this server is the port the nodes advertise.
//
// The wire protocols (SPDY and WebSocket channels, exit-code statuses, port-forward framing)
// come from k8s.io/cri-streaming and the log reader from k8s.io/cri-client, the libraries a real
// kubelet uses. What a "container" is here:
//
//   - logs: the CRI-format file <pods-dir>/<namespace>/<pod>/<container>.log;
//   - attach: follows that file from its current end;
//   - exec: a local process in <sandbox-dir>, with its exit code reported as a real node does
//     (NonZeroExitCode) and stdin closed when the client closes it; with a TTY, on a local
//     pseudo-terminal that follows the client's size;
//   - port-forward: the TCP address written in <pods-dir>/<namespace>/<pod>/ports/<port>.
//
// With --kubeconfig, a pod's deletion ends its streams as a kubelet's killing of its containers
// does: a followed log and an attach end, an exec'd command is killed (pods.go).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	criapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	crilogs "k8s.io/cri-client/pkg/logs"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// Timeouts as the kubelet's defaults: an idle stream is closed after 4 hours; the client has
// 30 seconds to open the streams it announced.
const (
	idleTimeout           = 4 * time.Hour
	streamCreationTimeout = 30 * time.Second
)

type node struct {
	podsDir    string
	sandboxDir string
	pods       *podWatch
}

func main() {
	addr := flag.String("address", "127.0.0.1:10250", "host:port to serve on (TLS)")
	cert := flag.String("tls-cert-file", "", "serving certificate (PEM)")
	key := flag.String("tls-private-key-file", "", "serving key (PEM)")
	clientCA := flag.String("client-ca-file", "", "CA that signs the apiserver's kubelet client certificate; empty: no client certificate required")
	clientCN := flag.String("client-cn", "", "with --client-ca-file: the only common name accepted (the apiserver's kubelet client); empty: any")
	podsDir := flag.String("pods-dir", "", "root of <namespace>/<pod>/<container>.log and <namespace>/<pod>/ports/<port>")
	sandboxDir := flag.String("sandbox-dir", "", "working directory of exec'd commands")
	kubeconfig := flag.String("kubeconfig", "", "the nodes' access to the apiserver, to end a pod's streams when it is deleted; empty: they never end for that")
	flag.Parse()
	if *cert == "" || *key == "" || *podsDir == "" || *sandboxDir == "" {
		log.Fatal("node-streams: --tls-cert-file, --tls-private-key-file, --pods-dir and --sandbox-dir are required")
	}
	for _, d := range []string{*podsDir, *sandboxDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			log.Fatalf("node-streams: %v", err)
		}
	}
	n := &node{podsDir: *podsDir, sandboxDir: *sandboxDir}
	if *kubeconfig != "" {
		var err error
		if n.pods, err = newPodWatch(*kubeconfig); err != nil {
			log.Fatalf("node-streams: --kubeconfig: %v", err)
		}
	}

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if *clientCA != "" {
		pem, err := os.ReadFile(*clientCA)
		if err != nil {
			log.Fatalf("node-streams: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			log.Fatalf("node-streams: no certificate in %s", *clientCA)
		}
		tlsConfig.ClientCAs = pool
		// /healthz stays reachable without a certificate; the streams require one (below).
		tlsConfig.ClientAuth = tls.VerifyClientCertIfGiven
	}
	srv := &http.Server{
		Addr:              *addr,
		Handler:           n.routes(*clientCA != "", *clientCN),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.Default(),
	}
	log.Printf("node-streams: serving on https://%s (pods %s, sandbox %s)", *addr, *podsDir, *sandboxDir)
	log.Fatal(srv.ListenAndServeTLS(*cert, *key))
}

// routes serves the kubelet paths. Exec runs commands on this machine, so with a client CA
// only a verified certificate (of clientCN, when set) reaches anything but /healthz: the
// apiserver, which authorized the request, not any local client.
func (n *node) routes(requireClientCert bool, clientCN string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", n.serveLogs)
	for _, p := range []string{"/exec/{ns}/{pod}/{container}", "/exec/{ns}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, n.serveExec)
	}
	for _, p := range []string{"/attach/{ns}/{pod}/{container}", "/attach/{ns}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, n.serveAttach)
	}
	for _, p := range []string{"/portForward/{ns}/{pod}", "/portForward/{ns}/{pod}/{uid}"} {
		mux.HandleFunc(p, n.servePortForward)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requireClientCert && r.URL.Path != "/healthz" {
			if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
				http.Error(w, "a client certificate signed by the cluster CA is required", http.StatusUnauthorized)
				return
			}
			if cn := r.TLS.PeerCertificates[0].Subject.CommonName; clientCN != "" && cn != clientCN {
				http.Error(w, fmt.Sprintf("%q may not use the kubelet API: only %q", cn, clientCN), http.StatusForbidden)
				return
			}
		}
		log.Printf("%s %s", r.Method, r.URL.Path)
		mux.ServeHTTP(w, r)
	})
}

// safeName rejects path elements that would leave the pod's directory. The apiserver already
// validated them as DNS names; this guards direct requests.
func safeName(parts ...string) error {
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "/\\\x00") {
			return fmt.Errorf("invalid name %q", p)
		}
	}
	return nil
}

// logPath returns the container's log file, creating it empty if missing: a container that has
// written nothing yet has an empty log, and following it must work.
func (n *node) logPath(ns, pod, container string) (string, error) {
	if err := safeName(ns, pod, container); err != nil {
		return "", err
	}
	dir := filepath.Join(n.podsDir, ns, pod)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, container+".log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return "", err
	}
	return path, f.Close()
}

// containerState answers the log reader's "is the container still running": yes while its pod
// is alive, so that `follow` ends when the client goes away or when the pod is deleted (the
// reader then sends what is left of the file and stops), as for a container that never exits
// on its own.
type containerState struct {
	criapi.RuntimeService
	alive context.Context
}

func (c containerState) ContainerStatus(context.Context, string, bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_RUNNING
	if podGone(c.alive) {
		state = runtimeapi.ContainerState_CONTAINER_EXITED
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{State: state}}, nil
}

// logOptions reads the kubelet's /containerLogs query (the v1 PodLogOptions fields, and the
// legacy `tail`) into the log reader's options.
func logOptions(q map[string][]string, now time.Time) (*crilogs.LogOptions, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	opts := &crilogs.LogOptions{}
	var err error
	boolean := func(k string) bool {
		v := get(k)
		if v == "" {
			return false
		}
		b, e := strconv.ParseBool(v)
		if e != nil && err == nil {
			err = fmt.Errorf("%s=%q is not a boolean", k, v)
		}
		return b
	}
	integer := func(k string) *int64 {
		v := get(k)
		if v == "" {
			return nil
		}
		i, e := strconv.ParseInt(v, 10, 64)
		if e != nil && err == nil {
			err = fmt.Errorf("%s=%q is not an integer", k, v)
		}
		return &i
	}
	opts.Follow = boolean("follow")
	opts.Timestamp = boolean("timestamps")
	if boolean("previous") && err == nil {
		err = errors.New("previous logs are not kept: containers on kubeno's test nodes never restart")
	}
	opts.LimitBytes = integer("limitBytes")
	opts.TailLines = integer("tailLines")
	if t := get("tail"); t != "" && t != "all" && opts.TailLines == nil {
		opts.TailLines = integer("tail")
	}
	if s := integer("sinceSeconds"); s != nil {
		opts.Since = now.Add(-time.Duration(*s) * time.Second)
	}
	if v := get("sinceTime"); v != "" {
		t, e := time.Parse(time.RFC3339, v)
		if e != nil && err == nil {
			err = fmt.Errorf("sinceTime=%q is not an RFC 3339 time", v)
		}
		if t.After(opts.Since) {
			opts.Since = t
		}
	}
	return opts, err
}

func (n *node) serveLogs(w http.ResponseWriter, r *http.Request) {
	path, err := n.logPath(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts, err := logOptions(r.URL.Query(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	out := &flushWriter{w: w}
	if f, ok := w.(http.Flusher); ok {
		out.f = f
	}
	alive, stop := n.pods.whileAlive(r.Context(), r.PathValue("ns"), r.PathValue("pod"))
	defer stop()
	if err := crilogs.ReadLogs(r.Context(), path, "", opts, containerState{alive: alive}, out, out); err != nil && r.Context().Err() == nil {
		log.Printf("logs %s: %v", path, err)
	}
}

// flushWriter sends every write at once, so `follow` shows lines as they are appended.
type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (fw *flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	if fw.f != nil {
		fw.f.Flush()
	}
	return n, err
}

// Executor, Attacher and PortForwarder receive the pod as "<namespace>/<pod>".
func splitPod(name string) (string, string, error) {
	ns, pod, ok := strings.Cut(name, "/")
	if !ok {
		return "", "", fmt.Errorf("invalid pod %q", name)
	}
	return ns, pod, safeName(ns, pod)
}

func (n *node) serveExec(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "no command", http.StatusBadRequest)
		return
	}
	remotecommand.ServeExec(w, r, n, r.PathValue("ns")+"/"+r.PathValue("pod"), r.PathValue("uid"),
		r.PathValue("container"), cmd, opts, idleTimeout, streamCreationTimeout,
		remotecommand.SupportedStreamingProtocols)
}

// ExecInContainer runs cmd as a local process in the sandbox directory. A non-zero exit comes
// back as a utilexec.ExitError, which ServeExec turns into the NonZeroExitCode status a kubelet
// sends; stdin is closed for the process when the client closes its stdin stream.
func (n *node) ExecInContainer(ctx context.Context, name, _ string, container string, cmd []string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	ns, pod, err := splitPod(name)
	if err != nil {
		return err
	}
	// Killed when the pod is deleted, as with its container: the client sees exit code 137.
	alive, stop := n.pods.whileAlive(ctx, ns, pod)
	defer stop()
	c := exec.CommandContext(alive, cmd[0], cmd[1:]...)
	c.Dir = n.sandboxDir
	c.Env = append(os.Environ(), "HOSTNAME="+pod, "KUBENO_POD_NAMESPACE="+ns, "KUBENO_POD_NAME="+pod, "KUBENO_CONTAINER_NAME="+container)
	// Its own process group, so that cancelling the stream stops what the command started.
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	if tty {
		return execTTY(c, in, out, resize)
	}
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Background children that keep stdout open must not hold the stream forever.
	c.WaitDelay = 5 * time.Second
	if out != nil {
		c.Stdout = out
	}
	if errOut != nil {
		c.Stderr = errOut
	}
	var stdin io.WriteCloser
	if in != nil {
		if stdin, err = c.StdinPipe(); err != nil {
			return err
		}
	}
	if err := c.Start(); err != nil {
		return err
	}
	if stdin != nil {
		// Not waited for: a process may exit without reading its input.
		go func() {
			_, _ = io.Copy(stdin, in)
			_ = stdin.Close()
		}()
	}
	return exitError(c.Wait())
}

// execTTY runs c on a new pseudo-terminal (its own session, the terminal as controlling tty):
// one output stream, input as typed, the window size as the client reports it.
func execTTY(c *exec.Cmd, in io.Reader, out io.Writer, resize <-chan remotecommand.TerminalSize) error {
	f, err := pty.Start(c)
	if err != nil {
		return err
	}
	defer f.Close()
	go func() {
		for size := range resize {
			_ = pty.Setsize(f, &pty.Winsize{Rows: size.Height, Cols: size.Width})
		}
	}()
	if in != nil {
		go func() { _, _ = io.Copy(f, in) }()
	}
	if out == nil {
		out = io.Discard
	}
	// Ends (EIO) once the command and whatever it started have closed the terminal.
	_, _ = io.Copy(out, f)
	return exitError(c.Wait())
}

// exitError turns a non-zero exit into the utilexec.ExitError that ServeExec reports as
// NonZeroExitCode; a signal counts as 128+signal, as a shell reports it.
func exitError(err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code := exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return utilexec.CodeExitError{Err: err, Code: code}
	}
	return err
}

func (n *node) serveAttach(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	remotecommand.ServeAttach(w, r, n, r.PathValue("ns")+"/"+r.PathValue("pod"), r.PathValue("uid"),
		r.PathValue("container"), opts, idleTimeout, streamCreationTimeout,
		remotecommand.SupportedStreamingProtocols)
}

// AttachContainer follows the container's log file from its current end until the client
// leaves or the pod is deleted: what a container prints from now on. Input is read and dropped.
func (n *node) AttachContainer(ctx context.Context, name, _ string, container string, in io.Reader, out, errOut io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize) error {
	ns, pod, err := splitPod(name)
	if err != nil {
		return err
	}
	path, err := n.logPath(ns, pod, container)
	if err != nil {
		return err
	}
	if in != nil {
		go func() { _, _ = io.Copy(io.Discard, in) }()
	}
	var stdout, stderr io.Writer = io.Discard, io.Discard
	if out != nil {
		stdout = out
	}
	if errOut != nil {
		stderr = errOut
	}
	if tty {
		stderr = stdout // one stream with a TTY, as on a real node
	}
	alive, stop := n.pods.whileAlive(ctx, ns, pod)
	defer stop()
	err = crilogs.ReadLogs(ctx, path, "", &crilogs.LogOptions{TailLines: new(int64), Follow: true}, containerState{alive: alive}, stdout, stderr)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (n *node) servePortForward(w http.ResponseWriter, r *http.Request) {
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	portforward.ServePortForward(w, r, n, r.PathValue("ns")+"/"+r.PathValue("pod"), r.PathValue("uid"),
		opts, idleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// PortForward connects the stream to the address in <pods-dir>/<ns>/<pod>/ports/<port>. Each
// direction ends as TCP does: the client's end of input half-closes the target connection.
func (n *node) PortForward(ctx context.Context, name, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	ns, pod, err := splitPod(name)
	if err != nil {
		return err
	}
	file := filepath.Join(n.podsDir, ns, pod, "ports", strconv.Itoa(int(port)))
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("pod %s/%s has no target for port %d: write host:port to %s", ns, pod, port, file)
	}
	target := strings.TrimSpace(string(b))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return fmt.Errorf("port %d of pod %s/%s: %w", port, ns, pod, err)
	}
	defer conn.Close()
	// A client that leaves (the stream's connection closes) ends a target that stays silent.
	stopOnCancel := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stopOnCancel()
	go func() {
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, err = io.Copy(stream, conn)
	return err
}
