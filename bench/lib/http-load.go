// The load client of the benches (bench/proxy.ts, bench/config-channel.ts): HTTP or HTTPS through
// a proxy (CONNECT for https URLs, a proxy request for http ones) or direct TLS, one new connection
// per request or keep-alive, Go's net/http and crypto/tls. It prints one JSON line:
// {"done", "elapsed", "errors", "p50Ms", "p99Ms", "cpuMs"}.
//
// Why Go: a Node TLS client costs about as much CPU per handshake as the server it loads, so a Node
// load generator on one core saturates before a server on the other (bench/lib/tls-load.ts); Go's
// client does the same handshake for about half the CPU, so the server's core is the limit and its
// wall-clock rate is its capacity, as when issue 13's figures were taken (a Go load client).
//
// The server's chain is not verified (InsecureSkipVerify): the bench measures the server's cost,
// and every server presents the same chain. No session cache: every new connection is a full
// handshake. Every response must be 200 with exactly the expected body.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	proxy := flag.String("proxy", "", "HTTP proxy URL (CONNECT); empty: direct TLS to -addr")
	addr := flag.String("addr", "", "direct TLS: host:port to dial, whatever the URL names")
	target := flag.String("url", "https://api.pinprick.test/", "URL to GET")
	conc := flag.Int("c", 16, "concurrent workers")
	secs := flag.Float64("d", 2, "stop starting requests after this many seconds")
	count := flag.Int64("n", 0, "stop after this many requests (0: no limit)")
	mode := flag.String("mode", "new", "new (a new connection per request) or keepalive")
	bodyFile := flag.String("body", "", "file holding the body every response must have")
	flag.Parse()
	want, err := os.ReadFile(*bodyFile)
	if err != nil {
		panic(err)
	}
	// One Transport per worker, holding at most one connection: with a shared pool, Go 1.19 starts
	// a dial for a request while another connection is busy and cancels it mid-handshake when that
	// one frees up first (measured here: 1,045 TCP connections, 3 handshakes, for 1,045 keep-alive
	// requests at C=16), which a recording proxy counts as clients that gave up.
	newClient := func() (*http.Client, *http.Transport) {
		tr := &http.Transport{
			DisableKeepAlives: *mode == "new", MaxConnsPerHost: 1, MaxIdleConns: 1, MaxIdleConnsPerHost: 1, DisableCompression: true,
			ResponseHeaderTimeout: 10 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}},
		}
		if *proxy != "" {
			pu, err := url.Parse(*proxy)
			if err != nil {
				panic(err)
			}
			tr.Proxy = http.ProxyURL(pu)
		} else {
			d := &net.Dialer{Timeout: 10 * time.Second}
			tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) { return d.DialContext(ctx, network, *addr) }
		}
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, tr
	}
	deadline := time.Now().Add(time.Duration(*secs * float64(time.Second)))
	var started int64
	lat := make([][]time.Duration, *conc)
	var mu sync.Mutex
	errs := map[string]int{}
	fail := func(k string) {
		if len(k) > 60 {
			k = k[len(k)-60:]
		}
		mu.Lock()
		errs[k]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond) // no busy loop against a dead server
	}
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			client, tr := newClient()
			defer tr.CloseIdleConnections()
			for time.Now().Before(deadline) && (*count == 0 || atomic.AddInt64(&started, 1) <= *count) {
				t0 := time.Now()
				resp, err := client.Get(*target)
				if err != nil {
					s := err.Error()
					fail(strings.TrimSpace(s[strings.LastIndex(s, ": ")+1:]))
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					fail("body: " + err.Error())
				case resp.StatusCode != 200:
					fail("HTTP " + resp.Status)
				case !bytes.Equal(b, want):
					fail("body differs from the expected one")
				default:
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := float64((ru.Utime.Nano()+ru.Stime.Nano())-(ru0.Utime.Nano()+ru0.Stime.Nano())) / 1e6
	all := []time.Duration{}
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	q := func(p float64) float64 {
		if len(all) == 0 {
			return -1
		}
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"done": len(all), "elapsed": elapsed, "errors": errs, "p50Ms": q(0.5), "p99Ms": q(0.99), "cpuMs": cpu})
}
