//! A small valid survey used by the integration tests, as JSON to mutate.
#![allow(dead_code)]

use serde_json::{json, Value};
use trato_domain::{SurveyDefinition, ValidationIssue};

fn lt(es: &str, en: &str) -> Value {
    json!({ "es": es, "en": en })
}

fn opt(code: &str, es: &str, en: &str) -> Value {
    json!({ "code": code, "label": lt(es, en) })
}

/// Questions: 0 trato (faces, headline), 1 saludo (yes/no + en_parte),
/// 2 espera (single choice), 3 mejorar (multiple choice, shown if trato 1|2),
/// 4 recomienda (0-10), 5 porque (free text, shown if recomienda 0..6),
/// 6 comentario (free text, max 20).
pub fn base() -> Value {
    json!({
        "id": "prueba",
        "version": 1,
        "languages": ["es", "en"],
        "title": lt("Encuesta de prueba", "Test survey"),
        "questions": [
            {
                "id": "trato", "kind": "faces", "required": true, "headline": true,
                "prompt": lt("¿Cómo le trataron hoy?", "How were you treated today?"),
                "options": [
                    opt("1", "Muy mal", "Very poor"), opt("2", "Mal", "Poor"),
                    opt("3", "Regular", "Fair"), opt("4", "Bien", "Good"),
                    opt("5", "Muy bien", "Very good")
                ]
            },
            {
                "id": "saludo", "kind": "yes_no", "required": true,
                "prompt": lt("¿Le saludaron?", "Were you greeted?"),
                "options": [opt("si", "Sí", "Yes"), opt("no", "No", "No"), opt("en_parte", "En parte", "Partly")]
            },
            {
                "id": "espera", "kind": "single_choice", "required": true,
                "prompt": lt("¿Cuánto esperó?", "How long did you wait?"),
                "options": [opt("poco", "Poco", "Not long"), opt("mucho", "Mucho", "A long time")]
            },
            {
                "id": "mejorar", "kind": "multiple_choice", "required": true,
                "show_if": { "question": "trato", "any_of": ["1", "2"] },
                "prompt": lt("¿Qué podemos mejorar?", "What can we improve?"),
                "options": [
                    opt("trato", "Trato", "Treatment"), opt("espera", "Espera", "Waiting"),
                    opt("limpieza", "Limpieza", "Cleanliness")
                ]
            },
            {
                "id": "recomienda", "kind": "recommend", "required": false,
                "prompt": lt("¿Nos recomendaría?", "Would you recommend us?")
            },
            {
                "id": "porque", "kind": "free_text", "required": true,
                "show_if": { "question": "recomienda", "any_of": ["0", "1", "2", "3", "4", "5", "6"] },
                "prompt": lt("¿Por qué?", "Why?")
            },
            {
                "id": "comentario", "kind": "free_text", "required": false, "max_chars": 20,
                "prompt": lt("¿Algún comentario?", "Any comment?")
            }
        ]
    })
}

pub fn survey(v: &Value) -> SurveyDefinition {
    serde_json::from_value(v.clone()).expect("structurally valid survey")
}

pub fn issues(v: &Value) -> Vec<ValidationIssue> {
    survey(v).validate()
}

pub fn paths(v: &Value) -> Vec<String> {
    issues(v).into_iter().map(|i| i.path).collect()
}
