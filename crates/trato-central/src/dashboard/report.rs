//! The bimonthly report per unit (IMSS runs its perception survey every two
//! months): the page's figures for a period, as XLSX and as a printable page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use trato_domain::text::truncate_chars;

use super::api::{bad_query, params, Params};
use super::web::{escape, page};
use super::{summary, today, Figures, Summary, Viewer, Want};
use crate::error::ApiError;
use crate::store::dash::{Counts, FigureQuery};
use crate::AppState;

/// The bimester (Jan–Feb, Mar–Apr, ...) containing `d`.
pub fn bimester(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (d.month0() / 2) * 2 + 1;
    let from = NaiveDate::from_ymd_opt(d.year(), first_month, 1).unwrap_or(d);
    let next = if first_month >= 11 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), first_month + 2, 1)
    };
    let to = next.and_then(|n| n.pred_opt()).unwrap_or(d);
    (from, to)
}

pub struct Report {
    pub summary: Summary,
    pub unit_name: String,
    pub parent: String,
    pub by_area: Vec<(String, Counts)>,
}

async fn build(state: &AppState, viewer: &Viewer, p: &Params) -> Result<Report, ApiError> {
    let unit = p
        .unit
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad_query("`unit` (a CLUES) is required"))?;
    let (from, to) = if p.from.is_none() && p.to.is_none() {
        bimester(today())
    } else {
        p.period()?
    };
    let catalogue = state.store.dash().units().await?;
    let resolved = super::resolve(viewer, &Want::parse(&format!("unit:{unit}"))?, &catalogue)?;
    let s = summary(&*state.store, &resolved, from, to, None, &catalogue).await?;
    let by_area = state
        .store
        .dash()
        .figures_by_area(&FigureQuery {
            from,
            to,
            units: resolved.units.clone(),
            area: None,
        })
        .await?;
    let (unit_name, parent) = catalogue
        .iter()
        .find(|u| u.clues == unit)
        .map(|u| (u.name.clone(), u.parent.clone()))
        .unwrap_or_else(|| (unit.clone(), String::new()));
    Ok(Report {
        summary: s,
        unit_name,
        parent,
        by_area,
    })
}

fn pct_text(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.1} %"))
}

/// The summary's rows: % positive and % negative of each indicator the
/// period's survey versions declare, labelled as the survey labels it.
fn indicator_rows(s: &Summary) -> Vec<(String, Option<f64>)> {
    let mut rows = Vec::new();
    for ind in &s.indicators {
        let label = ind
            .label
            .get("es")
            .or_else(|| ind.label.values().next())
            .cloned()
            .unwrap_or_else(|| ind.key.clone());
        rows.push((format!("% positivo: {label}"), ind.pct_positive));
        rows.push((format!("% negativo: {label}"), ind.pct_negative));
    }
    rows
}

/// Text as one spreadsheet cell holds it (Excel's limit: 32,767 characters).
fn cell(s: &str) -> &str {
    truncate_chars(s, 32_767)
}

pub fn xlsx(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let pctf = Format::new().set_num_format("0.0");
    let s = &r.summary;
    let ws = wb.add_worksheet();
    ws.set_name("Resumen")?;
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 18)?;
    ws.write_string_with_format(0, 0, "Informe bimestral de Trato Digno", &title)?;
    let meta = [
        ("Unidad", r.unit_name.clone()),
        (
            "CLUES",
            s.units.first().map(|u| u.clues.clone()).unwrap_or_default(),
        ),
        ("OOAD / UMAE", r.parent.clone()),
        ("Periodo", format!("{} a {}", s.from, s.to)),
    ];
    for (i, (k, v)) in meta.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *k, &bold)?;
        ws.write_string(row, 1, cell(v))?;
    }
    let t = &s.totals;
    ws.write_string_with_format(7, 0, "Respuestas", &bold)?;
    ws.write_number(7, 1, t.counts.responses as f64)?;
    let rows = indicator_rows(s);
    for (i, (label, v)) in rows.iter().enumerate() {
        let row = 8 + i as u32;
        ws.write_string_with_format(row, 0, label, &bold)?;
        match v {
            Some(v) => ws.write_number_with_format(row, 1, *v, &pctf)?,
            None => ws.write_string(row, 1, "—")?,
        };
    }
    let alerts_row = 8 + rows.len() as u32;
    ws.write_string_with_format(alerts_row, 0, "Alertas", &bold)?;
    ws.write_number(alerts_row, 1, t.counts.alerts as f64)?;

    let days = wb.add_worksheet();
    days.set_name("Por día")?;
    let heads = [
        "Día",
        "Respuestas",
        "% positivo",
        "% negativo",
        "% saludo",
        "% escucha",
        "% respuesta",
        "Alertas",
    ];
    for (c, h) in heads.iter().enumerate() {
        days.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    days.set_column_width(0, 12)?;
    for (i, d) in s.days.iter().enumerate() {
        let row = 1 + i as u32;
        days.write_string(row, 0, d.day.to_string())?;
        days.write_number(row, 1, d.figures.counts.responses as f64)?;
        for (c, v) in [
            d.figures.pct_positive,
            d.figures.pct_negative,
            d.figures.pct_saludo,
            d.figures.pct_escucha,
            d.figures.pct_respuesta,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v {
                days.write_number_with_format(row, 2 + c as u16, v, &pctf)?;
            }
        }
        days.write_number(row, 7, d.figures.counts.alerts as f64)?;
    }

    let areas = wb.add_worksheet();
    areas.set_name("Por servicio")?;
    areas.set_column_width(0, 24)?;
    let mut heads2 = heads;
    heads2[0] = "Servicio";
    for (c, h) in heads2.iter().enumerate() {
        areas.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (a, c)) in r.by_area.iter().enumerate() {
        let row = 1 + i as u32;
        let f: Figures = (*c).into();
        areas.write_string(row, 0, cell(a))?;
        areas.write_number(row, 1, c.responses as f64)?;
        for (k, v) in [
            f.pct_positive,
            f.pct_negative,
            f.pct_saludo,
            f.pct_escucha,
            f.pct_respuesta,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v {
                areas.write_number_with_format(row, 2 + k as u16, v, &pctf)?;
            }
        }
        areas.write_number(row, 7, c.alerts as f64)?;
    }
    wb.save_to_buffer()
}

/// `GET /api/v1/dashboard/report.xlsx?unit=CLUES[&from&to]`.
pub async fn report_xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let r = build(&state, &viewer, &p).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        let name = format!(
            "informe-{}-{}-{}.xlsx",
            r.summary.units.first().map_or("", |u| u.clues.as_str()),
            r.summary.from,
            r.summary.to
        );
        xlsx(&r).map(|b| (name, b))
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", bytes.0),
            ),
        ],
        bytes.1,
    )
        .into_response())
}

/// `GET /informe?unit=CLUES[&from&to]`: the same report as a clean page
/// for printing (no script; a print stylesheet hides the controls).
pub async fn report_page(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Some(viewer) = viewer else {
        return Ok(axum::response::Redirect::to("/login").into_response());
    };
    let p = params(q)?;
    let r = build(&state, &viewer, &p).await?;
    let s = &r.summary;
    let t = &s.totals;
    let mut rows = format!(
        "<tr><th>Respuestas</th><td>{}</td></tr>",
        t.counts.responses
    );
    for (label, v) in indicator_rows(s) {
        rows.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(&label),
            pct_text(v)
        ));
    }
    rows.push_str(&format!(
        "<tr><th>Alertas</th><td>{}</td></tr>",
        t.counts.alerts
    ));
    let mut areas = String::new();
    for (a, c) in &r.by_area {
        let f: Figures = (*c).into();
        areas.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(a),
            c.responses,
            pct_text(f.pct_positive),
            pct_text(f.pct_negative),
            pct_text(f.pct_saludo),
            pct_text(f.pct_escucha),
            pct_text(f.pct_respuesta)
        ));
    }
    let clues = s.units.first().map_or("", |u| u.clues.as_str());
    let xlsx_link = format!(
        "/api/v1/dashboard/report.xlsx?unit={}&from={}&to={}",
        clues, s.from, s.to
    );
    let body = format!(
        r#"<main class="informe">
<p class="no-print"><a href="/tablero">← Volver al tablero</a> · <a href="{xlsx}">Descargar XLSX</a> · Use Imprimir del navegador (Ctrl+P).</p>
<h1>Informe bimestral de Trato Digno</h1>
<p class="sub"><strong>{name}</strong> ({clues}) · {parent}<br>Periodo: {from} a {to}</p>
<table class="resumen">{rows}</table>
<h2>Por servicio</h2>
<table class="tabla"><thead><tr><th>Servicio</th><th>Respuestas</th><th>% positivo</th><th>% negativo</th><th>% saludo</th><th>% escucha</th><th>% respuesta</th></tr></thead><tbody>{areas}</tbody></table>
<p class="pie">Generado {gen} por {who}. Positivo y negativo según lo que declara cada versión de la encuesta, sobre quienes dieron una opinión.</p>
</main>"#,
        xlsx = escape(&xlsx_link),
        name = escape(&r.unit_name),
        clues = escape(clues),
        parent = escape(&r.parent),
        from = s.from,
        to = s.to,
        gen = s.generated_at.format("%Y-%m-%d %H:%M UTC"),
        who = escape(&viewer.name),
    );
    Ok(page("Informe bimestral — Trato Digno", &body, None).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bimesters() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(bimester(d(2026, 2, 15)), (d(2026, 1, 1), d(2026, 2, 28)));
        assert_eq!(bimester(d(2026, 3, 1)), (d(2026, 3, 1), d(2026, 4, 30)));
        assert_eq!(bimester(d(2026, 12, 31)), (d(2026, 11, 1), d(2026, 12, 31)));
    }
}
