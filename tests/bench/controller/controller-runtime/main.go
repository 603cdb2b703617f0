// The controller-runtime peer of the controller benchmark: the logic of
// examples/configmapgen_controller.ts (finalizer, a live get and a server-side apply of the
// owned ConfigMap, an Event when it was created or its content changed, a server-side apply of
// the status when it differs), quiet (no log line per reconcile), for one namespace.
//
// Usage: controller-runtime-peer <namespace> <concurrency>
// The CRD is installed by the harness (the kubeno example's own, so all peers share it).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

const (
	manager   = "configmapgen"
	finalizer = "kubeno.dev/configmapgen-cleanup"
	reporter  = "kubeno.dev/configmapgen"
)

var gvk = schema.GroupVersionKind{Group: "kubeno.dev", Version: "v1", Kind: "ConfigMapGenerator"}

// reconciles counts the calls of Reconcile; printed once a second for the harness.
var reconciles atomic.Int64

type reconciler struct {
	client client.Client
	live   client.Reader
	events recorder.EventRecorder
}

func newGenerator() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

func jsonPatch(ops ...map[string]any) client.Patch {
	b, _ := json.Marshal(ops)
	return client.RawPatch(types.JSONPatchType, b)
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	defer reconciles.Add(1)
	cmg := newGenerator()
	if err := r.client.Get(ctx, req.NamespacedName, cmg); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	finalizers := cmg.GetFinalizers()
	index := -1
	for i, f := range finalizers {
		if f == finalizer {
			index = i
		}
	}
	deleting := cmg.GetDeletionTimestamp() != nil
	switch {
	case !deleting && index >= 0:
		return r.apply(ctx, cmg)
	case !deleting:
		// As kube-rs' and kubeno's finalizer(): a JSON patch whose test fails if the list changed.
		var p client.Patch
		if len(finalizers) == 0 {
			p = jsonPatch(map[string]any{"op": "test", "path": "/metadata/finalizers", "value": nil},
				map[string]any{"op": "add", "path": "/metadata/finalizers", "value": []string{finalizer}})
		} else {
			p = jsonPatch(map[string]any{"op": "test", "path": "/metadata/finalizers", "value": finalizers},
				map[string]any{"op": "add", "path": "/metadata/finalizers/-", "value": finalizer})
		}
		return ctrl.Result{}, r.client.Patch(ctx, cmg, p)
	case index < 0:
		return ctrl.Result{}, nil
	default:
		r.events.Eventf(cmg, nil, corev1.EventTypeNormal, "CleanedUp", "Finalize",
			"cleanup ran for %s; its ConfigMap is left to garbage collection", cmg.GetName())
		path := fmt.Sprintf("/metadata/finalizers/%d", index)
		return ctrl.Result{}, r.client.Patch(ctx, cmg, jsonPatch(
			map[string]any{"op": "test", "path": path, "value": finalizer},
			map[string]any{"op": "remove", "path": path}))
	}
}

func (r *reconciler) apply(ctx context.Context, cmg *unstructured.Unstructured) (ctrl.Result, error) {
	name, ns := cmg.GetName(), cmg.GetNamespace()
	// A live read, as the example's getOpt (the cached client would make no request).
	before := &corev1.ConfigMap{}
	err := r.live.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, before)
	found := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	desired, _, _ := unstructured.NestedString(cmg.Object, "spec", "content")
	yes := true
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata": map[string]any{
			"name":   name,
			"labels": map[string]string{"app.kubernetes.io/managed-by": manager},
			"ownerReferences": []metav1.OwnerReference{{
				APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: name,
				UID: cmg.GetUID(), Controller: &yes, BlockOwnerDeletion: &yes,
			}},
		},
		"data": map[string]string{"content": desired},
	})
	cm := &corev1.ConfigMap{}
	cm.Name, cm.Namespace = name, ns
	if err := r.client.Patch(ctx, cm, client.RawPatch(types.ApplyPatchType, body),
		client.FieldOwner(manager), client.ForceOwnership); err != nil {
		return ctrl.Result{}, err
	}
	generation := cmg.GetGeneration()
	observed, hasObserved, _ := unstructured.NestedInt64(cmg.Object, "status", "observedGeneration")
	specChanged := !hasObserved || observed != generation
	var reason, note string
	if !found {
		reason, note = "ConfigMapCreated", "created ConfigMap "+name
	} else if before.Data["content"] != desired {
		if specChanged {
			reason, note = "ConfigMapUpdated", "updated ConfigMap "+name
		} else {
			reason, note = "DriftReverted", "ConfigMap "+name+" was changed by hand; restored its content"
		}
	}
	if reason != "" {
		kind := corev1.EventTypeNormal
		if reason == "DriftReverted" {
			kind = corev1.EventTypeWarning
		}
		r.events.Eventf(cmg, cm, kind, reason, "ApplyConfigMap", "%s", note)
	}
	old, _, _ := unstructured.NestedSlice(cmg.Object, "status", "conditions")
	lastTransition := time.Now().UTC().Format(time.RFC3339)
	for _, c := range old {
		if m, ok := c.(map[string]any); ok && m["type"] == "Ready" && m["status"] == "True" {
			if t, ok := m["lastTransitionTime"].(string); ok {
				lastTransition = t
			}
		}
	}
	status := map[string]any{
		"observedGeneration": generation,
		"configMap":          name,
		"conditions": []any{map[string]any{
			"type": "Ready", "status": "True", "reason": "ConfigMapSynced",
			"message":            "ConfigMap " + name + " has the content",
			"lastTransitionTime": lastTransition,
			"observedGeneration": generation,
		}},
	}
	current, _, _ := unstructured.NestedFieldNoCopy(cmg.Object, "status")
	a, _ := json.Marshal(status) // map keys sorted: the comparison ignores key order
	b, _ := json.Marshal(current)
	if !bytes.Equal(a, b) {
		patch, _ := json.Marshal(map[string]any{
			"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind, "status": status,
		})
		if err := r.client.Status().Patch(ctx, cmg, client.RawPatch(types.ApplyPatchType, patch),
			client.FieldOwner(manager), client.ForceOwnership); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: 5 * time.Minute}, nil
}

func main() {
	ns := os.Args[1]
	concurrency, err := strconv.Atoi(os.Args[2])
	if err != nil || concurrency < 1 {
		fmt.Fprintln(os.Stderr, "usage: controller-runtime-peer <namespace> <concurrency ≥ 1>")
		os.Exit(2)
	}
	// Startup and errors to stderr; nothing per reconcile.
	log.SetLogger(funcr.New(func(prefix, args string) { fmt.Fprintln(os.Stderr, prefix, args) }, funcr.Options{}))
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	// GetConfigOrDie turns client-go's QPS 5/burst 10 off (QPS -1): no client-side limit.
	cfg := ctrl.GetConfigOrDie()
	selector := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/managed-by": manager})
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		// Reads of the generator from the informer's cache, as the typed client does (without
		// this, every Get of an unstructured object is a live GET).
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
		Cache: cache.Options{
			DefaultNamespaces: map[string]cache.Config{ns: {}},
			ByObject:          map[client.Object]cache.ByObject{&corev1.ConfigMap{}: {Label: selector}},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := &reconciler{client: mgr.GetClient(), live: mgr.GetAPIReader(), events: mgr.GetEventRecorder(reporter)}
	err = ctrl.NewControllerManagedBy(mgr).
		For(newGenerator()).
		Owns(&corev1.ConfigMap{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		for range time.Tick(time.Second) {
			fmt.Printf("reconciles %d\n", reconciles.Load())
		}
	}()
	fmt.Fprintf(os.Stderr, "started: watching ConfigMapGenerators in namespace %s\n", ns)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
