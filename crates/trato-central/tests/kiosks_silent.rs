//! The Kioscos view from real sync traffic: the real kiosk core (its batch
//! code, client and sync task) posting to the real centre on loopback, both
//! on one test clock; then the centre's clock moves on and
//! `GET /api/v1/dashboard/kiosks` tells up to date, silent (counting only
//! the unit's opening hours) and never connected, with backlog, survey and
//! clock skew. SQLite, and PostgreSQL when `TRATO_TEST_PG_URL` is set.

mod common;
mod dashboard_support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::{backends, local, Backend, TestClock};
use dashboard_support::{start_at, Dash};
use serde_json::Value;
use trato_central::admin;
use trato_central::opening_hours::{parse_days, OpeningHours};
use trato_domain::Response;
use trato_kiosk_core::sync::batch::{next_batch, Sender};
use trato_kiosk_core::sync::{CentreClient, SyncOptions, Syncer, Timeouts};
use trato_kiosk_core::{Kiosk, Store as KioskStore};

impl trato_kiosk_core::clock::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.get()
    }
    fn utc_offset_minutes(&self) -> i32 {
        -360
    }
}

/// A kiosk clock some minutes behind the test clock.
struct Behind(Arc<TestClock>, i64);

impl trato_kiosk_core::clock::Clock for Behind {
    fn now(&self) -> DateTime<Utc> {
        self.0.get() - Duration::minutes(self.1)
    }
    fn utc_offset_minutes(&self) -> i32 {
        -360
    }
}

struct RealKiosk {
    _dir: tempfile::TempDir,
    kiosk: Kiosk,
    token: String,
}

/// A real kiosk of `unit`, registered at the centre under its own id,
/// pointed at it, with `n` stored responses finished at `at`.
async fn real_kiosk(d: &Dash, unit: &str, name: &str, n: usize, at: DateTime<Utc>) -> RealKiosk {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    kiosk
        .update_settings(&[("unit.clues", unit), ("unit.name", name)])
        .unwrap();
    let id = kiosk.settings().kiosk_id.clone();
    let token = admin::add_kiosk_with_id(&*d.store(), unit, name, Some(&id))
        .await
        .unwrap()
        .token;
    kiosk
        .update_settings(&[("sync.endpoint", &d.base), ("sync.token", &token)])
        .unwrap();
    let mut store = KioskStore::open_existing(kiosk.store().path()).unwrap();
    let responses: Vec<Response> = (0..n)
        .map(|i| common::response_from(unit, &id, at - Duration::minutes(5 * (n - i) as i64)))
        .collect();
    store
        .insert_responses_in_one_transaction(&responses)
        .unwrap();
    RealKiosk {
        _dir: dir,
        kiosk,
        token,
    }
}

fn by_name<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["kiosks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no kiosk {name} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_kiosks_from_real_sync_traffic() {
    for backend in backends() {
        silent_kiosks(backend).await;
    }
}

async fn silent_kiosks(backend: Backend) {
    let clock = Arc::new(TestClock::new(local(2026, 12, 7, 9, 0)));
    let d = start_at(backend, clock.clone()).await;
    let monday = clock.get();

    // A: a current kiosk's sync task drains its 5 responses.
    let a = real_kiosk(&d, "DFIMS000020", "Urgencias PB", 5, monday).await;
    let mut syncer = Syncer::open(
        a.kiosk.store().path(),
        SyncOptions {
            batch_size: 2,
            in_flight: 1,
            clock: clock.clone(),
            ..SyncOptions::default()
        },
    )
    .unwrap();
    let report = syncer.run_once().await.unwrap();
    assert_eq!((report.stored, report.pending), (5, 0), "{report:?}");

    // B: one batch of 2 out of 5 from a kiosk whose clock is 10 min behind:
    // 3 left behind it.
    let b = real_kiosk(&d, "DFIMS000020", "Consulta externa", 5, monday).await;
    let sender = Sender {
        kiosk_id: b.kiosk.settings().kiosk_id.clone(),
        unit_clues: "DFIMS000020".into(),
        survey: Some(("trato-digno".into(), 1)),
        ..Sender::default()
    };
    let behind = Behind(clock.clone(), 10);
    let batch = next_batch(
        b.kiosk.store(),
        &sender,
        trato_kiosk_core::clock::Clock::now(&behind),
        2,
        1 << 20,
    )
    .unwrap()
    .unwrap();
    let client = CentreClient::new(&d.base, &b.token, "", Timeouts::default()).unwrap();
    client.post_batch(batch.body).await.unwrap();

    // C: registered, never heard from.
    admin::add_kiosk(&*d.store(), "DFIMS000020", "Hospitalización")
        .await
        .unwrap();

    // D: an older kiosk, whose batch has none of the new fields.
    let old = admin::add_kiosk(&*d.store(), "DFIMS000032", "Quiosco antiguo")
        .await
        .unwrap();
    let mut r = common::response(&old, monday);
    r.unit_name = "UMF 7".into();
    let body = trato_domain::wire::BatchRequest {
        kiosk_id: old.id.clone(),
        unit_clues: old.unit_clues.clone(),
        sent_at: monday,
        responses: vec![trato_domain::wire::WireResponse {
            seq: 1,
            response: r,
        }],
        ..Default::default()
    };
    let json = serde_json::to_value(&body).unwrap();
    for field in ["backlog", "survey_id", "survey_version"] {
        assert!(json.get(field).is_none(), "{field} sent");
    }
    let reply = d
        .client
        .post(d.url("/api/v1/batches"))
        .bearer_auth(&old.token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(trato_central::ingest::encode_batch(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    // Half an hour later: everyone heard from is up to date.
    clock.set(monday + Duration::minutes(30));
    let nat = d.login("nacional").await;
    let v = d.get_json(&nat, "/api/v1/dashboard/kiosks").await;
    let ka = by_name(&v, "Urgencias PB");
    assert_eq!(ka["state"], "al_dia", "{ka}");
    assert_eq!(ka["state_label"], "al día");
    assert_eq!(ka["backlog"], 0);
    assert_eq!(ka["survey_id"], "trato-digno");
    // A new kiosk runs the default survey's newest version.
    assert_eq!(ka["survey_version"], 2);
    assert_eq!(ka["clock_skewed"], false);
    assert_eq!(ka["unit_name"], "HGZ No. 1 Ciudad de México");
    assert_eq!(ka["opening_hours"], "todos 07:00-20:00");
    let kb = by_name(&v, "Consulta externa");
    assert_eq!(kb["backlog"], 3, "{kb}");
    assert_eq!(kb["clock_skewed"], true);
    let skew = kb["clock_offset_ms"].as_i64().unwrap();
    assert!((599_000..=601_000).contains(&skew), "{skew}");
    let kc = by_name(&v, "Hospitalización");
    assert_eq!(kc["state"], "nunca_conectado");
    assert_eq!(kc["state_label"], "nunca conectado");
    assert!(kc["last_contact"].is_null());
    let kd = by_name(&v, "Quiosco antiguo");
    assert_eq!(kd["state"], "al_dia");
    assert!(
        kd["backlog"].is_null() && kd["survey_version"].is_null(),
        "{kd}"
    );
    assert_eq!(v["counts"]["silent"], 0);
    assert_eq!(v["counts"]["nunca_conectado"], 1);
    // Units of the catalogue with no kiosk at all are listed too.
    let without: Vec<&str> = v["units_without_kiosk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["clues"].as_str().unwrap())
        .collect();
    assert!(without.contains(&"NLIMS000315") && !without.contains(&"DFIMS000020"));
    assert_eq!(v["counts"]["units_without_kiosk"], without.len());

    // Wednesday 10:00: 49 h since Monday 09:00, 27 of them open (11 + 13 + 3).
    clock.set(local(2026, 12, 9, 10, 0));
    let v = d.get_json(&nat, "/api/v1/dashboard/kiosks").await;
    let ka = by_name(&v, "Urgencias PB");
    assert_eq!(ka["state"], "sin_contacto", "{ka}");
    assert_eq!(ka["state_label"], "sin contacto desde hace 49 h");
    assert_eq!(ka["silent_open_hours"], 27.0);
    assert_eq!(ka["silent"], true);
    assert_eq!(v["counts"]["silent"], 3, "{}", v["counts"]);
    assert_eq!(v["silent_after_hours"], 24);
    // The most silent first, never-connected after them.
    assert_eq!(v["kiosks"][3]["state"], "nunca_conectado", "{v}");

    // An outpatient unit, Monday to Friday 07:00-20:00; its kiosk's last
    // sync is Friday 19:30.
    d.store()
        .fleet()
        .set_unit_hours(
            "NLIMS000315",
            &OpeningHours::new(parse_days("lun-vie").unwrap(), 420, 1200).unwrap(),
            clock.get(),
        )
        .await
        .unwrap();
    clock.set(local(2026, 12, 11, 19, 30));
    let e = real_kiosk(&d, "NLIMS000315", "UMF entrada", 2, clock.get()).await;
    let mut syncer = Syncer::open(
        e.kiosk.store().path(),
        SyncOptions {
            clock: clock.clone(),
            ..SyncOptions::default()
        },
    )
    .unwrap();
    assert_eq!(syncer.run_once().await.unwrap().stored, 2);
    // Saturday noon: 16.5 h without contact, half an hour of it open.
    clock.set(local(2026, 12, 12, 12, 0));
    let unit = d.login("unidad.315").await;
    let v = d.get_json(&unit, "/api/v1/dashboard/kiosks").await;
    assert_eq!(v["kiosks"].as_array().unwrap().len(), 1, "{v}");
    let ke = by_name(&v, "UMF entrada");
    assert_eq!(ke["state"], "al_dia", "{ke}");
    assert_eq!(ke["silent_open_hours"], 0.5);
    assert_eq!(ke["hours_since_contact"], 16);
    assert_eq!(ke["opening_hours"], "lun-vie 07:00-20:00");
    // With the default hours the same silence counts: 0.5 + 5 h open.
    d.store()
        .fleet()
        .set_unit_hours("NLIMS000315", &OpeningHours::default(), clock.get())
        .await
        .unwrap();
    let v = d.get_json(&unit, "/api/v1/dashboard/kiosks").await;
    let ke = by_name(&v, "UMF entrada");
    assert_eq!(ke["state_label"], "sin contacto desde hace 16 h", "{ke}");
    assert_eq!(ke["silent"], false);

    // Scope rules: a unit account sees its unit only; no session, no data.
    let r = d
        .get(&unit, "/api/v1/dashboard/kiosks?scope=unit:DFIMS000020")
        .await;
    assert_eq!(r.status(), 403);
    let r = d
        .client
        .get(d.url("/api/v1/dashboard/kiosks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let ooad = d.login("ooad.cdmx").await;
    let v = d.get_json(&ooad, "/api/v1/dashboard/kiosks").await;
    assert!(v["kiosks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["parent"] == "OOAD Ciudad de México Sur"));
    assert_eq!(v["kiosks"].as_array().unwrap().len(), 4);
    d.stop().await;
}
