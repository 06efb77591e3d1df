//! The bimonthly report per unit (IMSS runs its perception survey every two
//! months): the page's figures for a period and the period's newest
//! comments (what a committee discusses in its session), as XLSX and as a
//! printable page. Times in the unit's local time.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use trato_domain::text::truncate_chars;

use super::api::{bad_query, params, Params};
use super::comments::{self, CommentItem, Shown};
use super::format::{mx_int, mx_pct, mx_points};
use super::labels::Labels;
use super::summary::{scope_totals, Period, SummaryQuery};
use super::web::{escape, page};
use super::{summary, today, Figures, Summary, Viewer, Want};
use crate::error::ApiError;
use crate::local_time::{self, UnitClocks};
use crate::store::dash::{FigureQuery, Tally};
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
    /// The unit's OOAD or UMAE and the whole institute over the same
    /// period: aggregates only, whoever asks.
    pub parent_totals: Option<Figures>,
    pub national_totals: Figures,
    /// The figures of each service area, as the summary's.
    pub by_area: Vec<(String, Figures)>,
    /// The period's newest comments (at most [`COMMENTS_MAX`]) ...
    pub comments: Vec<CommentItem>,
    /// ... of this many.
    pub comments_total: i64,
    /// The unit's local time, for the report's own times.
    pub utc_offset_minutes: i32,
}

/// Comments a report lists; the rest are counted, and the comments view
/// and its export have them all.
pub const COMMENTS_MAX: i64 = 100;

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
    let q = SummaryQuery {
        period: Period { from, to },
        area: None,
        min_responses: state.config.ranking_min_responses,
    };
    let s = summary(&*state.store, &resolved, q, &catalogue).await?;
    let sums = state
        .store
        .dash()
        .figures_by_area(&FigureQuery {
            from,
            to,
            units: resolved.units.clone(),
            area: None,
            by_day: false,
        })
        .await?;
    let headline = super::indicators::headline(&s.indicators);
    let by_area = sums
        .areas
        .into_iter()
        .map(|(area, totals)| {
            let tallies: BTreeMap<String, Tally> = sums
                .indicators
                .iter()
                .filter(|(a, _, _)| *a == area)
                .map(|(_, k, t)| (k.clone(), *t))
                .collect();
            let f = Figures::new(totals, tallies, headline);
            (area, f)
        })
        .collect();
    let (unit_name, parent) = catalogue
        .iter()
        .find(|u| u.clues == unit)
        .map(|u| (u.name.clone(), u.parent.clone()))
        .unwrap_or_else(|| (unit.clone(), String::new()));
    let period = Period { from, to };
    let siblings: Vec<String> = catalogue
        .iter()
        .filter(|u| !parent.is_empty() && u.parent == parent)
        .map(|u| u.clues.clone())
        .collect();
    let headline = super::indicators::headline(&s.indicators).map(str::to_owned);
    let parent_totals = match siblings.is_empty() {
        true => None,
        false => {
            Some(scope_totals(&*state.store, Some(siblings), period, headline.as_deref()).await?)
        }
    };
    let national_totals = scope_totals(&*state.store, None, period, headline.as_deref()).await?;
    let labels = Labels::load(&*state.store).await?;
    let clocks = UnitClocks::load(&*state.store).await?;
    let shown = Shown {
        labels: &labels,
        catalogue: &catalogue,
        clocks: &clocks,
    };
    let (comments, comments_total) = comments::newest(
        state,
        resolved.units.clone(),
        from,
        to,
        COMMENTS_MAX,
        &shown,
    )
    .await?;
    Ok(Report {
        comments,
        comments_total,
        utc_offset_minutes: clocks.offset(&unit),
        summary: s,
        unit_name,
        parent,
        parent_totals,
        national_totals,
        by_area,
    })
}

/// An indicator's label in Spanish (or any language it has, or its key).
fn label(ind: &super::indicators::IndicatorFigures) -> String {
    ind.label
        .get("es")
        .or_else(|| ind.label.values().next())
        .cloned()
        .unwrap_or_else(|| ind.key.clone())
}

/// One line of the summary: a figure of the unit, its OOAD/UMAE, the
/// nation, the unit in the previous period, and the unit's change.
struct SummaryLine {
    label: String,
    /// A count (written as an integer) or a percentage.
    count: bool,
    values: [Option<f64>; 4],
}

impl SummaryLine {
    fn change(&self) -> Option<f64> {
        match (self.count, self.values[0], self.values[3]) {
            (false, Some(now), Some(before)) => Some(((now - before) * 10.0).round() / 10.0),
            _ => None,
        }
    }
}

/// The summary's lines: responses, % positive and % negative of each
/// indicator the period's survey versions declare (labelled as the survey
/// labels it), alerts.
fn summary_lines(r: &Report) -> Vec<SummaryLine> {
    let s = &r.summary;
    let all = [
        Some(&s.totals),
        r.parent_totals.as_ref(),
        Some(&r.national_totals),
        Some(&s.previous_totals),
    ];
    let count = |label: &str, f: fn(&Figures) -> i64| SummaryLine {
        label: label.to_owned(),
        count: true,
        values: all.map(|x| x.map(|x| f(x) as f64)),
    };
    let mut lines = vec![count("Respuestas", |f| f.responses)];
    for ind in &s.indicators {
        let label = label(ind);
        let pcts = all.map(|x| x.and_then(|f| f.indicators.get(&ind.key)).map(|i| i.pct));
        lines.push(SummaryLine {
            label: format!("% positivo: {label}"),
            count: false,
            values: pcts.map(|p| p.and_then(|p| p.pct_positive)),
        });
        lines.push(SummaryLine {
            label: format!("% negativo: {label}"),
            count: false,
            values: pcts.map(|p| p.and_then(|p| p.pct_negative)),
        });
    }
    lines.push(count("Alertas", |f| f.alerts));
    lines
}

/// The summary's column heads after the figure's name.
fn summary_heads(r: &Report) -> [String; 5] {
    let p = r.summary.previous;
    [
        "Unidad".into(),
        if r.parent.is_empty() {
            "OOAD / UMAE".into()
        } else {
            r.parent.clone()
        },
        "Nacional".into(),
        format!("Periodo anterior ({} a {})", p.from, p.to),
        "Cambio (puntos)".into(),
    ]
}

/// The per-day and per-area tables' columns after "Respuestas": each
/// indicator's % positive (and, in the spreadsheet, % negative), then the
/// alerts.
fn table_heads(s: &Summary, negatives: bool) -> Vec<String> {
    let mut heads = vec!["Respuestas".to_owned()];
    for ind in &s.indicators {
        let label = label(ind);
        if negatives {
            heads.push(format!("% positivo: {label}"));
            heads.push(format!("% negativo: {label}"));
        } else {
            heads.push(label);
        }
    }
    heads.push("Alertas".into());
    heads
}

/// One row of those tables, in [`table_heads`]' order (`None`: no answers).
fn table_row(s: &Summary, f: &Figures, negatives: bool) -> Vec<Option<f64>> {
    let mut row = vec![Some(f.responses as f64)];
    for ind in &s.indicators {
        let p = f
            .indicators
            .get(&ind.key)
            .map(|i| i.pct)
            .unwrap_or_default();
        row.push(p.pct_positive);
        if negatives {
            row.push(p.pct_negative);
        }
    }
    row.push(Some(f.alerts as f64));
    row
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
    let intf = Format::new().set_num_format("#,##0");
    let first = 7;
    ws.write_string_with_format(first, 0, "Indicador", &bold)?;
    for (c, h) in summary_heads(r).iter().enumerate() {
        ws.set_column_width(1 + c as u16, 18)?;
        ws.write_string_with_format(first, 1 + c as u16, cell(h), &bold)?;
    }
    for (i, line) in summary_lines(r).iter().enumerate() {
        let row = first + 1 + i as u32;
        ws.write_string_with_format(row, 0, &line.label, &bold)?;
        let values = line.values.iter().copied().chain([line.change()]);
        for (c, v) in values.enumerate() {
            let col = 1 + c as u16;
            match v {
                Some(v) if line.count => ws.write_number_with_format(row, col, v, &intf)?,
                Some(v) => ws.write_number_with_format(row, col, v, &pctf)?,
                None => ws.write_string(row, col, "—")?,
            };
        }
    }

    let heads = table_heads(s, true);
    let last = heads.len();
    let mut table = |name: &str, first: &str, rows: Vec<(String, &Figures)>| {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        ws.set_column_width(0, 24)?;
        ws.write_string_with_format(0, 0, first, &bold)?;
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(0, 1 + c as u16, h, &bold)?;
        }
        for (i, (key, f)) in rows.into_iter().enumerate() {
            let row = 1 + i as u32;
            ws.write_string(row, 0, cell(&key))?;
            for (c, v) in table_row(s, f, true).into_iter().enumerate() {
                let col = 1 + c as u16;
                // Counts (the first and last columns) plain, percentages with a decimal.
                match v {
                    Some(v) if c == 0 || c + 1 == last => {
                        ws.write_number_with_format(row, col, v, &intf)?
                    }
                    Some(v) => ws.write_number_with_format(row, col, v, &pctf)?,
                    None => ws,
                };
            }
        }
        Ok::<_, XlsxError>(())
    };
    table(
        "Por día",
        "Día",
        s.days
            .iter()
            .map(|d| (d.day.to_string(), &d.figures))
            .collect(),
    )?;
    table(
        "Por servicio",
        "Servicio",
        r.by_area.iter().map(|(a, f)| (a.clone(), f)).collect(),
    )?;
    comments_sheet(r, &mut wb)?;
    wb.save_to_buffer()
}

/// "Comentarios": the listed comments as the comments export writes them,
/// under a line that says how many there are in all.
fn comments_sheet(r: &Report, wb: &mut Workbook) -> Result<(), XlsxError> {
    comments::table(&r.comments).write_sheet(wb, 2)?;
    let ws = wb.worksheet_from_name("Comentarios")?;
    ws.write_string_with_format(0, 0, comments_count_line(r), &Format::new().set_bold())?;
    Ok(())
}

/// "100 comentarios más recientes de 240", or "12 comentarios".
fn comments_count_line(r: &Report) -> String {
    let shown = r.comments.len() as i64;
    match r.comments_total {
        0 => "Sin comentarios en el periodo.".to_owned(),
        n if n > shown => format!(
            "Los {} comentarios más recientes de {}: el resto, en Comentarios del tablero.",
            mx_int(shown),
            mx_int(n)
        ),
        1 => "1 comentario.".to_owned(),
        n => format!("{} comentarios.", mx_int(n)),
    }
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
    let mut rows = String::from("<tr><th></th>");
    for h in summary_heads(&r) {
        rows.push_str(&format!("<th>{}</th>", escape(&h)));
    }
    rows.push_str("</tr>");
    for line in summary_lines(&r) {
        rows.push_str(&format!("<tr><th>{}</th>", escape(&line.label)));
        for v in line.values {
            let text = match line.count {
                true => v.map_or("—".into(), |n| mx_int(n as i64)),
                false => mx_pct(v),
            };
            rows.push_str(&format!("<td>{text}</td>"));
        }
        rows.push_str(&format!("<td>{}</td></tr>", mx_points(line.change())));
    }
    let trend = trend_svg(s);
    let heads: String = table_heads(s, false)
        .iter()
        .map(|h| format!("<th>{}</th>", escape(h)))
        .collect();
    let last = table_heads(s, false).len();
    let mut areas = String::new();
    for (a, f) in &r.by_area {
        areas.push_str(&format!("<tr><td>{}</td>", escape(a)));
        for (c, v) in table_row(s, f, false).into_iter().enumerate() {
            let text = if c == 0 || c + 1 == last {
                v.map_or(String::new(), |n| mx_int(n as i64))
            } else {
                mx_pct(v)
            };
            areas.push_str(&format!("<td>{text}</td>"));
        }
        areas.push_str("</tr>");
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
<h2>Tendencia por día</h2>
{trend}
<h2>Por servicio <small>(% positivo de cada indicador)</small></h2>
<table class="tabla"><thead><tr><th>Servicio</th>{heads}</tr></thead><tbody>{areas}</tbody></table>
{comments}
<p class="pie">Generado el {gen} (hora local de la unidad) por {who}. Positivo y negativo según lo que declara cada versión de la encuesta, sobre quienes dieron una opinión.</p>
</main>"#,
        xlsx = escape(&xlsx_link),
        name = escape(&r.unit_name),
        clues = escape(clues),
        parent = escape(&r.parent),
        from = s.from,
        to = s.to,
        comments = comments_html(&r, clues),
        gen = local_time::display(s.generated_at, r.utc_offset_minutes),
        who = escape(&viewer.name),
    );
    Ok(page("Informe bimestral — Trato Digno", &body, None).into_response())
}

/// The period's comments, newest first, each with its local time, service
/// and the answers it came with; then how many more and where they are.
fn comments_html(r: &Report, clues: &str) -> String {
    let s = &r.summary;
    let mut out = format!(
        "<section class=\"comentarios\" data-testid=\"report-comments\">\n<h2>Comentarios del periodo <small>(como se guardaron: datos personales enmascarados; los más recientes primero)</small></h2>\n<p class=\"muted\" data-testid=\"report-comments-count\">{}</p>\n<ol class=\"comentarios\">",
        escape(&comments_count_line(r))
    );
    for c in &r.comments {
        out.push_str(&format!(
            "<li><p class=\"c-meta\"><time>{}</time> · {}</p><blockquote>{}</blockquote><p class=\"c-answers\">{}</p></li>",
            escape(&c.local_time),
            escape(&c.record.service_area),
            escape(&c.record.text),
            escape(&c.answers_text),
        ));
    }
    out.push_str("</ol>");
    let more = r.comments_total - r.comments.len() as i64;
    if more > 0 {
        let all = format!(
            "/api/v1/dashboard/comments?scope=unit:{}&from={}&to={}&format=xlsx",
            clues, s.from, s.to
        );
        out.push_str(&format!(
            "<p class=\"mas\" data-testid=\"report-comments-more\">Hay {} comentarios más en este periodo: véalos todos en la sección <a href=\"/tablero#comments-card\">Comentarios del tablero</a> (unidad {}, del {} al {}) o <a href=\"{}\">descárguelos completos (XLSX)</a>.</p>",
            mx_int(more),
            escape(clues),
            s.from,
            s.to,
            escape(&all)
        ));
    }
    out.push_str("</section>");
    out
}

/// The daily % positive of the headline indicator as a small bar chart,
/// drawn on the server (the printable page runs no script); days with no
/// answers are gaps, and each bar carries its figure for screen readers.
fn trend_svg(s: &Summary) -> String {
    let n = s.days.len().max(1) as f64;
    let (w, h, top) = (860.0, 150.0, 10.0);
    let bw = (w / n * 0.7).clamp(2.0, 24.0);
    let mut bars = String::new();
    for (i, d) in s.days.iter().enumerate() {
        let Some(p) = d.figures.pct_positive else {
            continue;
        };
        let x = 40.0 + i as f64 * (w - 40.0 - bw) / (n - 1.0).max(1.0);
        let bh = (h - top) * p / 100.0;
        bars.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\"><title>{}: {}</title></rect>",
            h - bh,
            d.day,
            mx_pct(Some(p))
        ));
    }
    format!(
        "<svg class=\"trend-print\" viewBox=\"0 0 {w} {vh}\" role=\"img\" aria-label=\"% positivo por día, del {} al {}\">\
         <line x1=\"40\" x2=\"{w}\" y1=\"{h}\" y2=\"{h}\"/><line x1=\"40\" x2=\"{w}\" y1=\"{top}\" y2=\"{top}\"/>\
         <text x=\"34\" y=\"{ty}\" text-anchor=\"end\">100 %</text><text x=\"34\" y=\"{h}\" text-anchor=\"end\">0 %</text>\
         {bars}<text x=\"40\" y=\"{ly}\">{}</text><text x=\"{w}\" y=\"{ly}\" text-anchor=\"end\">{}</text></svg>",
        s.from,
        s.to,
        s.from,
        s.to,
        vh = h + 20.0,
        ty = top + 4.0,
        ly = h + 16.0,
    )
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
