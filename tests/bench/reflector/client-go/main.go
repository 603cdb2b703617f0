// The client-go peer of the reflector benchmark: a shared informer (from the informer factory)
// for all ConfigMaps, as an operator written with client-go keeps its cache. It prints the same
// JSON line as ../client.ts, so ../main.ts parses it with the others.
//
// Usage: reflector-client-go [-strip] [-proto] [-qps=-1] [-burst=0] <kind> <url> <objects> <events>
//
// Choices (see tests/bench/README.md):
//   - Page size 500: the informer's reflector lists through client-go's pager, whose default page
//     is 500 and which sends limit=500 for the initial list (resourceVersion=0); the transport
//     below counts the list requests and checks their limit, so a change of that default fails
//     the run instead of silently measuring something else.
//   - JSON by default, ContentType and Accept forced to application/json; with -proto, protobuf
//     as client-go's generated clients ask for against a real apiserver (the synthetic server
//     speaks it when started with "proto"); the transport checks every answer's Content-Type,
//     so a server that answers JSON fails the run.
//   - The WatchListClient feature (on by default since 1.35) is switched off: the synthetic
//     server has no sendInitialEvents streaming, and the other clients list in pages too.
//   - No client-side rate limit by default (-qps=-1): the list of 10,000 objects is 20 pages,
//     which client-go's defaults (5 QPS, burst 10) would spread over about 2 s; the Deno clients
//     have no limiter either.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

const pageSize = 500

// countingTransport records what the informer asks the server for.
type countingTransport struct {
	next       http.RoundTripper
	lists      atomic.Int64
	watches    atomic.Int64
	otherLimit atomic.Int64
	// With -proto: answers whose Content-Type is not protobuf.
	wantProto bool
	notProto  atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		t.watches.Add(1)
	} else {
		t.lists.Add(1)
		if q.Get("limit") != strconv.Itoa(pageSize) {
			t.otherLimit.Add(1)
		}
	}
	res, err := t.next.RoundTrip(req)
	if err == nil && t.wantProto &&
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.kubernetes.protobuf") {
		t.notProto.Add(1)
	}
	return res, err
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// peakRSS is VmHWM of /proc/self/status, in bytes.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func cpuMs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return (ru.Utime.Nano() + ru.Stime.Nano()) / 1e6
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "reflector-client-go: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	strip := flag.Bool("strip", false, "drop managedFields in the informer's transform before caching")
	qps := flag.Float64("qps", -1, "client-side QPS limit (negative: none; 0: client-go's default 5)")
	burst := flag.Int("burst", 0, "client-side burst (0: client-go's default 10)")
	proto := flag.Bool("proto", false, "ask for protobuf, as client-go's generated clients do by default")
	flag.Parse()
	if flag.NArg() != 4 {
		fail("usage: reflector-client-go [-strip] [-proto] [-qps=N] [-burst=N] <kind> <url> <objects> <events>")
	}
	kind, base := flag.Arg(0), flag.Arg(1)
	objects, err1 := strconv.Atoi(flag.Arg(2))
	events, err2 := strconv.Atoi(flag.Arg(3))
	if err1 != nil || err2 != nil {
		fail("objects and events must be numbers")
	}

	// Read once by client-go on first use, so set before anything asks.
	os.Setenv("KUBE_FEATURE_WatchListClient", "false")
	if clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient) {
		fail("WatchListClient is still enabled; the synthetic server cannot stream initial events")
	}

	counter := &countingTransport{wantProto: *proto}
	content := rest.ContentConfig{ContentType: "application/json", AcceptContentTypes: "application/json"}
	if *proto {
		content = rest.ContentConfig{
			ContentType:        "application/vnd.kubernetes.protobuf",
			AcceptContentTypes: "application/vnd.kubernetes.protobuf,application/json",
		}
	}
	cfg := &rest.Config{
		Host:          base,
		ContentConfig: content,
		QPS:           float32(*qps),
		Burst:         *burst,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			counter.next = rt
			return counter
		},
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail("client: %v", err)
	}

	var opts []informers.SharedInformerOption
	if *strip {
		opts = append(opts, informers.WithTransform(func(obj any) (any, error) {
			if m, err := meta.Accessor(obj); err == nil {
				m.SetManagedFields(nil)
			}
			return obj, nil
		}))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, opts...)
	informer := factory.Core().V1().ConfigMaps().Informer()

	var adds, updates atomic.Int64
	synced := make(chan time.Time, 1)
	done := make(chan time.Time, 1)
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if adds.Add(1) == int64(objects) {
				synced <- time.Now()
			}
		},
		UpdateFunc: func(_, obj any) {
			if _, ok := obj.(*corev1.ConfigMap); ok && updates.Add(1) == int64(events) {
				done <- time.Now()
			}
		},
	})
	if err != nil {
		fail("handler: %v", err)
	}

	heap0 := heapAlloc()
	t0 := time.Now()
	stop := make(chan struct{})
	factory.Start(stop)
	var tSync, tEnd time.Time
	timeout := time.After(10 * time.Minute)
	select {
	case tSync = <-synced:
	case <-timeout:
		fail("no sync after 10 min (%d adds)", adds.Load())
	}
	select {
	case tEnd = <-done:
	case <-timeout:
		fail("only %d of %d updates", updates.Load(), events)
	}
	close(stop)
	factory.Shutdown()
	store := informer.GetStore()
	heap1 := heapAlloc()
	size := len(store.ListKeys())
	if size != objects {
		fail("%s: cache has %d of %d", kind, size, objects)
	}
	if n := counter.notProto.Load(); n != 0 {
		fail("%d answers were not protobuf", n)
	}
	// The decoded objects are whole: a wrong field number would lose data, not fail decoding.
	for _, o := range store.List() {
		cm := o.(*corev1.ConfigMap)
		if cm.Data["mode"] != "fast" || len(cm.Labels) != 5 || cm.Namespace == "" ||
			(!*strip && len(cm.ManagedFields) != 2) || cm.CreationTimestamp.IsZero() {
			fail("%s: a cached object is not whole: %+v", kind, cm.ObjectMeta)
		}
		break
	}
	if counter.otherLimit.Load() != 0 {
		fail("%d list requests did not ask for limit=%d", counter.otherLimit.Load(), pageSize)
	}
	fmt.Fprintf(os.Stderr, "%s: %d list requests (limit=%d), %d watch requests\n",
		kind, counter.lists.Load(), pageSize, counter.watches.Load())

	out, _ := json.Marshal(map[string]any{
		"kind":          kind,
		"objects":       objects,
		"events":        events,
		"syncMs":        tSync.Sub(t0).Milliseconds(),
		"eventsPerSec":  int64(float64(events) / tEnd.Sub(tSync).Seconds()),
		"heapPerObject": int64(heap1-heap0) / int64(objects),
		"peakRssMB":     peakRSS() / 1024 / 1024,
		"cpuMs":         cpuMs(),
	})
	fmt.Println(string(out))
	runtime.KeepAlive(store)
}
