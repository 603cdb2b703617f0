package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// errPodGone is the cause of a stream context ended because its pod was deleted.
var errPodGone = errors.New("the pod was deleted")

// podWatch tells a pod's streams when the pod is gone (deleted, being deleted, or replaced by a
// new pod of the same name), so that they end as on a kubelet that kills the pod's containers:
// a followed log or an attach reaches its end, an exec'd command is killed. A nil podWatch
// (no --kubeconfig) never says so.
type podWatch struct {
	client *http.Client
	host   string
	every  time.Duration
}

func newPodWatch(kubeconfig string) (*podWatch, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return &podWatch{client: client, host: cfg.Host, every: time.Second}, nil
}

// whileAlive returns a context that ends with ctx or, with cause errPodGone, when the pod is
// gone; stop releases it.
func (p *podWatch) whileAlive(ctx context.Context, ns, pod string) (alive context.Context, stop func()) {
	alive, cancel := context.WithCancelCause(ctx)
	if p == nil {
		return alive, func() { cancel(context.Canceled) }
	}
	go func() {
		uid := ""
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			// A failed check (apiserver restarting) is not a deletion: asked again next tick.
			if now, gone, err := p.check(alive, ns, pod, uid); err == nil {
				if gone {
					cancel(errPodGone)
					return
				}
				uid = now
			}
			select {
			case <-alive.Done():
				return
			case <-t.C:
			}
		}
	}()
	return alive, func() { cancel(context.Canceled) }
}

// check reads the pod's uid and deletion mark; gone when it is absent, marked for deletion, or
// another pod than the one first seen.
func (p *podWatch) check(ctx context.Context, ns, pod, uid string) (string, bool, error) {
	u := fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s", p.host, url.PathEscape(ns), url.PathEscape(pod))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", true, nil
	}
	if resp.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("GET pod %s/%s: %s", ns, pod, resp.Status)
	}
	var obj struct {
		Metadata struct {
			UID               string  `json:"uid"`
			DeletionTimestamp *string `json:"deletionTimestamp"`
		} `json:"metadata"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil {
		return "", false, err
	}
	m := obj.Metadata
	return m.UID, m.DeletionTimestamp != nil || (uid != "" && m.UID != uid), nil
}

// podGone reports whether alive ended because its pod is gone.
func podGone(alive context.Context) bool {
	return errors.Is(context.Cause(alive), errPodGone)
}
