//! Speech synthesis with espeak-ng into WAV files, cached by what makes the
//! sound: a file is named by a hash of the engine's settings, the voice and
//! the text, so a changed text (or voice or speed) is a new file and an
//! unchanged one is never made twice. Each file is written beside its final
//! name and renamed into place once complete, so a file with the final name
//! is always whole, even after a crash or a power cut mid-write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

/// Words per minute: slower than espeak-ng's 175, for older patients.
pub const DEFAULT_SPEED: u32 = 150;

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("cannot run {program} (is the espeak-ng package installed?): {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("{program} wrote no usable sound for {voice}: {reason}")]
    BadOutput {
        program: String,
        voice: String,
        reason: String,
    },
    #[error("cannot write the speech cache {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The espeak-ng command and how it speaks.
#[derive(Debug, Clone)]
pub struct Espeak {
    pub program: PathBuf,
    /// Words per minute.
    pub speed: u32,
}

impl Default for Espeak {
    fn default() -> Self {
        Espeak {
            program: PathBuf::from("espeak-ng"),
            speed: DEFAULT_SPEED,
        }
    }
}

impl Espeak {
    /// The cache file's name for `text` in `voice`: a hash of everything
    /// that changes the sound (volume is not among them: it is applied when
    /// playing, the same way to recordings and speech).
    pub fn file_name(&self, voice: &str, text: &str) -> String {
        let mut hash = Sha256::new();
        for part in ["espeak-ng", voice, &self.speed.to_string(), text] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let digest = format!("{:x}", hash.finalize());
        format!("{}.wav", &digest[..32])
    }

    /// The WAV of `text` in `voice` inside `dir`, made now unless it is
    /// already there. Returns its file name.
    pub fn speak_cached(&self, dir: &Path, voice: &str, text: &str) -> Result<String, SpeechError> {
        let name = self.file_name(voice, text);
        let path = dir.join(&name);
        if path.is_file() {
            return Ok(name);
        }
        let io = |source| SpeechError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".speech-")
            .suffix(".wav.tmp")
            .tempfile_in(dir)
            .map_err(io)?;
        self.speak_to(voice, text, tmp.path())?;
        let wav = std::fs::read(tmp.path()).map_err(io)?;
        let seconds = wav_seconds(&wav).map_err(|reason| SpeechError::BadOutput {
            program: self.program.display().to_string(),
            voice: voice.to_owned(),
            reason,
        })?;
        if seconds <= 0.0 {
            return Err(SpeechError::BadOutput {
                program: self.program.display().to_string(),
                voice: voice.to_owned(),
                reason: "no samples".into(),
            });
        }
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(name)
    }

    /// Runs espeak-ng once: the text goes in on stdin (UTF-8, never parsed
    /// as options or markup), the sound into `out`.
    fn speak_to(&self, voice: &str, text: &str, out: &Path) -> Result<(), SpeechError> {
        let program = self.program.display().to_string();
        let mut child = Command::new(&self.program)
            .arg("-v")
            .arg(voice)
            .arg("-s")
            .arg(self.speed.to_string())
            .args(["-b", "1", "-w"])
            .arg(out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SpeechError::Spawn {
                program: program.clone(),
                source,
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A write error shows as the command's failure below.
            let _ = stdin.write_all(text.as_bytes());
        }
        let output = child
            .wait_with_output()
            .map_err(|source| SpeechError::Spawn {
                program: program.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(SpeechError::Failed {
                program,
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(())
    }
}

/// The length in seconds of a PCM WAV file, from its header and the size of
/// its `data` chunk (espeak-ng writes the sizes once it is done).
pub fn wav_seconds(wav: &[u8]) -> Result<f64, String> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([wav[i], wav[i + 1], wav[i + 2], wav[i + 3]]);
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        match id {
            b"fmt " if body + 16 <= wav.len() => {
                let channels = u32::from(u16_at(body + 2));
                let rate = u32_at(body + 4);
                let bits = u32::from(u16_at(body + 14));
                byte_rate = Some(rate * channels * bits / 8);
            }
            b"data" => {
                let rate = byte_rate
                    .filter(|r| *r > 0)
                    .ok_or("no fmt chunk before data")?;
                // A size past the end (a stream never finished) counts what is there.
                let size = size.min(wav.len() - body);
                return Ok(size as f64 / f64::from(rate));
            }
            _ => {}
        }
        at = body + size + (size & 1);
    }
    Err("no data chunk".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_changes_with_text_voice_and_speed() {
        let e = Espeak::default();
        let a = e.file_name("es-419", "¿Le saludaron?");
        assert_eq!(a, e.file_name("es-419", "¿Le saludaron?"));
        assert_ne!(a, e.file_name("es-419", "¿Le saludaron bien?"));
        assert_ne!(a, e.file_name("en-us", "¿Le saludaron?"));
        let slower = Espeak {
            speed: 120,
            ..Espeak::default()
        };
        assert_ne!(a, slower.file_name("es-419", "¿Le saludaron?"));
        assert!(a.ends_with(".wav") && a.len() == 36);
    }

    #[test]
    fn wav_seconds_reads_the_header() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&1u16.to_le_bytes()); // mono
        wav.extend_from_slice(&22050u32.to_le_bytes());
        wav.extend_from_slice(&44100u32.to_le_bytes());
        wav.extend_from_slice(&2u16.to_le_bytes());
        wav.extend_from_slice(&16u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&44100u32.to_le_bytes());
        wav.extend(std::iter::repeat_n(0u8, 44100));
        assert_eq!(wav_seconds(&wav), Ok(1.0));
        assert!(wav_seconds(b"RIFF....WAVX").is_err());
        assert!(wav_seconds(&wav[..40]).is_err());
    }
}
