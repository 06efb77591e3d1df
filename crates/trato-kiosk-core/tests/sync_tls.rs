//! A hospital's private CA: the real centre serving HTTPS itself (rustls,
//! a certificate from a test CA made here with rcgen). The kiosk refuses it
//! with a certificate error until `sync.ca_file` names the CA; then it syncs.

mod sync_support;

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use sync_support::*;
use tokio::net::TcpListener;
use trato_central::tls::{self, TlsFiles};
use trato_central::AppState;
use trato_kiosk_core::sync::{SyncError, SyncOptions, Syncer};

/// A CA and a server certificate for `localhost` signed by it, as PEM files.
struct TestCa {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn test_ca(dir: &Path) -> TestCa {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "CA de prueba del hospital");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "centro de prueba");
    let server_cert = params.signed_by(&server_key, &issuer).unwrap();

    let files = TestCa {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.ca, ca_cert.pem()).unwrap();
    std::fs::write(&files.cert, server_cert.pem()).unwrap();
    std::fs::write(&files.key, server_key.serialize_pem()).unwrap();
    files
}

fn options() -> SyncOptions {
    SyncOptions {
        check_survey: false,
        ..SyncOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_trusts_the_hospitals_ca_only_through_sync_ca_file() {
    let pki = tempfile::tempdir().unwrap();
    let ca = test_ca(pki.path());
    let db = centre_db().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = tls::reloading(TlsFiles {
        cert: ca.cert.clone(),
        key: ca.key.clone(),
    })
    .unwrap();
    let state = AppState::new(db.store.clone(), unlimited());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tls::serve_tls(listener, config, state, async {
        let _ = stopped.await;
    }));

    let mut k = kiosk();
    let ids = k.add_responses(25);
    let token = db.register(&k.id()).await;
    k.point_at(&format!("https://localhost:{port}"), &token);

    // The system's trust store does not know the hospital's CA.
    let mut syncer = Syncer::open(&k.db(), options()).unwrap();
    match syncer.run_once().await {
        Err(SyncError::Certificate(detail)) => assert!(!detail.is_empty()),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert_eq!(k.counts().sent, 0);
    assert_eq!(db.counts().0, 0);

    k.kiosk
        .update_settings(&[("sync.ca_file", ca.ca.to_str().unwrap())])
        .unwrap();
    let report = syncer
        .run_once()
        .await
        .expect("sync over the hospital's CA");
    assert_eq!(report.sent(), ids.len());
    assert_eq!(k.counts().sent, ids.len() as i64);
    assert_eq!(db.counts(), (ids.len() as i64, ids.len() as i64));

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[test]
fn a_relative_or_missing_ca_file_is_a_clear_error() {
    let mut k = kiosk();
    let err = k
        .kiosk
        .update_settings(&[("sync.ca_file", "ca.pem")])
        .unwrap_err();
    assert!(err.to_string().contains("sync.ca_file"), "{err}");

    let missing = k.dir.path().join("no-such-ca.pem");
    k.kiosk
        .update_settings(&[
            ("sync.ca_file", missing.to_str().unwrap()),
            ("sync.endpoint", "https://localhost:9"),
            ("sync.token", "abcdefghijklmnopqrstuvwxyz"),
        ])
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut syncer = Syncer::open(&k.db(), options()).unwrap();
    match runtime.block_on(syncer.run_once()) {
        Err(SyncError::Client(detail)) => {
            assert!(detail.contains("no-such-ca.pem"), "{detail}")
        }
        other => panic!("expected an error naming the CA file, got {other:?}"),
    }
}
