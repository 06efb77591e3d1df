//! What the kiosk does with the centre's answer to "which survey is active
//! for me?": the kiosk adopts whatever survey the centre names, older or
//! newer, and keeps its own when it cannot read the one offered (saying why).

use trato_domain::wire::{read_offered_survey, ActiveSurveyReply};
use trato_domain::SurveyDefinition;

/// The survey-format version this kiosk reads (it tells the centre, which
/// never offers a newer one).
pub const READS_FORMAT: u32 = trato_domain::FORMAT_VERSION;

/// The outcome of one survey check.
#[derive(Debug, Clone, PartialEq)]
pub enum Offered {
    /// Nothing offered (an old centre, or no survey at all): keep the current one.
    Nothing,
    /// The centre names the survey the kiosk already runs.
    Current,
    /// Another survey or version: install it between patients.
    Adopt(Box<SurveyDefinition>),
    /// A survey the kiosk cannot use: it keeps its own and reports why.
    Unusable {
        id: String,
        version: u32,
        problem: String,
    },
}

/// Sorts the centre's reply for a kiosk running `running` (id, version)
/// that reads survey formats up to `reads`.
pub fn sort_offer(reply: &ActiveSurveyReply, running: (&str, u32), reads: u32) -> Offered {
    if let Some(w) = &reply.withheld {
        return Offered::Unusable {
            id: w.id.clone(),
            version: w.version,
            problem: format!(
                "el servidor central tiene la encuesta {} versión {} para esta unidad en el formato {}; este quiosco lee hasta el formato {reads}: actualice la aplicación del quiosco",
                w.id, w.version, w.format
            ),
        };
    }
    let Some(doc) = &reply.survey else {
        return Offered::Nothing;
    };
    let named = (
        doc.get("id").and_then(|v| v.as_str()).unwrap_or_default(),
        doc.get("version")
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok()),
    );
    if named == (running.0, Some(running.1)) {
        return Offered::Current;
    }
    match read_offered_survey(doc, reads) {
        Ok(def) => Offered::Adopt(Box::new(def)),
        Err(problem) => Offered::Unusable {
            id: named.0.to_owned(),
            version: named.1.unwrap_or_default(),
            problem,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trato_domain::wire::WithheldSurvey;

    fn reply(survey: Option<serde_json::Value>) -> ActiveSurveyReply {
        ActiveSurveyReply {
            server_time: chrono::Utc::now(),
            survey,
            withheld: None,
        }
    }

    fn default_doc(version: u32) -> serde_json::Value {
        let mut doc: serde_json::Value =
            serde_json::from_str(trato_domain::DEFAULT_SURVEY_V1_JSON).unwrap();
        doc["version"] = version.into();
        doc
    }

    #[test]
    fn adopts_any_other_version_older_or_newer() {
        assert_eq!(
            sort_offer(
                &reply(Some(default_doc(1))),
                ("trato-digno", 1),
                READS_FORMAT
            ),
            Offered::Current
        );
        for (running, offered) in [(1, 2), (3, 2)] {
            match sort_offer(
                &reply(Some(default_doc(offered))),
                ("trato-digno", running),
                READS_FORMAT,
            ) {
                Offered::Adopt(def) => assert_eq!(def.version, offered),
                other => panic!("running v{running}, offered v{offered}: {other:?}"),
            }
        }
        assert_eq!(
            sort_offer(&reply(None), ("trato-digno", 1), READS_FORMAT),
            Offered::Nothing
        );
    }

    #[test]
    fn an_unreadable_offer_is_kept_out_with_its_reason() {
        let mut newer = default_doc(2);
        newer["format"] = (READS_FORMAT + 1).into();
        match sort_offer(&reply(Some(newer)), ("trato-digno", 1), READS_FORMAT) {
            Offered::Unusable {
                version, problem, ..
            } => {
                assert_eq!(version, 2);
                assert!(problem.contains("format"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
        let mut broken = default_doc(3);
        broken["questions"] = serde_json::json!([]);
        assert!(matches!(
            sort_offer(&reply(Some(broken)), ("trato-digno", 1), READS_FORMAT),
            Offered::Unusable { version: 3, .. }
        ));
        let mut withheld = reply(None);
        withheld.withheld = Some(WithheldSurvey {
            id: "trato-digno".into(),
            version: 4,
            format: 9,
        });
        assert!(matches!(
            sort_offer(&withheld, ("trato-digno", 1), READS_FORMAT),
            Offered::Unusable { version: 4, .. }
        ));
    }
}
