//! The kube-rs peer of the controller benchmark: the logic of examples/configmapgen_controller.ts
//! (finalizer, get + server-side apply of the owned ConfigMap, an Event when it was created or
//! its content changed, server-side apply of the status when it differs), quiet (no log line
//! per reconcile), for one namespace.
//!
//! Usage: kubeno-bench-controller-kube-rs <namespace> <concurrency>  (0: unbounded)
//! The CRD is installed by the harness (the kubeno example's own, so all peers share it).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Config as ControllerConfig, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::finalizer::{finalizer, Event as Finalizer};
use kube::runtime::watcher;
use kube::{Api, Client, CustomResource, Resource, ResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const MANAGER: &str = "configmapgen";
const FINALIZER: &str = "kubeno.dev/configmapgen-cleanup";
const REPORTER: &str = "kubeno.dev/configmapgen";

#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, JsonSchema)]
#[kube(group = "kubeno.dev", version = "v1", kind = "ConfigMapGenerator", namespaced)]
#[kube(status = "GeneratorStatus")]
pub struct GeneratorSpec {
    content: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, Default, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GeneratorStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    observed_generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_map: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conditions: Option<Vec<Condition>>,
}

#[derive(Deserialize, Serialize, Clone, Debug, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
    reason: String,
    message: String,
    last_transition_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed_generation: Option<i64>,
}

#[derive(Debug)]
struct Failed(String);
impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Failed {}

struct Ctx {
    client: Client,
    recorder: Recorder,
}

fn now_rfc3339() -> String {
    // Seconds precision, as the example's `toISOString()` without the fraction.
    k8s_openapi::jiff::Timestamp::now().round(k8s_openapi::jiff::Unit::Second).unwrap().to_string()
}

async fn apply(cmg: Arc<ConfigMapGenerator>, ctx: &Ctx) -> Result<Action, Failed> {
    let name = cmg.name_any();
    let ns = cmg.namespace().unwrap_or_default();
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    let e = |err: kube::Error| Failed(err.to_string());
    let before = cms.get_opt(&name).await.map_err(e)?;
    let desired = cmg.spec.content.clone();
    let owner = cmg.controller_owner_ref(&()).unwrap();
    let body = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some([("app.kubernetes.io/managed-by".to_string(), MANAGER.to_string())].into()),
            owner_references: Some(vec![owner]),
            ..Default::default()
        },
        data: Some([("content".to_string(), desired.clone())].into()),
        ..Default::default()
    };
    let mut body = serde_json::to_value(&body).unwrap();
    body["apiVersion"] = "v1".into();
    body["kind"] = "ConfigMap".into();
    let pp = PatchParams::apply(MANAGER).force();
    let cm = cms.patch(&name, &pp, &Patch::Apply(&body)).await.map_err(e)?;
    let generation = cmg.metadata.generation;
    let spec_changed = cmg.status.as_ref().and_then(|s| s.observed_generation) != generation;
    let before_content = before.as_ref().and_then(|b| b.data.as_ref()).and_then(|d| d.get("content"));
    let what = match (&before, before_content) {
        (None, _) => Some(("ConfigMapCreated", format!("created ConfigMap {name}"))),
        (Some(_), c) if c != Some(&desired) => Some(if spec_changed {
            ("ConfigMapUpdated", format!("updated ConfigMap {name}"))
        } else {
            ("DriftReverted", format!("ConfigMap {name} was changed by hand; restored its content"))
        }),
        _ => None,
    };
    if let Some((reason, note)) = what {
        let ev = Event {
            type_: if reason == "DriftReverted" { EventType::Warning } else { EventType::Normal },
            reason: reason.into(),
            note: Some(note),
            action: "ApplyConfigMap".into(),
            secondary: Some(cm.object_ref(&())),
        };
        // As the example: a failed Event is not a failed reconcile.
        let _ = ctx.recorder.publish(&ev, &cmg.object_ref(&())).await;
    }
    let old = cmg.status.as_ref().and_then(|s| s.conditions.as_ref());
    let prev = old.and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
    let last_transition_time = match prev {
        Some(p) if p.status == "True" => p.last_transition_time.clone(),
        _ => now_rfc3339(),
    };
    let status = GeneratorStatus {
        observed_generation: generation,
        config_map: Some(name.clone()),
        conditions: Some(vec![Condition {
            type_: "Ready".into(),
            status: "True".into(),
            reason: "ConfigMapSynced".into(),
            message: format!("ConfigMap {name} has the content"),
            last_transition_time,
            observed_generation: generation,
        }]),
    };
    if cmg.status.as_ref() != Some(&status) {
        let api: Api<ConfigMapGenerator> = Api::namespaced(ctx.client.clone(), &ns);
        let patch = serde_json::json!({
            "apiVersion": "kubeno.dev/v1",
            "kind": "ConfigMapGenerator",
            "status": status,
        });
        api.patch_status(&name, &pp, &Patch::Apply(&patch)).await.map_err(e)?;
    }
    Ok(Action::requeue(Duration::from_secs(300)))
}

async fn reconcile(cmg: Arc<ConfigMapGenerator>, ctx: Arc<Ctx>) -> Result<Action, Failed> {
    let api: Api<ConfigMapGenerator> =
        Api::namespaced(ctx.client.clone(), &cmg.namespace().unwrap_or_default());
    finalizer(&api, FINALIZER, cmg, |event| async {
        match event {
            Finalizer::Apply(obj) => apply(obj, &ctx).await,
            Finalizer::Cleanup(obj) => {
                let ev = Event {
                    type_: EventType::Normal,
                    reason: "CleanedUp".into(),
                    note: Some(format!(
                        "cleanup ran for {}; its ConfigMap is left to garbage collection",
                        obj.name_any()
                    )),
                    action: "Finalize".into(),
                    secondary: None,
                };
                ctx.recorder.publish(&ev, &obj.object_ref(&())).await.map_err(|e| Failed(e.to_string()))?;
                Ok(Action::await_change())
            }
        }
    })
    .await
    .map_err(|e| Failed(e.to_string()))
}

fn error_policy(_cmg: Arc<ConfigMapGenerator>, err: &Failed, _ctx: Arc<Ctx>) -> Action {
    eprintln!("reconcile failed: {err}");
    // The example's backoff starts at 500 ms; kube-rs has no per-key attempt count here.
    Action::requeue(Duration::from_millis(500))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let ns = args.get(1).cloned().unwrap_or_else(|| "default".into());
    let concurrency: u16 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(0);
    let client = Client::try_default().await?;
    let reporter = Reporter { controller: REPORTER.into(), instance: Some(format!("{MANAGER}-kube-rs")) };
    let ctx = Arc::new(Ctx { client: client.clone(), recorder: Recorder::new(client.clone(), reporter) });
    let generators: Api<ConfigMapGenerator> = Api::namespaced(client.clone(), &ns);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let labels = format!("app.kubernetes.io/managed-by={MANAGER}");
    // The harness reads the count of reconciles from stdout, once a second.
    let count = Arc::new(AtomicU64::new(0));
    let printed = count.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            println!("reconciles {}", printed.load(Relaxed));
        }
    });
    eprintln!("started: watching ConfigMapGenerators in namespace {ns}");
    Controller::new(generators, watcher::Config::default())
        .owns(cms, watcher::Config::default().labels(&labels))
        .with_config(ControllerConfig::default().concurrency(concurrency))
        .shutdown_on_signal()
        .run(reconcile, error_policy, ctx)
        .for_each(|_| {
            count.fetch_add(1, Relaxed);
            futures::future::ready(())
        })
        .await;
    Ok(())
}
