//! The kube-rs client of the reflector benchmark: `watcher` + `reflector` store over the
//! synthetic server's ConfigMaps, list pages of 500. Prints the same JSON line as client.ts.
//!
//! Usage: kubeno-bench-kube-rs <kube-rs|kube-rs-strip> <url> <objects> <events>

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::runtime::{reflector, watcher, WatchStreamExt};
use kube::{Api, Client, Config, ResourceExt};

/// Live heap bytes, counted by a wrapper around the system allocator: Rust has no GC, so what
/// is allocated and not yet freed is exactly what the process holds on the heap.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size() as isize, Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn peak_rss_mb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (kind, url) = (args[1].clone(), args[2].clone());
    let objects: usize = args[3].parse()?;
    let events: usize = args[4].parse()?;
    let strip = match kind.as_str() {
        "kube-rs" => false,
        "kube-rs-strip" => true,
        k => return Err(format!("unknown kind {k}").into()),
    };

    let heap0 = LIVE.load(Relaxed);
    let t0 = Instant::now();
    let client = Client::try_from(Config::new(url.parse()?))?;
    let api: Api<ConfigMap> = Api::all(client);
    // 500 is watcher::Config's default page size too; set so that it is stated.
    let cfg = watcher::Config::default().page_size(500);
    let (store, writer) = reflector::store();
    let stream = watcher(api, cfg).modify(move |cm| {
        if strip {
            cm.managed_fields_mut().clear();
        }
    });
    let mut stream = reflector(writer, stream).boxed();

    let mut t_sync = None;
    let mut n = 0;
    while let Some(ev) = stream.next().await {
        match ev? {
            watcher::Event::InitDone => t_sync = Some(Instant::now()),
            watcher::Event::Apply(_) => {
                n += 1;
                if n >= events {
                    break;
                }
            }
            _ => {}
        }
    }
    let t_end = Instant::now();
    // Drop the watcher (its connection and buffers); the store is the cache that remains.
    drop(stream);
    let heap1 = LIVE.load(Relaxed);
    let size = store.state().len();
    if size != objects {
        return Err(format!("{kind}: cache has {size} of {objects}").into());
    }
    let t_sync = t_sync.ok_or("no InitDone")?;
    let sync_ms = (t_sync - t0).as_millis();
    let eps = (events as f64 / (t_end - t_sync).as_secs_f64()).round() as u64;
    println!(
        "{{\"kind\":\"{kind}\",\"objects\":{objects},\"events\":{events},\"syncMs\":{sync_ms},\"eventsPerSec\":{eps},\"heapPerObject\":{},\"peakRssMB\":{}}}",
        (heap1 - heap0) / objects as isize,
        peak_rss_mb()
    );
    Ok(())
}
