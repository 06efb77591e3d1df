//! The words of the e-mails, in Spanish. They carry the unit, service, time,
//! reason and the comment as stored (masked at receipt: no e-mail, phone,
//! NSS or CURP); never the answers in full nor anything else a patient wrote.

use chrono::{DateTime, NaiveDate, Utc};

use super::smtp::Outgoing;
use crate::dashboard::labels::Labels;
use crate::kiosks::{Fleet, KioskState};
use crate::local_time::display as local_time;
use crate::store::alerts::AlertRecord;

/// Most alerts listed one by one in a digest; the rest are counted.
pub const DIGEST_LIST_MAX: usize = 200;

fn comment_line(a: &AlertRecord) -> String {
    match a.comment.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => format!(
            "Comentario (datos personales enmascarados): «{}»",
            trato_domain::text::truncate_chars(c, 1000)
        ),
        None => "Sin comentario.".to_owned(),
    }
}

/// One urgent alert, to the unit's accounts.
pub fn urgent(
    a: &AlertRecord,
    labels: &Labels,
    unit_name: &str,
    utc_offset_minutes: i32,
) -> Outgoing {
    let reason = labels.reason(&a.reason);
    Outgoing {
        subject: format!(
            "[Trato Digno] Alerta urgente: {reason} en {unit_name} ({})",
            a.unit_clues
        ),
        body: format!(
            "Una persona atendida en {unit_name} ({clues}), servicio {area}, respondió la \
             encuesta de Trato Digno el {when} (hora local).\n\n\
             Motivo: {reason}\n{comment}\n\n\
             Esta alerta se atiende en el tablero de Trato Digno (sección Alertas), donde \
             queda anotado quién la atendió y qué se hizo.\n\n\
             Referencia de la alerta: {id}\n\
             Este mensaje lo envía el servidor central de Trato Digno; no lo responda.\n",
            clues = a.unit_clues,
            area = a.service_area,
            when = local_time(a.finished_at, utc_offset_minutes),
            comment = comment_line(a),
            id = a.id,
        ),
    }
}

pub struct DigestInput<'a> {
    pub account_scope: &'a str,
    pub day: NaiveDate,
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    pub utc_offset_minutes: i32,
    /// The alerts with whether each was urgent (already sent on its own to
    /// the unit's accounts).
    pub alerts: &'a [(AlertRecord, bool)],
    pub labels: &'a Labels,
    pub unit_name: &'a dyn Fn(&str) -> String,
    pub fleet: &'a Fleet,
}

/// One account's daily digest: the alerts of its scope stored since the
/// previous digest, and its kiosks silent over the threshold.
pub fn digest(d: &DigestInput<'_>) -> Outgoing {
    let n = d.alerts.len();
    let silent = d.fleet.counts.silent;
    let mut body = format!(
        "Resumen diario de Trato Digno: {scope}\n\
         Alertas recibidas del {from} al {to} (hora local): {n}\n\
         Quioscos sin contacto por más de {h} horas de atención: {silent}\n",
        scope = d.account_scope,
        from = local_time(d.window_from, d.utc_offset_minutes),
        to = local_time(d.window_to, d.utc_offset_minutes),
        h = d.fleet.silent_after_hours,
    );
    if n > 0 {
        body.push_str("\nAlertas:\n");
        for (a, urgent) in d.alerts.iter().take(DIGEST_LIST_MAX) {
            body.push_str(&format!(
                "\n- {when} · {unit} ({clues}) · {area} · {reason}{tag}\n  {comment}\n",
                when = local_time(a.finished_at, d.utc_offset_minutes),
                unit = (d.unit_name)(&a.unit_clues),
                clues = a.unit_clues,
                area = a.service_area,
                reason = d.labels.reason(&a.reason),
                tag = if *urgent { " (urgente)" } else { "" },
                comment = comment_line(a),
            ));
        }
        if n > DIGEST_LIST_MAX {
            body.push_str(&format!(
                "\n… y {} alertas más: véalas en el tablero.\n",
                n - DIGEST_LIST_MAX
            ));
        }
    }
    let silent_kiosks: Vec<_> = d
        .fleet
        .kiosks
        .iter()
        .filter(|k| k.silent && k.state == KioskState::SinContacto)
        .collect();
    if !silent_kiosks.is_empty() {
        body.push_str("\nQuioscos sin contacto:\n");
        for k in silent_kiosks.iter().take(DIGEST_LIST_MAX) {
            body.push_str(&format!(
                "- {} · {} ({}) · {}\n",
                k.name, k.unit_name, k.unit_clues, k.state_label
            ));
        }
    }
    body.push_str(
        "\nEl detalle y la atención de cada alerta están en el tablero de Trato Digno.\n\
         Este mensaje lo envía el servidor central de Trato Digno; no lo responda.\n",
    );
    Outgoing {
        subject: format!(
            "[Trato Digno] Resumen del {}: {n} {} · {silent} {} sin contacto",
            d.day.format("%d/%m/%Y"),
            if n == 1 { "alerta" } else { "alertas" },
            if silent == 1 { "quiosco" } else { "quioscos" },
        ),
        body,
    }
}
