//! Declares the app's own commands to tauri-build so each one gets an ACL
//! permission (`allow-<command>`): without this manifest any window could call
//! any command, whatever the capabilities say.

const COMMANDS: &[&str] = &[
    "kiosk_bootstrap",
    "start_survey",
    "start_from_face",
    "submit_response",
    "abandon_response",
    "record_progress",
    "open_staff",
    "read_aloud",
    "read_aloud_clip",
    "staff_pad_state",
    "staff_login",
    "staff_logout",
    "staff_close",
    "staff_overview",
    "staff_export_destinations",
    "staff_export",
    "staff_eject",
    "staff_sync_now",
    "staff_settings",
    "staff_update_settings",
    "staff_set_pin",
    "staff_audit",
    "leave_kiosk_mode",
    "setup_state",
    "complete_setup",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
