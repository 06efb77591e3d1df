//! The bimonthly report's comments (printable page and XLSX read back with
//! calamine), and every time the tablero shows in the unit's local time,
//! never UTC: alerts (list, due, history), comments, the Kioscos view, the
//! units table, the report and the CSV/XLSX exports. The unit's kiosks
//! report UTC-5 and the responses come just before local midnight, so a
//! time shown in UTC (or at the default UTC-6) lands on another hour and
//! day. SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use common::backends;
use dashboard_support::*;
use serde_json::Value;
use trato_central::dashboard::report::{bimester, COMMENTS_MAX};
use trato_central::dashboard::today;
use trato_domain::{Answer, Response, SurveyDefinition, DEFAULT_SURVEY_V1_JSON};

/// The unit's kiosks' offset: UTC-5 (Quintana Roo).
const OFFSET: i32 = -300;
const UNIT: &str = "DFIMS000020";

/// A day of the previous bimester, so every response is in the past.
fn day() -> NaiveDate {
    let (from, _) = bimester(today());
    bimester(from - Duration::days(1)).0 + Duration::days(10)
}

/// `local` (on the unit's clock) as UTC.
fn utc(local: NaiveDateTime) -> DateTime<Utc> {
    (local - Duration::minutes(i64::from(OFFSET))).and_utc()
}

fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_hms_opt(h, m, 0).unwrap()
}

/// How pages show a local time.
fn shown(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// A response of the unit's kiosk at `local`, rated `trato`, with a comment.
fn commented(
    k: &trato_central::admin::IssuedKiosk,
    local: NaiveDateTime,
    trato: &str,
    area: &str,
    text: &str,
) -> Response {
    let mut r = response(k, utc(local), area, trato, ["si", "si", "si", "si"]);
    r.utc_offset_minutes = OFFSET;
    r.answers.push(Answer {
        question: "comentario".into(),
        codes: vec![],
        text: Some(text.into()),
    });
    r
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

fn column(range: &Range<Data>, header_row: u32, name: &str) -> u32 {
    (0..range.width() as u32)
        .find(|c| range.get_value((header_row, *c)) == Some(&Data::String(name.into())))
        .unwrap_or_else(|| panic!("column {name}"))
}

fn datetime(v: Option<&Data>) -> NaiveDateTime {
    match v {
        Some(Data::DateTime(t)) => t.as_datetime().unwrap(),
        other => panic!("a typed date cell, not {other:?}"),
    }
}

/// The option label the survey definition gives `code` of `question`.
fn option_label(question: &str, code: &str) -> String {
    let s = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).unwrap();
    let q = s.question(question).unwrap();
    q.options.iter().find(|o| o.code == code).unwrap().label["es"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_report_lists_the_periods_comments_newest_first_in_local_time_capped() {
    for b in backends() {
        let d = start(b).await;
        let k = d.kiosk(UNIT).await;
        let other = d.kiosk("NLIMS000315").await;
        let day = day();
        let (from, to) = bimester(day);
        // COMMENTS_MAX + 5 comments, one a minute, the newest at 23:59 local;
        // with an e-mail address the centre masks at receipt.
        let n = COMMENTS_MAX as usize + 5;
        let rs: Vec<Response> = (0..n)
            .map(|i| {
                let local = at(day, 23, 59) - Duration::minutes(i as i64);
                let area = if i % 2 == 0 {
                    "urgencias"
                } else {
                    "consulta externa"
                };
                commented(
                    &k,
                    local,
                    "2",
                    area,
                    &format!("Comentario {i}: escribir a ana@correo.mx"),
                )
            })
            .collect();
        d.post_batch(&k, rs).await;
        let mut elsewhere = response(&other, utc(at(day, 12, 0)), "urgencias", "5", ["si"; 4]);
        elsewhere.answers.push(Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some("Comentario de otra unidad".into()),
        });
        d.post_batch(&other, vec![elsewhere]).await;
        // Before the period: not in this report.
        d.post_batch(
            &k,
            vec![commented(
                &k,
                at(from - Duration::days(1), 9, 0),
                "2",
                "urgencias",
                "Del bimestre anterior",
            )],
        )
        .await;

        let u20 = d.login("unidad.020").await;
        let query = format!("unit={UNIT}&from={from}&to={to}");
        let html = d.get_text(&u20, &format!("/informe?{query}")).await;
        let items: Vec<&str> = html.split("<li><p class=\"c-meta\">").skip(1).collect();
        assert_eq!(items.len(), COMMENTS_MAX as usize, "{b:?}: capped");
        // Newest first, with the unit's local time, the area and the answers in words.
        assert!(
            items[0].contains(&format!(
                "<time>{}</time> · urgencias",
                shown(at(day, 23, 59))
            )),
            "{b:?}: {}",
            items[0]
        );
        assert!(
            items[0].contains("Comentario 0: escribir a [correo]"),
            "{}",
            items[0]
        );
        assert!(items[1].contains(&format!(
            "<time>{}</time> · consulta externa",
            shown(at(day, 23, 58))
        )));
        assert!(items[99].contains("Comentario 99:"));
        assert!(
            items[0].contains(&option_label("trato", "2")),
            "answers in words: {}",
            items[0]
        );
        assert!(
            !html.contains("trato=") && !html.contains("ana@correo.mx"),
            "{b:?}"
        );
        assert!(!html.contains("otra unidad") && !html.contains("Del bimestre anterior"));
        // UTC would be the next day at 04:59.
        assert!(!html.contains(&shown(at(day + Duration::days(1), 4, 59))));
        assert!(
            html.contains("Los 100 comentarios más recientes de 105"),
            "{b:?}"
        );
        let more = html
            .split("data-testid=\"report-comments-more\"")
            .nth(1)
            .unwrap();
        assert!(
            more.contains("Hay 5 comentarios más")
                && more.contains("href=\"/tablero#comments-card\""),
            "{more}"
        );
        let all = format!("/api/v1/dashboard/comments?scope=unit:{UNIT}&amp;from={from}&amp;to={to}&amp;format=xlsx");
        assert!(more.contains(&all), "{more}");
        assert!(html.contains("(hora local de la unidad)") && !html.contains("UTC"));

        // The link to all of them gives all of them.
        let r = d.get(&u20, &all.replace("&amp;", "&")).await;
        assert_eq!(r.status(), 200);
        let every = sheet(&r.bytes().await.unwrap(), "Comentarios");
        assert_eq!(every.height(), n + 1, "{b:?}");

        // The XLSX: a "Comentarios" sheet, its count line, typed cells.
        let r = d
            .get(&u20, &format!("/api/v1/dashboard/report.xlsx?{query}"))
            .await;
        assert_eq!(r.status(), 200);
        let ws = sheet(&r.bytes().await.unwrap(), "Comentarios");
        assert_eq!(
            ws.get_value((0, 0)),
            Some(&Data::String(
                "Los 100 comentarios más recientes de 105: el resto, en Comentarios del tablero."
                    .into()
            ))
        );
        let (when, area, text, answers) = (
            column(&ws, 2, "fecha_hora_local"),
            column(&ws, 2, "servicio"),
            column(&ws, 2, "comentario"),
            column(&ws, 2, "respuestas"),
        );
        assert_eq!(
            ws.height(),
            3 + COMMENTS_MAX as usize,
            "{b:?}: line, blank, header, rows"
        );
        assert_eq!(datetime(ws.get_value((3, when))), at(day, 23, 59), "{b:?}");
        assert_eq!(datetime(ws.get_value((4, when))), at(day, 23, 58));
        assert_eq!(
            ws.get_value((3, area)),
            Some(&Data::String("urgencias".into()))
        );
        assert_eq!(
            ws.get_value((3, text)),
            Some(&Data::String("Comentario 0: escribir a [correo]".into()))
        );
        let Some(Data::String(words)) = ws.get_value((3, answers)) else {
            panic!("answers as text");
        };
        assert!(
            words.contains(&option_label("trato", "2")) && !words.contains('='),
            "{words}"
        );

        // A unit account sees no other unit's report; the national one does.
        let u315 = d.login("unidad.315").await;
        assert_eq!(
            d.get(&u315, &format!("/informe?{query}")).await.status(),
            403
        );
        let nat = d.login("nacional").await;
        let html = d
            .get_text(
                &nat,
                &format!("/informe?unit=NLIMS000315&from={from}&to={to}"),
            )
            .await;
        assert!(
            html.contains("Comentario de otra unidad") && html.contains("1 comentario."),
            "{b:?}"
        );
        assert!(!html.contains("report-comments-more"));
        d.stop().await;
    }
}

/// Local time of an RFC 3339 instant the API gave, on the unit's clock.
fn local_of(v: &Value) -> String {
    let t: DateTime<Utc> = v.as_str().unwrap().parse().unwrap();
    shown((t + Duration::minutes(i64::from(OFFSET))).naive_utc())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_time_on_the_tablero_is_the_units_local_time_never_utc() {
    for b in backends() {
        let d = start(b).await;
        let k = d.kiosk(UNIT).await;
        let day = day();
        let (from, to) = bimester(day);
        // 23:30 local is 04:30 UTC the next day.
        let late = at(day, 23, 30);
        let r = commented(&k, late, "2", "urgencias", "Casi medianoche");
        let id = r.id.to_string();
        d.post_batch(&k, vec![r]).await;
        let u20 = d.login("unidad.020").await;
        let period = format!("from={from}&to={to}");

        // Alerts: list, due time, history after attending.
        let list = d
            .get_json(
                &u20,
                &format!("/api/v1/dashboard/alerts?{period}&status=all"),
            )
            .await;
        let a = &list["alerts"][0];
        assert_eq!(a["id"], id.as_str(), "{b:?} {list}");
        assert_eq!(a["utc_offset_minutes"], OFFSET);
        assert_eq!(a["local"]["finished_at"], shown(late), "{b:?} {a}");
        assert_eq!(a["local"]["due_at"], local_of(&a["due_at"]));
        let due: DateTime<Utc> = a["due_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            due - utc(late),
            Duration::hours(72),
            "a low rating falls due in 72 h"
        );
        assert_eq!(a["local"]["due_at"], shown(late + Duration::hours(72)));
        let r = d
            .attend(&u20, &id, Some(&u20.csrf), "Se habló con el turno")
            .await;
        assert_eq!(r.status(), 200);
        let detail = d
            .get_json(&u20, &format!("/api/v1/dashboard/alerts/{id}"))
            .await;
        let ev = &detail["history"][0];
        assert_eq!(ev["at_local"], local_of(&ev["at"]), "{b:?} {detail}");
        assert_eq!(
            detail["local"]["attended_at"],
            local_of(&detail["attended_at"])
        );
        assert_eq!(detail["local"]["finished_at"], shown(late));

        // Alert exports: local columns, typed XLSX cells.
        let csv = d
            .get_text(
                &u20,
                &format!("/api/v1/dashboard/alerts?{period}&status=all&format=csv"),
            )
            .await;
        let mut rd = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let head = rd.headers().unwrap().clone();
        let row = rd.records().next().unwrap().unwrap();
        let col = |n: &str| {
            head.iter()
                .position(|h| h == n)
                .unwrap_or_else(|| panic!("{n} in {head:?}"))
        };
        assert_eq!(&row[col("fecha_hora_local")], late.to_string(), "{b:?}");
        assert_eq!(
            &row[col("vence_local")],
            (late + Duration::hours(72)).to_string()
        );
        assert!(
            !csv.contains("_utc") && !csv.contains(&utc(late).naive_utc().to_string()),
            "{csv}"
        );
        let r = d
            .get(
                &u20,
                &format!("/api/v1/dashboard/alerts?{period}&status=all&format=xlsx"),
            )
            .await;
        let ws = sheet(&r.bytes().await.unwrap(), "Alertas");
        assert_eq!(
            datetime(ws.get_value((1, column(&ws, 0, "fecha_hora_local")))),
            late,
            "{b:?}"
        );
        assert_eq!(
            datetime(ws.get_value((1, column(&ws, 0, "vence_local")))),
            late + Duration::hours(72)
        );
        let attended: DateTime<Utc> = detail["attended_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            datetime(ws.get_value((1, column(&ws, 0, "atendida_local")))),
            (attended + Duration::minutes(i64::from(OFFSET)))
                .naive_utc()
                .with_nanosecond(0)
                .unwrap()
        );

        // Comments: the list and its exports.
        let c = d
            .get_json(&u20, &format!("/api/v1/dashboard/comments?{period}"))
            .await;
        assert_eq!(c["comments"][0]["local_time"], shown(late), "{b:?} {c}");
        let csv = d
            .get_text(
                &u20,
                &format!("/api/v1/dashboard/comments?{period}&format=csv"),
            )
            .await;
        assert!(
            csv.contains(&late.to_string()) && !csv.contains(&utc(late).naive_utc().to_string()),
            "{csv}"
        );
        let r = d
            .get(
                &u20,
                &format!("/api/v1/dashboard/comments?{period}&format=xlsx"),
            )
            .await;
        let ws = sheet(&r.bytes().await.unwrap(), "Comentarios");
        assert_eq!(
            datetime(ws.get_value((1, column(&ws, 0, "fecha_hora_local")))),
            late
        );

        // The report.
        let html = d
            .get_text(&u20, &format!("/informe?unit={UNIT}&{period}"))
            .await;
        assert!(
            html.contains(&format!("<time>{}</time>", shown(late))),
            "{b:?}"
        );

        // Last contact, in the Kioscos view and the units table.
        let fleet = d.get_json(&u20, "/api/v1/dashboard/kiosks").await;
        let kiosk = &fleet["kiosks"][0];
        assert_eq!(kiosk["utc_offset_minutes"], OFFSET);
        assert_eq!(
            kiosk["last_contact_local"],
            local_of(&kiosk["last_contact"]),
            "{b:?}"
        );
        let s = d.get_json(&u20, "/api/v1/dashboard/summary").await;
        let unit = s["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["clues"] == UNIT)
            .unwrap();
        assert_eq!(
            unit["last_contact_local"],
            local_of(&unit["last_contact"]),
            "{b:?}"
        );
        d.stop().await;
    }
}
