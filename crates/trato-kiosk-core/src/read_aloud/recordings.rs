//! Recorded audio that a survey carries (`audio` per question and option,
//! XLSForm `audio::Español (es)`): copied from beside the survey file into
//! the kiosk's data folder when the survey is installed, so the kiosk never
//! reads outside its folder afterwards. Recordings win over speech.

use std::path::{Path, PathBuf};

use trato_domain::{is_valid_audio_file, SurveyDefinition};

/// The largest recorded file accepted (a few minutes of compressed speech).
pub const MAX_RECORDING_BYTES: u64 = 20 * 1024 * 1024;

/// Where the recordings of one survey version live, under the audio folder
/// (also the start of their paths in the audio URLs).
pub fn survey_folder(survey_id: &str, version: u32) -> String {
    format!("recorded/{survey_id}/{version}")
}

/// Every recorded file a survey names, once each, in document order.
pub fn files(survey: &SurveyDefinition) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let items = survey.questions.iter().flat_map(|q| {
        q.audio
            .iter()
            .chain(q.options.iter().filter_map(|o| o.audio.as_ref()))
    });
    for audio in items {
        for name in audio.values() {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("faltan archivos de audio junto a la encuesta (missing audio files beside the survey) en {dir}: {}", .missing.join(", "))]
    Missing { dir: PathBuf, missing: Vec<String> },
    #[error("el archivo de audio {0} no es válido (not a valid audio file name)")]
    BadName(String),
    #[error("el archivo de audio {path} pesa más de {max} MiB (larger than {max} MiB)", max = MAX_RECORDING_BYTES / 1024 / 1024)]
    TooLarge { path: PathBuf },
    #[error("no se pudo copiar el audio {path} (cannot copy the audio): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Copies every recording `survey` names from `source_dir` (the survey
/// file's folder) into `audio_dir`. All are checked before any is copied;
/// each is written beside its final name and renamed into place. Returns
/// how many files the survey names.
pub fn copy_from(
    survey: &SurveyDefinition,
    source_dir: &Path,
    audio_dir: &Path,
) -> Result<usize, RecordingError> {
    let names = files(survey);
    let mut missing = Vec::new();
    for name in &names {
        // The survey was validated; checked again because paths are joined here.
        if !is_valid_audio_file(name) {
            return Err(RecordingError::BadName((*name).to_owned()));
        }
        let source = source_dir.join(name);
        match std::fs::metadata(&source) {
            Ok(meta) if meta.is_file() && meta.len() > MAX_RECORDING_BYTES => {
                return Err(RecordingError::TooLarge { path: source })
            }
            Ok(meta) if meta.is_file() => {}
            _ => missing.push((*name).to_owned()),
        }
    }
    if !missing.is_empty() {
        return Err(RecordingError::Missing {
            dir: source_dir.to_owned(),
            missing,
        });
    }
    let folder = audio_dir.join(survey_folder(&survey.id, survey.version));
    for name in &names {
        let target = folder.join(name);
        let io = |source| RecordingError::Io {
            path: target.clone(),
            source,
        };
        let parent = target.parent().unwrap_or(&folder);
        std::fs::create_dir_all(parent).map_err(io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".recording-")
            .suffix(".tmp")
            .tempfile_in(parent)
            .map_err(io)?;
        std::fs::copy(source_dir.join(name), tmp.path()).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&target).map_err(|e| io(e.error))?;
    }
    if !names.is_empty() {
        tracing::info!(count = names.len(), folder = %folder.display(), "recorded audio copied");
    }
    Ok(names.len())
}
