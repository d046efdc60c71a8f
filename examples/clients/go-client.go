// A Go client for pinprick's platform tests: net/http through an HTTP CONNECT proxy, with
// crypto/tls and crypto/x509 doing the platform's own validation (host name included), trusting
// only the roots of --cafile. The standard library only: it builds offline.
//
//	go build -o go-client go-client.go && ./go-client --url https://HOST:PORT/PATH --proxy http://127.0.0.1:PORT --cafile ROOTS.pem
//
// Output contract, as examples/clients/JavaClient.java and common.mjs:
//
//	ACCEPT <status>   exit 0   the chain was accepted and a request answered
//	REJECT <reason>   exit 1   the TLS handshake failed (crypto/x509's refusal, or the peer's alert)
//
// Errors that say nothing about the chain (proxy unreachable, CONNECT refused, timeout before the
// handshake) print one line on stderr and exit 3; bad usage prints one line on stderr and exits 2.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"time"
)

const usageLine = "usage: go-client --url https://HOST[:PORT][/PATH] --cafile ROOTS.pem [--proxy http://HOST:PORT]"

func usage(why string) {
	fmt.Fprintf(os.Stderr, "go-client: %s; %s\n", why, usageLine)
	os.Exit(2)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", args...)
	os.Exit(3)
}

// oneLine keeps the reason on the one line the harness reads.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func main() {
	// The flag package takes --name as well as -name (https://pkg.go.dev/flag#hdr-Command_line_flag_syntax).
	fs := flag.NewFlagSet("go-client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	target := fs.String("url", "", "https URL to fetch")
	proxy := fs.String("proxy", "", "HTTP proxy (CONNECT), http://HOST:PORT")
	cafile := fs.String("cafile", "", "PEM file of the only roots trusted")
	if err := fs.Parse(os.Args[1:]); err != nil {
		usage(err.Error())
	}
	if fs.NArg() > 0 {
		usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *target == "" || *cafile == "" {
		usage("--url and --cafile are required")
	}
	if u, err := url.Parse(*target); err != nil || u.Scheme != "https" {
		usage(fmt.Sprintf("bad --url %q: expected https://", *target))
	}

	pem, err := os.ReadFile(*cafile)
	if err != nil {
		usage(fmt.Sprintf("cannot read --cafile: %v", err))
	}
	// A pool of our own: with RootCAs set, crypto/tls verifies against it alone; only a nil
	// RootCAs means "the host's root CA set" (https://pkg.go.dev/crypto/tls#Config, RootCAs).
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		usage(fmt.Sprintf("--cafile %s holds no PEM certificate", *cafile))
	}

	transport := &http.Transport{
		// A zero Transport dials directly; http.ProxyURL sends https requests through a CONNECT
		// tunnel (https://pkg.go.dev/net/http#Transport, Proxy). The environment (HTTPS_PROXY) is
		// deliberately not read, as JavaClient uses Proxy.NO_PROXY without --proxy.
		TLSClientConfig: &tls.Config{RootCAs: roots},
		// Set explicitly: a Transport literal has no handshake timeout (DefaultTransport has 10 s).
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if *proxy != "" {
		p, err := url.Parse(*proxy)
		if err != nil || p.Scheme != "http" || p.Host == "" {
			usage(fmt.Sprintf("bad --proxy %q: expected http://HOST:PORT", *proxy))
		}
		transport.Proxy = http.ProxyURL(p)
	}
	client := &http.Client{Transport: transport, Timeout: 15 * time.Second}

	// net/http reports the TLS handshake's own outcome through httptrace (TLSHandshakeDone), also
	// for a CONNECT tunnel (https://pkg.go.dev/net/http/httptrace#ClientTrace): a failure there is
	// the client refusing the chain (crypto/x509's UnknownAuthorityError, CertificateInvalidError,
	// HostnameError, ...) or the peer aborting the handshake; everything before it is not about
	// the chain.
	var handshakeErr error
	trace := &httptrace.ClientTrace{TLSHandshakeDone: func(_ tls.ConnectionState, err error) { handshakeErr = err }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, *target, nil)
	if err != nil {
		usage(fmt.Sprintf("bad --url %q: %v", *target, err))
	}
	resp, err := client.Do(req)
	if handshakeErr != nil {
		fmt.Printf("REJECT %s\n", oneLine(handshakeErr))
		os.Exit(1)
	}
	if err != nil {
		fail("%s", oneLine(err))
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Printf("ACCEPT %d\n", resp.StatusCode)
}
